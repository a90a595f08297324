//! Content in the database and in memory.
//!
//! At start every instance loads `content/`, then records each item's
//! version: an unchanged file (same SHA-256) maps to the version already
//! stored, a changed one becomes version n+1. Several instances starting
//! at once agree, because versions are keyed by hash and a clash is
//! retried. The parsed courses stay in memory in a [`Catalog`]; requests
//! never parse or render markdown.

use super::{markdown, FileReport, Library};
use crate::api::organisation::Organisation;
use crate::api::AppError;
use crate::domain::course::{Course, Item, ItemBody};
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::internal;
use sqlx::FromRow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// The stored version of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Row id in `content_versions`: what attempts refer to.
    pub id: i64,
    /// 1, 2, 3… per item.
    pub number: i64,
}

/// What the server serves: the loaded courses, the version of each item,
/// and the problems found while loading.
#[derive(Default)]
pub struct Catalog {
    pub library: Library,
    pub versions: HashMap<(String, String), Version>,
    /// Template lessons rendered with the organisation's words, keyed by
    /// item hash and the organisation's `updated_at`.
    rendered: Mutex<HashMap<(String, i64), Arc<str>>>,
    /// Items by `content_versions` id, for attempts pinned to a version:
    /// the current ones come from the library, older ones are parsed from
    /// their stored source once per instance.
    pinned: Mutex<HashMap<i64, Arc<Item>>>,
    /// `content_epoch` when this catalog was built.
    pub epoch: i64,
}

impl Catalog {
    pub fn courses(&self) -> &[Course] {
        &self.library.courses
    }

    pub fn course(&self, id: &str) -> Option<&Course> {
        self.library.course(id)
    }

    pub fn problems(&self) -> impl Iterator<Item = &FileReport> {
        self.library
            .files
            .iter()
            .filter(|f| !f.diagnostics.is_empty())
    }

    pub fn version(&self, course: &str, item: &str) -> Option<Version> {
        self.versions
            .get(&(course.to_string(), item.to_string()))
            .copied()
    }

    /// A lesson's HTML; template lessons get the organisation's words,
    /// rendered once per change of those words.
    pub fn lesson_html(&self, item: &Item, org: &Organisation) -> Arc<str> {
        let ItemBody::Lesson(lesson) = &item.body else {
            return Arc::from("");
        };
        let Some(md) = &lesson.markdown else {
            return Arc::from(lesson.html.as_str());
        };
        let key = (item.hash.clone(), org.updated_at);
        if let Ok(cache) = self.rendered.lock() {
            if let Some(html) = cache.get(&key) {
                return html.clone();
            }
        }
        let html: Arc<str> = Arc::from(markdown::render_template(md, &item.title, |name| {
            org.field(name)
        }));
        if let Ok(mut cache) = self.rendered.lock() {
            if cache.len() > 1000 {
                cache.clear();
            }
            cache.insert(key, html.clone());
        }
        html
    }
}

impl Catalog {
    /// The item an attempt is pinned to, by `content_versions` id.
    pub async fn item_at_version(
        &self,
        db: &Db,
        course: &str,
        version_id: i64,
    ) -> Result<Arc<Item>, AppError> {
        if let Some(item) = self
            .pinned
            .lock()
            .ok()
            .and_then(|m| m.get(&version_id).cloned())
        {
            return Ok(item);
        }
        let current = self.course(course).and_then(|c| {
            c.items.iter().find(|i| {
                self.version(course, &i.id)
                    .is_some_and(|v| v.id == version_id)
            })
        });
        let item = match current {
            Some(i) => Arc::new(i.clone()),
            None => Arc::new(self.parse_stored(db, course, version_id).await?),
        };
        if let Ok(mut m) = self.pinned.lock() {
            if m.len() > 500 {
                m.clear();
            }
            m.insert(version_id, item.clone());
        }
        Ok(item)
    }

    /// An older version, from the rendered body stored in the database.
    async fn parse_stored(&self, db: &Db, course: &str, version_id: i64) -> Result<Item, AppError> {
        #[derive(FromRow)]
        struct Row {
            course_id: String,
            item_id: String,
            title: String,
            file: String,
            hash: String,
            body: String,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT course_id, item_id, title, file, hash, body FROM content_versions WHERE id = $1",
        )
        .bind(version_id)
        .fetch_optional(&db.pool)
        .await?;
        let Some(row) = row.filter(|r| r.course_id == course) else {
            return Err(AppError::not_found("This version of the item"));
        };
        let body = serde_json::from_str(&row.body).map_err(|e| {
            tracing::error!(version_id, error = %e, "a stored content version does not decode");
            AppError::Internal
        })?;
        Ok(Item {
            id: row.item_id,
            title: row.title,
            minutes: None,
            file: row.file,
            hash: row.hash,
            body,
        })
    }
}

/// The catalog shared by all requests; replaced whole when content reloads.
#[derive(Clone, Default)]
pub struct Content {
    current: Arc<RwLock<Arc<Catalog>>>,
    /// Problems with files in `content/` that could not be imported at all
    /// (not UTF-8, too large): shown with every catalog built afterwards.
    folder_problems: Arc<RwLock<Vec<FileReport>>>,
    /// One reload at a time per instance, so an older catalog never
    /// replaces a newer one.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl Content {
    pub fn get(&self) -> Arc<Catalog> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, catalog: Catalog) {
        let new = Arc::new(catalog);
        match self.current.write() {
            Ok(mut c) => *c = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    fn folder_problems(&self) -> Vec<FileReport> {
        self.folder_problems
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Imports `content/` into the database (files changed there since the
    /// last import), then builds the catalog from the database.
    pub async fn load_folder(&self, db: &Db, dir: &std::path::Path) -> Result<(), AppError> {
        let problems = import_folder(db, dir).await?;
        if let Ok(mut p) = self.folder_problems.write() {
            *p = problems;
        }
        self.reload(db).await
    }

    /// Rebuilds the catalog from the published sources in the database.
    pub async fn reload(&self, db: &Db) -> Result<(), AppError> {
        let _one = self.reloading.lock().await;
        let epoch = current_epoch(db).await?;
        let files = published_tree(db).await?;
        let mut library = tokio::task::spawn_blocking(move || super::load_tree(&files))
            .await
            .map_err(internal)?;
        library.files.extend(self.folder_problems());
        let mut catalog = sync(db, library).await?;
        catalog.epoch = epoch;
        self.replace(catalog);
        Ok(())
    }

    /// Reloads when another instance published since this one last loaded.
    pub async fn reload_if_changed(&self, db: &Db) -> Result<bool, AppError> {
        if current_epoch(db).await? == self.get().epoch {
            return Ok(false);
        }
        self.reload(db).await?;
        Ok(true)
    }
}

pub async fn current_epoch(db: &Db) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT epoch FROM content_epoch WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Every published file: path → source.
pub async fn published_tree(
    db: &Db,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, AppError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT path, source FROM content_files WHERE withdrawn_at IS NULL")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|(p, s)| (p, s.into_bytes())).collect())
}

/// Reads the markdown files of each course folder under `dir`.
fn read_folder(dir: &std::path::Path) -> Vec<(String, std::io::Result<Vec<u8>>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut dirs: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let Some(dname) = d.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if dname.starts_with('.') {
            continue;
        }
        let Ok(files) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<_> = files
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for f in files {
            let Some(fname) = f.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if fname.starts_with('.') {
                continue;
            }
            out.push((format!("{dname}/{fname}"), super::read_limited(&f)));
        }
    }
    out
}

/// Imports the files of `content/` that changed since they were last
/// imported (or are new), each as a new published revision. A file
/// published in the browser stays until its file in `content/` changes.
/// Files that cannot be content (not UTF-8, too large) are returned as
/// problems and not imported.
pub async fn import_folder(db: &Db, dir: &std::path::Path) -> Result<Vec<FileReport>, AppError> {
    let dir_owned = dir.to_path_buf();
    let files = tokio::task::spawn_blocking(move || read_folder(&dir_owned))
        .await
        .map_err(internal)?;
    let mut problems = Vec::new();
    let mut present = std::collections::HashSet::new();
    for (path, bytes) in files {
        present.insert(path.clone());
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                problems.push(super::io_report(&dir.join(&path), &e));
                continue;
            }
        };
        let src = super::source::Source::from_bytes(path.clone(), &bytes);
        if src.unreadable() {
            let mut r = super::FileReport::new(&src, "unknown");
            r.diagnostics = src.diagnostics.clone();
            problems.push(r);
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let hash = super::hash_hex(&bytes);
        import_file(db, &path, &text, &hash).await?;
    }
    // A file removed from content/ is withdrawn, unless what is served was
    // published in the browser after the last import.
    let stored: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT path, source, folder_hash FROM content_files WHERE folder_hash IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    for (path, source, folder_hash) in stored {
        if !present.contains(&path)
            && folder_hash.as_deref() == Some(super::hash_hex(source.as_bytes()).as_str())
        {
            sqlx::query("DELETE FROM content_files WHERE path = $1 AND folder_hash = $2")
                .bind(&path)
                .bind(&folder_hash)
                .execute(&db.pool)
                .await?;
            tracing::warn!(file = %path, "file no longer in the content folder: withdrawn");
        }
    }
    Ok(problems)
}

async fn import_file(db: &Db, path: &str, text: &str, hash: &str) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    let at = now();
    // Only a file that changed in the folder since its last import.
    let updated: Option<(i64,)> = sqlx::query_as(
        "UPDATE content_files SET source = $2, revision = revision + 1, folder_hash = $3,
                published_by = NULL, published_at = $4, withdrawn_at = NULL, withdrawn_by = NULL
         WHERE path = $1 AND (folder_hash IS NULL OR folder_hash <> $3)
         RETURNING revision",
    )
    .bind(path)
    .bind(text)
    .bind(hash)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let revision = match updated {
        Some((r,)) => Some(r),
        None => sqlx::query_as::<_, (i64,)>(
            "INSERT INTO content_files (path, source, revision, folder_hash, published_by, published_at)
             VALUES ($1, $2, (SELECT COALESCE(MAX(revision), 0) + 1 FROM content_revisions WHERE path = $1), $3, NULL, $4)
             ON CONFLICT (path) DO NOTHING RETURNING revision",
        )
        .bind(path)
        .bind(text)
        .bind(hash)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.0),
    };
    if let Some(revision) = revision {
        sqlx::query(
            "INSERT INTO content_revisions (path, revision, source, origin, published_by, published_at)
             VALUES ($1, $2, $3, 'folder', NULL, $4) ON CONFLICT (path, revision) DO NOTHING",
        )
        .bind(path)
        .bind(revision)
        .bind(text)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if revision > 1 {
            tracing::info!(file = %path, revision, "content folder file changed: imported");
        }
    }
    tx.commit().await?;
    Ok(())
}

#[derive(FromRow)]
struct VersionRow {
    id: i64,
    version: i64,
}

async fn find_version(
    db: &Db,
    course: &str,
    item: &str,
    hash: &str,
) -> Result<Option<VersionRow>, AppError> {
    Ok(sqlx::query_as::<_, VersionRow>(
        "SELECT id, version FROM content_versions WHERE course_id = $1 AND item_id = $2 AND hash = $3",
    )
    .bind(course)
    .bind(item)
    .bind(hash)
    .fetch_optional(&db.pool)
    .await?)
}

/// The stored version of an item, created when the file is new or changed.
pub async fn ensure_version(db: &Db, course: &str, item: &Item) -> Result<Version, AppError> {
    for _ in 0..5 {
        if let Some(v) = find_version(db, course, &item.id, &item.hash).await? {
            return Ok(Version {
                id: v.id,
                number: v.version,
            });
        }
        let body = serde_json::to_string(&item.body).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise content");
            AppError::Internal
        })?;
        let inserted = sqlx::query_as::<_, VersionRow>(
            "INSERT INTO content_versions (course_id, item_id, kind, version, hash, file, title, body, created_at)
             VALUES ($1, $2, $3,
                     (SELECT COALESCE(MAX(version), 0) + 1 FROM content_versions WHERE course_id = $1 AND item_id = $2),
                     $4, $5, $6, $7, $8)
             RETURNING id, version",
        )
        .bind(course)
        .bind(&item.id)
        .bind(item.kind().as_str())
        .bind(&item.hash)
        .bind(&item.file)
        .bind(&item.title)
        .bind(body)
        .bind(now())
        .fetch_one(&db.pool)
        .await;
        match inserted {
            Ok(v) => {
                if v.version > 1 {
                    tracing::info!(course, item = %item.id, version = v.version, "content changed: new version stored");
                }
                return Ok(Version {
                    id: v.id,
                    number: v.version,
                });
            }
            // Another instance stored this hash or took this number first.
            Err(sqlx::Error::Database(_)) => continue,
            Err(e) => return Err(AppError::from(e)),
        }
    }
    tracing::error!(course, item = %item.id, "could not store a content version after 5 tries");
    Err(AppError::Internal)
}

/// Records the loaded library in the database and returns the catalog.
pub async fn sync(db: &Db, library: Library) -> Result<Catalog, AppError> {
    let mut versions = HashMap::new();
    for course in &library.courses {
        let mut ids = Vec::new();
        for item in &course.items {
            let v = ensure_version(db, &course.id, item).await?;
            versions.insert((course.id.clone(), item.id.clone()), v);
            ids.push((item.id.clone(), v.id));
        }
        let header = serde_json::json!({
            "title": course.title,
            "summary": course.summary,
            "minutes": course.minutes,
            "competencies": course.competencies,
            "required": course.required,
            "file": course.file,
        })
        .to_string();
        let mut tx = db.pool.begin().await?;
        sqlx::query(
            "INSERT INTO courses (id, title, body, active, updated_at) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, active = 1, updated_at = excluded.updated_at",
        )
        .bind(&course.id)
        .bind(&course.title)
        .bind(header)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM course_items WHERE course_id = $1")
            .bind(&course.id)
            .execute(&mut *tx)
            .await?;
        for (pos, (item, vid)) in ids.iter().enumerate() {
            sqlx::query("INSERT INTO course_items (course_id, position, item_id, version_id) VALUES ($1, $2, $3, $4)")
                .bind(&course.id)
                .bind(pos as i64)
                .bind(item)
                .bind(vid)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    // Courses whose folder is gone stay for history, marked inactive.
    let active: Vec<String> = library.courses.iter().map(|c| c.id.clone()).collect();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT id FROM courses WHERE active = 1")
        .fetch_all(&db.pool)
        .await?;
    for (id,) in stored.into_iter().filter(|(id,)| !active.contains(id)) {
        sqlx::query("UPDATE courses SET active = 0, updated_at = $2 WHERE id = $1")
            .bind(&id)
            .bind(now())
            .execute(&db.pool)
            .await?;
        tracing::warn!(course = %id, "course no longer in the content folder: marked inactive");
    }
    Ok(Catalog {
        library,
        versions,
        rendered: Mutex::new(HashMap::new()),
        pinned: Mutex::new(HashMap::new()),
        epoch: 0,
    })
}

/// Loads the content folder into a fresh [`Content`]: imports changed
/// files, logs every problem, stores versions.
pub async fn load(db: &Db, dir: &std::path::Path) -> Result<Content, AppError> {
    let content = Content::default();
    content.load_folder(db, dir).await?;
    let catalog = content.get();
    for f in &catalog.library.files {
        for d in &f.diagnostics {
            match d.severity {
                super::source::Severity::Error => tracing::error!("{d}"),
                super::source::Severity::Warning => tracing::warn!("{d}"),
            }
        }
    }
    let items: usize = catalog.library.courses.iter().map(|c| c.items.len()).sum();
    tracing::info!(
        courses = catalog.library.courses.len(),
        items,
        errors = catalog.library.errors(),
        warnings = catalog.library.warnings(),
        "content loaded from {}",
        dir.display()
    );
    Ok(content)
}

#[derive(FromRow)]
struct OrgRow {
    name: String,
    mission: String,
    vision: String,
    values_md: String,
    updated_at: i64,
}

pub async fn organisation(db: &Db) -> Result<Organisation, AppError> {
    let row = sqlx::query_as::<_, OrgRow>(
        "SELECT name, mission, vision, values_md, updated_at FROM organisation WHERE id = 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Organisation {
            name: r.name,
            mission: r.mission,
            vision: r.vision,
            values: r.values_md,
            updated_at: r.updated_at,
        },
        None => Organisation::unset(),
    })
}

/// Saves the organisation's words; `only_if_unset` is for seeding.
pub async fn save_organisation(
    db: &Db,
    actor: Option<i64>,
    org: &Organisation,
    only_if_unset: bool,
) -> Result<(), AppError> {
    let sql = if only_if_unset {
        "INSERT INTO organisation (id, name, mission, vision, values_md, updated_at, updated_by)
         VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO organisation (id, name, mission, vision, values_md, updated_at, updated_by)
         VALUES (1, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, mission = excluded.mission, vision = excluded.vision,
            values_md = excluded.values_md, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    };
    let mut tx = db.pool.begin().await?;
    // A later save in the same second must still look new to the cache.
    let previous: Option<(i64,)> =
        sqlx::query_as("SELECT updated_at FROM organisation WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
    let at = now().max(previous.map_or(0, |p| p.0 + 1));
    sqlx::query(sql)
        .bind(&org.name)
        .bind(&org.mission)
        .bind(&org.vision)
        .bind(&org.values)
        .bind(at)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    if !only_if_unset {
        crate::server::accounts::audit(&mut tx, actor, "organisation.updated", &org.name).await?;
    }
    tx.commit().await?;
    Ok(())
}
