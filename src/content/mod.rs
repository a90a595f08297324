//! Course content: reading the markdown files under `content/`, checking
//! them, and turning them into [`Course`] values with sanitised HTML.
//!
//! The same code runs for `rapport check` and when the server starts, so a
//! trainer sees exactly the problems the server would. A file with errors
//! is reported and left out; it never stops the other files or courses.

pub mod blocks;
pub mod front_matter;
mod load;
pub mod markdown;
pub mod parse;
pub mod report;
pub mod review;
pub mod source;
pub mod store;
pub mod twee;

#[cfg(test)]
mod tests;

use crate::domain::course::{Course, FileKind};
use crate::domain::scenario::ScoreRange;
pub use load::{
    apply_order, build_course, check_paths, hash_hex, is_item_name, load_course, load_dir,
    load_item, load_tree, parse_item, ParsedItem, TreeFile,
};
pub(crate) use load::{io_report, read_limited};
use serde::Serialize;
use source::{Diagnostic, Severity, Source};
use std::collections::BTreeMap;

/// What `rapport check` says about one file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub kind: FileKind,
    pub id: Option<String>,
    pub title: Option<String>,
    pub counts: Counts,
    /// Lowest and highest reachable total per competency (scenarios).
    pub scores: BTreeMap<String, ScoreRange>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub scenes: usize,
    pub endings: usize,
    pub choices: usize,
    pub questions: usize,
}

impl FileReport {
    pub(crate) fn new(src: &Source, kind: FileKind) -> FileReport {
        FileReport {
            file: src.file.clone(),
            kind,
            id: None,
            title: None,
            counts: Counts::default(),
            scores: BTreeMap::new(),
            diagnostics: Vec::new(),
        }
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Everything loaded from a content folder.
#[derive(Clone, Debug, Default)]
pub struct Library {
    pub courses: Vec<Course>,
    pub files: Vec<FileReport>,
}

impl Library {
    pub fn errors(&self) -> usize {
        self.files.iter().map(FileReport::errors).sum()
    }

    pub fn warnings(&self) -> usize {
        self.files.iter().map(FileReport::warnings).sum()
    }

    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.id == id)
    }
}
