//! Importing the files of `content/` into the database: only files whose
//! hash changed since the last import, so a file published in the browser is
//! not overwritten by an unchanged folder.

use crate::api::AppError;
use crate::content::FileReport;
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::internal;

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
pub(super) fn read_folder(dir: &std::path::Path) -> Vec<(String, std::io::Result<Vec<u8>>)> {
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
            out.push((format!("{dname}/{fname}"), crate::content::read_limited(&f)));
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
                problems.push(crate::content::io_report(&dir.join(&path), &e));
                continue;
            }
        };
        let src = crate::content::source::Source::from_bytes(path.clone(), &bytes);
        if src.unreadable() {
            let mut r =
                crate::content::FileReport::new(&src, crate::domain::course::FileKind::Unknown);
            r.diagnostics = src.diagnostics.clone();
            problems.push(r);
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let hash = crate::content::hash_hex(&bytes);
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
            && folder_hash.as_deref() == Some(crate::content::hash_hex(source.as_bytes()).as_str())
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

pub(super) async fn import_file(
    db: &Db,
    path: &str,
    text: &str,
    hash: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
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
