//! Content versions: each item's source keyed by its hash, so attempts stay
//! pinned to what they started on; building the catalog from the stored
//! tree.

use super::{Catalog, Content, Version};
use crate::api::AppError;
use crate::content::Library;
use crate::domain::course::Item;
use crate::server::db::Db;
use crate::server::now;
use sqlx::FromRow;
use std::collections::HashMap;

#[derive(FromRow)]
pub(super) struct VersionRow {
    pub(super) id: i64,
    pub(super) version: i64,
}

pub(super) async fn find_version(
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
        let mut tx = db.begin_write().await?;
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
        epoch: 0,
        ..Catalog::default()
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
                crate::content::source::Severity::Error => tracing::error!("{d}"),
                crate::content::source::Severity::Warning => tracing::warn!("{d}"),
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
