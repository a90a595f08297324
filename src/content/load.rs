//! Loading content: a folder on disk (`rapport check`, the first import)
//! or the tree of files stored in the database (the catalog), into courses
//! and a report per file.

use super::source::{Diagnostic, Severity, Source, MAX_FILE_BYTES};
use super::{parse, review, FileReport, Library};
use crate::domain::course::{Course, FileKind, Item, ItemBody, ItemKind};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

pub fn hash_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads at most one byte more than the limit, so a huge file is refused
/// without being read whole.
pub(crate) fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

pub(super) fn display(path: &Path) -> String {
    path.display().to_string()
}

pub(crate) fn io_report(path: &Path, e: &std::io::Error) -> FileReport {
    let src = Source::new(display(path), "");
    let mut r = FileReport::new(&src, FileKind::Unknown);
    r.diagnostics.push(Diagnostic {
        file: display(path),
        line: 1,
        col: 1,
        severity: Severity::Error,
        message: format!("cannot read the file: {e}"),
        hint: None,
        check: None,
    });
    r
}

/// A folder handed to `rapport check` that is neither a course folder nor
/// holds any: saying "checked 0 files" and succeeding would hide the mistake.
pub(super) fn no_course_report(path: &Path) -> FileReport {
    let src = Source::new(display(path), "");
    let mut r = FileReport::new(&src, FileKind::Unknown);
    let markdown = std::fs::read_dir(path)
        .map(|d| d.flatten().filter(|e| is_markdown(&e.path())).count())
        .unwrap_or(0);
    r.diagnostics.push(Diagnostic {
        file: display(path),
        line: 1,
        col: 1,
        severity: Severity::Error,
        message: if markdown > 0 {
            format!("no course folder found: this folder has {markdown} markdown file(s) but no `course.md`")
        } else {
            "no course folder found: no `course.md` here or in the folders inside".to_string()
        },
        hint: Some(
            "a course is a folder with a `course.md` beside its lessons, scenarios and quizzes; check that folder, or the folder that holds the courses".into(),
        ), check: None, });
    r
}

pub(super) fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

pub(super) fn is_item_file(path: &Path) -> bool {
    // `_notes.md` and hidden files are for trainers, not learners.
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_item_name)
        && path.is_file()
}

pub(super) fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

/// Loads every course folder under `root` (a folder with a `course.md`).
pub fn load_dir(root: &Path) -> Library {
    let mut lib = Library::default();
    let entries = match sorted_entries(root) {
        Ok(e) => e,
        Err(e) => {
            lib.files.push(io_report(root, &e));
            return lib;
        }
    };
    let mut seen: HashMap<String, String> = HashMap::new();
    for dir in entries.into_iter().filter(|p| p.is_dir()) {
        if !dir.join("course.md").is_file() {
            let has_md = sorted_entries(&dir)
                .map(|e| e.iter().any(|p| is_markdown(p)))
                .unwrap_or(false);
            if has_md {
                lib.files.push(no_course_md(&display(&dir)));
            }
            continue;
        }
        let (course, reports) = load_course(root, &dir);
        add_course(&mut lib, &mut seen, course, reports);
    }
    lib
}

/// Loads one course folder. The course is returned when its `course.md`
/// is sound; items with errors are reported and left out of it.
pub fn load_course(root: &Path, dir: &Path) -> (Option<Course>, Vec<FileReport>) {
    let course_path = dir.join("course.md");
    let course_file = match read_limited(&course_path) {
        Ok(bytes) => Ok(TreeFile {
            shown: display(&course_path),
            rel: rel_display(root, &course_path),
            bytes,
        }),
        Err(e) => Err(io_report(&course_path, &e)),
    };
    let mut pre = Vec::new();
    let files = match sorted_entries(dir) {
        Ok(f) => f,
        Err(e) => {
            pre.push(io_report(dir, &e));
            Vec::new()
        }
    };
    let mut items = Vec::new();
    for path in files.into_iter().filter(|p| is_item_file(p)) {
        match read_limited(&path) {
            Ok(bytes) => items.push(TreeFile {
                shown: display(&path),
                rel: rel_display(root, &path),
                bytes,
            }),
            Err(e) => pre.push(io_report(&path, &e)),
        }
    }
    let (course, mut reports) = build_course(course_file, &items);
    reports.extend(pre);
    (course, reports)
}

pub(super) fn rel_display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(display)
        .unwrap_or_else(|_| display(path))
}

/// One file of a content tree held in memory: how diagnostics name it,
/// its path relative to the content root, and its bytes.
#[derive(Clone, Debug)]
pub struct TreeFile {
    pub shown: String,
    pub rel: String,
    pub bytes: Vec<u8>,
}

/// Is this file name (the last segment) a course item?
pub fn is_item_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".md")
        && name != "course.md"
        && name != "readme.md"
        && !name.starts_with('_')
        && !name.starts_with('.')
}

/// A whole content tree from memory (`course-folder/file.md` → bytes), as
/// the server keeps it in the database: the same rules as [`load_dir`].
pub fn load_tree(files: &BTreeMap<String, Vec<u8>>) -> Library {
    let mut lib = Library::default();
    let mut dirs: BTreeMap<&str, Vec<(&str, &String)>> = BTreeMap::new();
    for path in files.keys() {
        if let Some((dir, name)) = path.split_once('/') {
            if !name.contains('/') {
                dirs.entry(dir).or_default().push((name, path));
            }
        }
    }
    let mut seen: HashMap<String, String> = HashMap::new();
    for (dir, names) in dirs {
        let course_file = match files.get(&format!("{dir}/course.md")) {
            Some(bytes) => Ok(TreeFile {
                shown: format!("{dir}/course.md"),
                rel: format!("{dir}/course.md"),
                bytes: bytes.clone(),
            }),
            None => {
                lib.files.push(no_course_md(dir));
                continue;
            }
        };
        let items: Vec<TreeFile> = names
            .iter()
            .filter(|(name, _)| is_item_name(name))
            .map(|(_, path)| TreeFile {
                shown: (*path).clone(),
                rel: (*path).clone(),
                bytes: files[*path].clone(),
            })
            .collect();
        let (course, reports) = build_course(course_file, &items);
        add_course(&mut lib, &mut seen, course, reports);
    }
    lib
}

pub(super) fn no_course_md(dir: &str) -> FileReport {
    let src = Source::new(dir, "");
    let mut r = FileReport::new(&src, FileKind::Unknown);
    r.diagnostics.push(Diagnostic {
        file: dir.to_string(),
        line: 1,
        col: 1,
        severity: Severity::Warning,
        message: "this folder has markdown files but no `course.md`, so it is not a course".into(),
        hint: Some("add a course.md, or move the files into a course folder".into()),
        check: None,
    });
    r
}

pub(super) fn add_course(
    lib: &mut Library,
    seen: &mut HashMap<String, String>,
    course: Option<Course>,
    mut reports: Vec<FileReport>,
) {
    if let Some(course) = course {
        if let Some(other) = seen.get(&course.id) {
            if let Some(r) = reports.iter_mut().find(|r| r.kind == FileKind::Course) {
                r.diagnostics.push(Diagnostic {
                    file: r.file.clone(),
                    line: 1,
                    col: 1,
                    severity: Severity::Error,
                    message: format!("course id `{}` is already used by {other}", course.id),
                    hint: Some("every course needs its own id".into()),
                    check: None,
                });
            }
        } else {
            seen.insert(course.id.clone(), course.file.clone());
            lib.courses.push(course);
        }
    }
    lib.files.extend(reports);
}

/// Builds a course from its `course.md` and item files, checking each.
pub fn build_course(
    course_file: Result<TreeFile, FileReport>,
    files: &[TreeFile],
) -> (Option<Course>, Vec<FileReport>) {
    let mut reports = Vec::new();
    let (header, course_rel, course_bytes) = match &course_file {
        Ok(f) => {
            let mut src = Source::from_bytes(f.shown.clone(), &f.bytes);
            let header = parse::parse_course(&mut src);
            let mut r = FileReport::new(&src, FileKind::Course);
            if let Some(h) = &header {
                r.id = Some(h.id.clone());
                r.title = Some(h.title.clone());
            }
            r.diagnostics = std::mem::take(&mut src.diagnostics);
            reports.push(r);
            (
                header.filter(|_| !src.has_errors() && reports[0].errors() == 0),
                f.rel.clone(),
                f.bytes.as_slice(),
            )
        }
        Err(report) => {
            reports.push(report.clone());
            (None, String::new(), &[][..])
        }
    };
    let competencies = header.as_ref().map(|h| h.competencies.clone());
    let mut items: Vec<Item> = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let load = |f: &TreeFile| {
        load_item(
            f.shown.clone(),
            f.rel.clone(),
            &f.bytes,
            competencies.as_deref(),
        )
    };
    // Items are independent: parse them on every core, keep file order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let loaded: Vec<(Option<Item>, FileReport)> = if threads < 2 || files.len() < 8 {
        files.iter().map(load).collect()
    } else {
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| s.spawn(|| part.iter().map(load).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    for (item, mut report) in loaded {
        if let Some(item) = item {
            if let Some(first) = ids.get(&item.id) {
                report.diagnostics.push(Diagnostic {
                    file: report.file.clone(),
                    line: 2,
                    col: 1,
                    severity: Severity::Error,
                    message: format!("item id `{}` is already used by {first}", item.id),
                    hint: Some("ids must be unique within a course".into()),
                    check: None,
                });
            } else {
                ids.insert(item.id.clone(), report.file.clone());
                items.push(item);
            }
        }
        reports.push(report);
    }
    let Some(h) = header else {
        return (None, reports);
    };
    let mut required = Vec::new();
    match &h.required {
        None => required = items.iter().map(|i| i.id.clone()).collect(),
        Some(list) => {
            let mut src = Source::from_bytes(reports[0].file.clone(), course_bytes);
            for (id, at) in list {
                if items.iter().any(|i| &i.id == id) {
                    required.push(id.clone());
                } else {
                    src.error_hint(
                        *at,
                        format!("required item `{id}` is not in this course"),
                        "list the ids from the items' front matter",
                    );
                }
            }
            reports[0].diagnostics.append(&mut src.diagnostics);
        }
    }
    if !h.order.is_empty() {
        let mut src = Source::from_bytes(reports[0].file.clone(), course_bytes);
        let mut listed: Vec<String> = Vec::new();
        for (id, at) in &h.order {
            if listed.contains(id) {
                src.warning(*at, format!("`{id}` is listed twice in `order`"));
            } else if items.iter().any(|i| &i.id == id) {
                listed.push(id.clone());
            } else {
                src.warning_hint(
                    *at,
                    format!("`{id}` in `order` is not an item of this course; it is skipped"),
                    "list the ids from the items' front matter",
                );
            }
        }
        reports[0].diagnostics.append(&mut src.diagnostics);
        items = apply_order(items, |i| i.id.as_str(), &listed);
    }
    if items.is_empty() {
        let file = reports[0].file.clone();
        reports[0].diagnostics.push(Diagnostic {
            file,
            line: 1,
            col: 1,
            severity: Severity::Error,
            message: "the course has no lessons, scenarios or quizzes that load".into(),
            hint: Some("add item files such as `01-why-it-matters.md` beside course.md".into()),
            check: None,
        });
        return (None, reports);
    }
    let course = Course {
        id: h.id,
        title: h.title,
        summary: h.summary,
        minutes: h.minutes,
        competencies: h.competencies,
        required,
        description_html: h.description_html,
        items,
        file: course_rel,
    };
    let mut src = Source::from_bytes(reports[0].file.clone(), course_bytes);
    review::course(&mut src, &course);
    reports[0].diagnostics.append(&mut src.diagnostics);
    (Some(course), reports)
}

/// Puts `items` in the order of the ids in `order`; items not listed keep
/// their relative (file-name) order after the listed ones.
pub fn apply_order<T>(items: Vec<T>, id: impl Fn(&T) -> &str, order: &[String]) -> Vec<T> {
    // The first place of each id, looked up per item (a long `order:`
    // list scanned once per item cost items × list).
    let mut place: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (k, o) in order.iter().enumerate() {
        place.entry(o.as_str()).or_insert(k);
    }
    let mut keyed: Vec<(usize, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let rank = place.get(id(&item)).copied().unwrap_or(order.len());
            (rank, n, item)
        })
        .collect();
    keyed.sort_by_key(|(rank, n, _)| (*rank, *n));
    keyed.into_iter().map(|(_, _, item)| item).collect()
}

/// Parses one item file. The item is returned only when it has no errors.
pub fn load_item(
    shown_as: String,
    rel: String,
    bytes: &[u8],
    course_competencies: Option<&[String]>,
) -> (Option<Item>, FileReport) {
    let parsed = parse_item(shown_as, bytes, course_competencies);
    if parsed.report.errors() > 0 {
        return (None, parsed.report);
    }
    let item = match (parsed.header, parsed.body) {
        (Some(h), Some(body)) => Some(Item {
            id: h.id,
            title: h.title,
            minutes: h.minutes,
            file: rel,
            hash: hash_hex(bytes),
            body,
        }),
        _ => None,
    };
    (item, parsed.report)
}

/// An item file as far as it parses, errors or not: what the editor's
/// preview and scenario map show for a draft.
pub struct ParsedItem {
    pub header: Option<parse::Header>,
    pub body: Option<ItemBody>,
    pub report: FileReport,
}

pub fn parse_item(
    shown_as: String,
    bytes: &[u8],
    course_competencies: Option<&[String]>,
) -> ParsedItem {
    let mut src = Source::from_bytes(shown_as, bytes);
    let (header, fm) = parse::parse_header(&mut src);
    let body_start = fm.body_start;
    let kind = header.as_ref().map(|h| h.kind);
    let body = match kind {
        Some(ItemKind::Lesson) => {
            let title = header.as_ref().map_or("", |h| h.title.as_str());
            parse::parse_lesson(&mut src, fm, title).map(ItemBody::Lesson)
        }
        Some(ItemKind::Scenario) => {
            parse::parse_scenario(&mut src, fm, course_competencies).map(ItemBody::Scenario)
        }
        Some(ItemKind::Quiz) => parse::parse_quiz(&mut src, fm).map(ItemBody::Quiz),
        None => None,
    };
    // How it teaches, once it parses.
    if let (Some(h), Some(b), false) = (&header, &body, src.has_errors()) {
        review::item(&mut src, body_start, h.minutes, b);
    }
    let mut report = FileReport::new(&src, kind.map_or(FileKind::Unknown, FileKind::from));
    if let Some(h) = &header {
        report.id = Some(h.id.clone());
        report.title = Some(h.title.clone());
    }
    match &body {
        Some(ItemBody::Scenario(s)) => {
            report.counts.scenes = s.graph.scenes.len();
            report.counts.endings = s.graph.scenes.iter().filter(|s| s.ending.is_some()).count();
            report.counts.choices = s.graph.scenes.iter().map(|s| s.choices.len()).sum();
            report.scores = s.score_ranges.clone();
        }
        Some(ItemBody::Quiz(q)) => report.counts.questions = q.questions.len(),
        _ => {}
    }
    src.diagnostics.sort_by_key(|d| (d.line, d.col));
    report.diagnostics = std::mem::take(&mut src.diagnostics);
    ParsedItem {
        header,
        body,
        report,
    }
}

/// `rapport check PATH…`: each path may be a content folder, a course
/// folder or one file. For a file inside a course, the course gives the
/// context (its competencies) but only the file's own report is kept.
pub fn check_paths(paths: &[PathBuf]) -> Vec<FileReport> {
    let mut out = Vec::new();
    let mut done: HashSet<String> = HashSet::new();
    for path in paths {
        let reports = if path.is_dir() && path.join("course.md").is_file() {
            let root = path.parent().unwrap_or(path);
            load_course(root, path).1
        } else if path.is_dir() {
            let files = load_dir(path).files;
            if files.is_empty() {
                vec![no_course_report(path)]
            } else {
                files
            }
        } else if path.is_file() {
            let parent = path.parent().unwrap_or(Path::new("."));
            let is_course_md = path.file_name().is_some_and(|n| n == "course.md");
            if parent.join("course.md").is_file() {
                let root = parent.parent().unwrap_or(parent);
                let shown = display(path);
                load_course(root, parent)
                    .1
                    .into_iter()
                    .filter(|r| r.file == shown || (is_course_md && r.kind == FileKind::Course))
                    .collect()
            } else {
                match read_limited(path) {
                    Ok(bytes) => vec![load_item(display(path), display(path), &bytes, None).1],
                    Err(e) => vec![io_report(path, &e)],
                }
            }
        } else {
            vec![io_report(
                path,
                &std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            )]
        };
        for r in reports {
            if done.insert(r.file.clone()) {
                out.push(r);
            }
        }
    }
    out
}
