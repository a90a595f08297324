//! The trainers' library: every course folder and file with its draft and
//! published state.

use super::{file_kind, names, DraftRow, FileRow};
use crate::api::authoring::*;
use crate::api::AppError;
use crate::content::front_matter::{quick_title, quick_value};
use crate::content::{self};
use crate::domain::course::{FileKind, ItemKind};
use crate::server::AppState;
use std::collections::{BTreeMap, HashMap};

pub async fn library(state: &AppState) -> Result<LibraryData, AppError> {
    let files: Vec<FileRow> = sqlx::query_as(
        "SELECT path, source, revision, published_by, published_at FROM content_files WHERE withdrawn_at IS NULL",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let drafts: Vec<DraftRow> =
        sqlx::query_as("SELECT path, source, revision, updated_by, updated_at FROM content_drafts")
            .fetch_all(&state.db.pool)
            .await?;
    let withdrawn: Vec<(String,)> =
        sqlx::query_as("SELECT path FROM content_files WHERE withdrawn_at IS NOT NULL")
            .fetch_all(&state.db.pool)
            .await?;
    let catalog = state.content.get();
    let reports: HashMap<&str, &content::FileReport> = catalog
        .library
        .files
        .iter()
        .map(|r| (r.file.as_str(), r))
        .collect();
    let mut ids: Vec<i64> = files.iter().filter_map(|f| f.published_by).collect();
    ids.extend(drafts.iter().filter_map(|d| d.updated_by));
    let who = names(state, &ids).await?;
    let mut entries: BTreeMap<String, LibraryEntry> = BTreeMap::new();
    for f in &files {
        let (folder, name) = f.path.split_once('/').unwrap_or(("", &f.path));
        let report = reports.get(f.path.as_str());
        let item = catalog.library.courses.iter().find_map(|c| {
            c.items
                .iter()
                .find(|i| i.file == f.path)
                .map(|i| (c.id.clone(), i.id.clone()))
        });
        entries.insert(
            f.path.clone(),
            LibraryEntry {
                path: f.path.clone(),
                folder: folder.to_string(),
                kind: report.map_or_else(|| file_kind(name), |r| r.kind),
                title: report
                    .and_then(|r| r.title.clone())
                    .unwrap_or_else(|| name.to_string()),
                status: FileStatus::Published,
                revision: Some(f.revision),
                version: item
                    .and_then(|(c, i)| catalog.version(&c, &i))
                    .map(|v| v.number),
                errors: report.map_or(0, |r| r.errors()),
                warnings: report.map_or(0, |r| r.warnings()),
                editor: f.published_by.and_then(|id| who.get(&id).cloned()),
                edited_at: f.published_at,
            },
        );
    }
    for d in &drafts {
        let (folder, name) = d.path.split_once('/').unwrap_or(("", &d.path));
        let editor = d.updated_by.and_then(|id| who.get(&id).cloned());
        match entries.get_mut(&d.path) {
            Some(e) => {
                e.status = FileStatus::DraftPending;
                e.editor = editor;
                e.edited_at = d.updated_at;
            }
            None => {
                let title = quick_title(&d.source).unwrap_or_else(|| name.to_string());
                entries.insert(
                    d.path.clone(),
                    LibraryEntry {
                        path: d.path.clone(),
                        folder: folder.to_string(),
                        kind: kind_of(&d.source, name),
                        title,
                        status: if withdrawn.iter().any(|(p,)| p == &d.path) {
                            FileStatus::Withdrawn
                        } else {
                            FileStatus::Draft
                        },
                        revision: None,
                        version: None,
                        errors: 0,
                        warnings: 0,
                        editor,
                        edited_at: d.updated_at,
                    },
                );
            }
        }
    }
    let mut folders: BTreeMap<String, String> = BTreeMap::new();
    for e in entries.values() {
        if e.kind == FileKind::Course {
            folders.insert(e.folder.clone(), e.title.clone());
        } else {
            folders
                .entry(e.folder.clone())
                .or_insert_with(|| e.folder.clone());
        }
    }
    Ok(LibraryData {
        entries: entries.into_values().collect(),
        folders: folders.into_iter().collect(),
    })
}

/// A draft's kind, from its front matter when it names one.
pub(super) fn kind_of(source: &str, name: &str) -> FileKind {
    quick_value(source, "kind")
        .and_then(|k| ItemKind::parse(&k))
        .map_or_else(|| file_kind(name), FileKind::from)
}
