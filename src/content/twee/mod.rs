//! Twine import: a story (Twee 3, older Twee, or Twine 2's published HTML
//! or archive) becomes a Rapport scenario file.
//!
//! - Every passage that is part of the story becomes a scene, reachable or
//!   not; special passages (`StoryTitle`, `StoryData`, `StoryInit`, …, and
//!   those tagged `script`, `stylesheet`, `widget`, …) do not.
//! - Every way the story moves on becomes a choice (`scan`): the link forms,
//!   also inside HTML and with setters, and each story format's navigation
//!   macros. A move that happens without a click becomes the scene's only
//!   choice; `back` links lead to the passages that lead here, `restart`
//!   links to the start.
//! - Numeric story state becomes competency effects: a change made by a
//!   click goes on that choice, a change made on entering a passage goes
//!   on every choice that leads there. Simple conditions become `{if …}`.
//!   Anything else is kept as a comment and reported.
//! - Presentation (style sheets, scripts, media, HTML tags, styling
//!   macros) is removed with one summary warning; the text around it stays.
//! - The report lists, per passage, what was translated and what was
//!   dropped, with line numbers.

mod layout;
pub mod read;
pub mod scan;

use super::parse::slug;
use layout::{comment, lay, neutralise, one_line, Laid};
use read::Passage;
use scan::{Choice, Scanner, Target};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write;

/// The most warnings listed for one import.
pub const MAX_WARNINGS: usize = 200;
/// A back link leads to each passage that leads here, up to this many (the
/// rest are reported): a passage reached from thousands of others would
/// otherwise get thousands of choices per back link.
pub const MAX_BACK_TARGETS: usize = 12;
/// The most markdown one import writes: a story that would make more is
/// refused instead of being held in memory whole.
pub const MAX_MARKDOWN: usize = 4 * crate::content::source::MAX_FILE_BYTES;
/// At most this many competencies in a scenario (the validator's limit).
const MAX_COMPETENCIES: usize = crate::content::parse::MAX_COMPETENCIES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// What became of one passage.
#[derive(Debug, Clone, Default)]
pub struct PassageReport {
    pub name: String,
    pub line: usize,
    /// The scene's id.
    pub scene: String,
    /// Ways the passage moves on, as found.
    pub links: usize,
    /// Choices written for them.
    pub choices: usize,
    /// (line, what): translated into Rapport's terms.
    pub translated: Vec<(usize, String)>,
    /// (line, what): kept as a comment or left out.
    pub dropped: Vec<(usize, String)>,
}

#[derive(Debug)]
pub struct Imported {
    pub id: String,
    pub markdown: String,
    pub scenes: usize,
    pub warnings: Vec<Warning>,
    /// Passages that are part of the story.
    pub passages: usize,
    /// Ways on found in them, and choices written.
    pub links: usize,
    pub choices: usize,
    pub report: Vec<PassageReport>,
}

const SPECIAL: &[&str] = &[
    "StoryTitle",
    "StoryData",
    "StoryInit",
    "StoryMenu",
    "StoryCaption",
    "StoryBanner",
    "StorySubtitle",
    "StoryAuthor",
    "StoryIncludes",
    "StorySettings",
    "StoryShare",
    "StoryInterface",
    "StoryReady",
    "PassageReady",
    "PassageDone",
    "PassageHeader",
    "PassageFooter",
    "MenuOptions",
    "MenuShare",
    "MenuStory",
];
const SPECIAL_TAGS: &[&str] = &[
    "script",
    "stylesheet",
    "widget",
    "startup",
    "header",
    "footer",
    "debug-header",
    "debug-footer",
    "debug-startup",
    "Twine.private",
    "Twine.image",
    "annotation",
    "note",
];

pub fn convert(source: &str) -> Result<Imported, String> {
    let story = read::read(source)?;
    let format = story.format.clone();
    let mut warnings = Vec::new();
    let title = story
        .title
        .as_deref()
        .map(one_line)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Imported story".to_string());
    let passages: Vec<&Passage> = story
        .passages
        .iter()
        .filter(|p| {
            !SPECIAL.contains(&p.name.as_str())
                && !p.tags.iter().any(|t| SPECIAL_TAGS.contains(&t.as_str()))
                && !p.name.is_empty()
        })
        .collect();
    if passages.is_empty() {
        return Err("1: the file has no story passages (lines starting with `::`, or <tw-passagedata> elements)".into());
    }
    let start = match &story.start {
        Some(s) => passages.iter().position(|p| &p.name == s).ok_or_else(|| {
            format!("1: the story names the start passage `{s}`, which does not exist")
        })?,
        None => {
            let i = passages.iter().position(|p| p.name == "Start").unwrap_or(0);
            warnings.push(Warning {
                line: passages[i].line,
                message: format!("no start passage named; starting at `{}`", passages[i].name),
            });
            i
        }
    };
    let by_name: HashMap<&str, usize> = passages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    let mut ids: Vec<String> = Vec::with_capacity(passages.len());
    let mut used = HashSet::new();
    let mut next_number: HashMap<String, usize> = HashMap::new();
    for p in &passages {
        let base = slug(&p.name);
        let mut id = base.clone();
        while !used.insert(id.clone()) {
            let n = next_number.entry(base.clone()).or_insert(2);
            id = format!("{base}-{n}");
            *n += 1;
        }
        ids.push(id);
    }

    // Read every passage.
    let laid: Vec<Laid> = passages
        .iter()
        .map(|p| {
            let mut l = Laid::default();
            lay(Scanner::new(&p.text, &format).scan(), None, &mut l);
            l
        })
        .collect();
    // Where each passage's lines start, so the line of a byte is a binary
    // search (counting newlines from the start for each link made a
    // passage of many links quadratic).
    let newlines: Vec<Vec<usize>> = passages
        .iter()
        .map(|p| p.text.match_indices('\n').map(|(n, _)| n).collect())
        .collect();
    let line_of = |i: usize, at: usize| -> usize {
        let at = at.min(passages[i].text.len());
        passages[i].text_line + newlines[i].partition_point(|&n| n < at)
    };

    // Competencies: the variables the story counts with, most used first.
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for l in &laid {
        for (v, _, _) in &l.entry {
            *uses.entry(v.clone()).or_default() += 1;
        }
        for c in &l.choices {
            for (v, _) in &c.effects {
                *uses.entry(v.clone()).or_default() += 1;
            }
        }
        for (_, c) in &l.conditions {
            for w in c.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')) {
                let number = w
                    .trim_start_matches('-')
                    .starts_with(|c: char| c.is_ascii_digit());
                if !w.is_empty()
                    && !number
                    && !w.starts_with('-')
                    && !matches!(w, "and" | "or" | "not")
                {
                    *uses.entry(w.to_owned()).or_default() += 1;
                }
            }
        }
    }
    let mut ranked: Vec<(String, usize)> = uses.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let competencies: Vec<String> = ranked
        .into_iter()
        .take(MAX_COMPETENCIES)
        .map(|(v, _)| v)
        .collect();

    // The changes made on entering each passage, summed per competency once
    // (they go on every choice that leads there: adding them up again for
    // each of thousands of links cost links × changes). Other variables are
    // reported once, at the passage.
    let entry_sums: Vec<Vec<(&str, i64)>> = laid
        .iter()
        .map(|l| {
            let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
            for (v, n, _) in &l.entry {
                if competencies.contains(v) {
                    let e = sums.entry(v.as_str()).or_default();
                    *e = e.saturating_add(*n);
                }
            }
            sums.into_iter()
                .map(|(v, n)| (v, n.clamp(-100, 100)))
                .collect()
        })
        .collect();

    // Where each passage's choices lead, for back links.
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); passages.len()];
    for (i, l) in laid.iter().enumerate() {
        for c in &l.choices {
            if let Target::Passage(t) = &c.target {
                if let Some(&j) = by_name.get(t.as_str()) {
                    // Passages are visited in order, so a repeat is the last.
                    if preds[j].last() != Some(&i) {
                        preds[j].push(i);
                    }
                }
            }
        }
    }

    let mut report: Vec<PassageReport> = Vec::new();
    // Scenes: (id, heading, body, choices as (target index, line)).
    let mut scenes: Vec<(String, String, String, Vec<usize>)> = Vec::new();
    let mut total_links = 0;
    let mut total_choices = 0;
    // Markdown written so far (bounded by `MAX_MARKDOWN`).
    let mut written = 0usize;
    let too_much = || {
        format!(
            "1: the story would make a scenario of more than {} MB; import it in parts",
            MAX_MARKDOWN / 1_000_000
        )
    };
    let mut stripped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut order: Vec<usize> = vec![start];
    order.extend((0..passages.len()).filter(|&i| i != start));
    for &i in &order {
        let p = passages[i];
        let l = &laid[i];
        let mut r = PassageReport {
            name: p.name.clone(),
            line: p.line,
            scene: ids[i].clone(),
            ..Default::default()
        };
        for k in &l.stripped {
            *stripped.entry(k).or_default() += 1;
        }
        let mut body = String::new();
        for (cond, para) in &l.paragraphs {
            let text = neutralise(para);
            let text = text.trim_end();
            if text.is_empty() {
                continue;
            }
            match cond {
                Some(c) => {
                    let _ = writeln!(body, "{{if {c}}} {}\n", text.trim_start_matches('\\'));
                }
                None => {
                    body.push_str(text);
                    body.push_str("\n\n");
                }
            }
        }
        for (at, c) in &l.conditions {
            r.translated
                .push((line_of(i, *at), format!("condition {{if {c}}}")));
        }
        for (at, n) in &l.notes {
            r.dropped.push((
                line_of(i, *at),
                format!(
                    "kept as a comment: {}",
                    one_line(n).chars().take(80).collect::<String>()
                ),
            ));
        }
        // Changes made on entering this passage go on the choices that
        // lead here; the start has none.
        if i == start {
            for (v, n, at) in &l.entry {
                r.dropped.push((line_of(i, *at), format!("a change on entering the start ({v} {n:+}) has no choice to go on; kept as a comment")));
                body.push_str(&comment(&format!("{v} {n:+} on entering")));
                body.push_str("\n\n");
            }
        } else {
            for (v, n, at) in &l.entry {
                if competencies.contains(v) {
                    r.translated.push((
                        line_of(i, *at),
                        format!("{v} {n:+} on entering: on every choice that leads here"),
                    ));
                } else {
                    r.dropped.push((
                        line_of(i, *at),
                        format!("{v} {n:+} on entering: more than {MAX_COMPETENCIES} variables; left out"),
                    ));
                }
            }
        }
        // A move without a click (not under a condition) is the only way on.
        let auto = l.choices.iter().find(|c| c.auto && c.cond.is_none());
        let shown: Vec<&Choice> = match auto {
            Some(a) => {
                for c in l.choices.iter().filter(|c| !std::ptr::eq(*c, a)) {
                    r.dropped.push((
                        line_of(i, c.at),
                        format!(
                            "link `{}` is never shown: the passage moves on to `{}` by itself",
                            one_line(&c.label),
                            target_name(&c.target)
                        ),
                    ));
                }
                vec![a]
            }
            None => l.choices.iter().collect(),
        };
        r.links = l.choices.len();
        total_links += l.choices.len();
        let mut leads = Vec::new();
        let mut lines = String::new();
        for c in shown {
            let targets: Vec<(usize, String)> = match &c.target {
                Target::Passage(t) => match by_name.get(t.as_str()) {
                    Some(&j) => vec![(j, c.label.clone())],
                    None => {
                        let msg = format!(
                            "link `{}` leads to `{t}`, which does not exist; left out",
                            one_line(&c.label)
                        );
                        r.dropped.push((line_of(i, c.at), msg));
                        continue;
                    }
                },
                Target::Restart => vec![(start, c.label.clone())],
                Target::Back => {
                    let from = &preds[i];
                    if from.is_empty() {
                        r.dropped.push((
                            line_of(i, c.at),
                            format!("back link `{}`: no passage leads here", one_line(&c.label)),
                        ));
                        continue;
                    }
                    if from.len() > MAX_BACK_TARGETS {
                        r.dropped.push((
                            line_of(i, c.at),
                            format!(
                                "back link `{}`: {} passages lead here; it goes back to the first {MAX_BACK_TARGETS} only",
                                one_line(&c.label),
                                from.len()
                            ),
                        ));
                    }
                    from.iter()
                        .take(MAX_BACK_TARGETS)
                        .map(|&j| {
                            let label = if from.len() == 1 {
                                c.label.clone()
                            } else {
                                format!("{} ({})", c.label, one_line(&passages[j].name))
                            };
                            (j, label)
                        })
                        .collect()
                }
            };
            for (j, label) in targets {
                let label = one_line(&label).replace(['[', ']'], "");
                let label = if label.is_empty() {
                    one_line(&passages[j].name).replace(['[', ']'], "")
                } else {
                    label
                };
                let mut effects: BTreeMap<&str, i64> = BTreeMap::new();
                let entering = if j == start {
                    &[][..]
                } else {
                    &entry_sums[j][..]
                };
                for (v, n) in c
                    .effects
                    .iter()
                    .map(|(v, n)| (v.as_str(), *n))
                    .chain(entering.iter().copied())
                {
                    if competencies.iter().any(|k| k == v) {
                        let e = effects.entry(v).or_default();
                        *e = e.saturating_add(n).clamp(-100, 100);
                    } else {
                        r.dropped.push((
                            line_of(i, c.at),
                            format!("{v} {n:+}: more than {MAX_COMPETENCIES} variables; left out"),
                        ));
                    }
                }
                let cond = c
                    .cond
                    .as_ref()
                    .map(|k| format!(" {{if {k}}}"))
                    .unwrap_or_default();
                let _ = writeln!(lines, "- [{label}](#{}){cond}", ids[j]);
                if !c.feedback.is_empty() {
                    let _ = writeln!(lines, "\n  > {}", c.feedback.replace(['\n', '\r'], " "));
                }
                let fx: Vec<String> = effects
                    .iter()
                    .filter(|(_, n)| **n != 0)
                    .map(|(v, n)| format!("{v} {n:+}"))
                    .collect();
                if !fx.is_empty() {
                    let _ = writeln!(lines, "\n  Effects: {}", fx.join(", "));
                }
                if !c.effects.is_empty() {
                    r.translated.push((
                        line_of(i, c.at),
                        format!(
                            "link `{}` changes {}",
                            one_line(&c.label),
                            c.effects
                                .iter()
                                .map(|(v, n)| format!("{v} {n:+}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                lines.push('\n');
                leads.push(j);
                r.choices += 1;
                if written + body.len() + lines.len() > MAX_MARKDOWN {
                    return Err(too_much());
                }
            }
        }
        written += body.len() + lines.len();
        if written > MAX_MARKDOWN {
            return Err(too_much());
        }
        total_choices += r.choices;
        scenes.push((
            ids[i].clone(),
            one_line(&p.name).replace(['{', '}', '#'], ""),
            body + &lines,
            leads,
        ));
        report.push(r);
    }

    // A scene from which no ending can be reached would trap learners: it
    // gets a way out to an ending of its own.
    let index: HashMap<usize, usize> = order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let ends: Vec<bool> = scenes.iter().map(|s| s.3.is_empty()).collect();
    let mut finish: Vec<bool> = ends.clone();
    let mut back_edges: Vec<Vec<usize>> = vec![Vec::new(); scenes.len()];
    for (k, s) in scenes.iter().enumerate() {
        for j in &s.3 {
            back_edges[index[j]].push(k);
        }
    }
    let mut queue: VecDeque<usize> = (0..scenes.len()).filter(|&k| ends[k]).collect();
    while let Some(k) = queue.pop_front() {
        for &f in &back_edges[k] {
            if !finish[f] {
                finish[f] = true;
                queue.push_back(f);
            }
        }
    }
    let trapped: Vec<usize> = (0..scenes.len()).filter(|&k| !finish[k]).collect();
    let exit_id = {
        let mut id = "leave-the-story".to_string();
        let mut n = 2;
        while used.contains(&id) {
            id = format!("leave-the-story-{n}");
            n += 1;
        }
        id
    };
    for &k in &trapped {
        scenes[k]
            .2
            .push_str(&format!("- [Leave the conversation here](#{exit_id})\n\n"));
        warnings.push(Warning {
            line: passages[order[k]].line,
            message: format!("passage `{}` never leads to an ending; it gets a way out to the added ending `{exit_id}`", passages[order[k]].name),
        });
    }

    let id = slug(&title);
    let mut md = String::new();
    let comps = if competencies.is_empty() {
        "empathy".to_owned()
    } else {
        competencies.join(", ")
    };
    let _ = write!(
        md,
        "---\nid: {id}\nkind: scenario\ntitle: {}\npersona: The customer\nsituation: Imported from Twine; describe who the customer is and what happened.\nmood: unknown\nchannel: chat\ncompetencies: [{comps}]\nscoring: none\n---\n\n# {}\n\n",
        title.replace(['\n', ':', '#'], " "),
        title.replace('#', "")
    );
    for (k, (sid, heading, body, leads)) in scenes.iter().enumerate() {
        let _ = write!(md, "## {heading} {{#{sid}}}\n\n");
        md.push_str(body.trim_end());
        md.push_str("\n\n");
        if leads.is_empty() && finish[k] {
            md.push_str("Ending: resolved\n\n");
            warnings.push(Warning {
                line: passages[order[k]].line,
                message: format!("passage `{}` has no way on and becomes an ending; set its outcome (resolved, partly resolved or lost)", passages[order[k]].name),
            });
        }
    }
    if !trapped.is_empty() {
        let _ = write!(md, "## The conversation ends {{#{exit_id}}}\n\nEnding: partly resolved\n\nAdded by the import: the story had no ending on this route.\n\n");
    }
    for r in &report {
        for (line, what) in &r.dropped {
            warnings.push(Warning {
                line: *line,
                message: format!("passage `{}`: {what}", r.name),
            });
        }
    }
    if !stripped.is_empty() {
        let what: Vec<String> = stripped.iter().map(|(k, n)| format!("{n} × {k}")).collect();
        warnings.push(Warning {
            line: 1,
            message: format!("presentation removed, text kept: {}", what.join(", ")),
        });
    }
    if warnings.len() > MAX_WARNINGS {
        let more = warnings.len() - MAX_WARNINGS;
        warnings.truncate(MAX_WARNINGS);
        warnings.push(Warning {
            line: 1,
            message: format!("{more} more warning(s) not listed"),
        });
    }
    warnings.push(Warning {
        line: 1,
        message: "fill in the persona, situation, mood, channel and competencies, and add feedback and effects to each choice".into(),
    });
    Ok(Imported {
        id,
        markdown: md.trim_end().to_string() + "\n",
        scenes: scenes.len() + usize::from(!trapped.is_empty()),
        warnings,
        passages: passages.len(),
        links: total_links,
        choices: total_choices,
        report,
    })
}

fn target_name(t: &Target) -> String {
    match t {
        Target::Passage(p) => p.clone(),
        Target::Back => "the previous passage".into(),
        Target::Restart => "the start".into(),
    }
}

#[cfg(test)]
mod tests;
