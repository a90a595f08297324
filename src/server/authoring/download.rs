//! Downloads: one file, or a course folder as a zip.

use super::{check_path, draft, published};
use crate::api::AppError;
use crate::server::{now, AppState};

/// The source of a file for download: the draft when `draft`, else the
/// published one.
pub async fn download(state: &AppState, path: &str, want_draft: bool) -> Result<String, AppError> {
    check_path(path)?;
    if want_draft {
        if let Some(d) = draft(state, path).await? {
            return Ok(d.source);
        }
    }
    published(state, path)
        .await?
        .map(|f| f.source)
        .ok_or_else(|| AppError::not_found("This file"))
}

/// A course folder's published files as a zip in the `content/` layout.
pub async fn course_zip(state: &AppState, folder: &str) -> Result<Vec<u8>, AppError> {
    check_path(&format!("{folder}/course.md"))?;
    let prefix = format!("{folder}/");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT path, source FROM content_files WHERE withdrawn_at IS NULL")
            .fetch_all(&state.db.pool)
            .await?;
    let files: Vec<(String, Vec<u8>)> = rows
        .into_iter()
        .filter(|(p, _)| p.starts_with(&prefix))
        .map(|(p, s)| (p, s.into_bytes()))
        .collect();
    if files.is_empty() {
        return Err(AppError::NotFound(format!(
            "There is no published course folder `{folder}`."
        )));
    }
    Ok(zip_stored(&files, now()))
}

/// A zip archive with the files stored (not compressed): small text files,
/// and no extra dependency.
pub fn zip_stored(files: &[(String, Vec<u8>)], at: i64) -> Vec<u8> {
    let (date, time) = dos_time(at);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let n = name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&time.to_le_bytes());
        out.extend_from_slice(&date.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(n);
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&time.to_le_bytes());
        central.extend_from_slice(&date.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(n.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(n);
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

pub(super) fn dos_time(at: i64) -> (u16, u16) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let (y, m, d) = crate::domain::time::civil_from_days(days);
    let date = (((y - 1980).clamp(0, 127) as u16) << 9) | ((m as u16) << 5) | d as u16;
    let time = (((secs / 3600) as u16) << 11)
        | ((((secs % 3600) / 60) as u16) << 5)
        | ((secs % 60) / 2) as u16;
    (date, time)
}

/// The zip format's checksum (CRC-32, IEEE).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}
