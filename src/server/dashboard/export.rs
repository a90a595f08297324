//! CSV export of the filtered rows, spilled to a temporary file and sent
//! in chunks, with at most two exports reading at a time.

use super::drilldown::person_course;
use super::filter::{course_titles, parse_filter, PairFilter};
use super::pairs::{pairs_sql, EFFECTIVE_DUE};
use super::{Scope, DAY};
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::time::format_date;
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::{internal, BindValues, Value};
use crate::server::AppState;
use sqlx::FromRow;
use std::collections::BTreeMap;

/// One CSV field: quoted when it holds a comma, quote or line break, and
/// with a leading apostrophe when a spreadsheet would read it as a formula.
/// A semicolon or tab is quoted too: a spreadsheet set to split on those
/// would otherwise start a new cell there, and `Safety;=1+1` would become
/// a live formula in the second one.
pub fn csv_field(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || s.contains([',', '"', '\n', '\r', ';', '\t']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for ch in s.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quote {
        out.push('"');
    }
}

pub const CSV_HEADER: &str =
    "team,name,email,course_id,course,status,overdue,due_date,started_at,completed_at\r\n";

#[derive(FromRow)]
pub(super) struct ExportRow {
    pub(super) team: String,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) course_id: String,
    pub(super) due: i64,
    pub(super) started_at: Option<i64>,
    pub(super) completed_at: Option<i64>,
}

/// Checks the filter and returns the query that lists the view's rows.
pub struct Export {
    pub(super) sql: String,
    pub(super) binds: Vec<Value>,
    pub(super) titles: BTreeMap<String, String>,
    pub(super) now: i64,
}

pub async fn export_query(
    state: &AppState,
    scope: &Scope,
    raw: &DashFilter,
) -> Result<Export, AppError> {
    let titles = course_titles(state).await?;
    let f = parse_filter(scope, &titles, raw)?;
    let t = now();
    let pf = PairFilter::new(scope, &f, t);
    let where_status = pf.status.clause();
    let sql = format!(
        "SELECT tm.name AS team, u.name AS name, u.email AS email, p.course_id AS course_id,
                {EFFECTIVE_DUE} AS due, e.started_at AS started_at, e.completed_at AS completed_at
           FROM ({}) p
           JOIN users u ON u.id = p.user_id
           JOIN teams tm ON tm.id = p.team_id
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
           {where_status}
          ORDER BY tm.name, tm.id, u.name, u.id, p.course_id",
        pairs_sql(&pf.pairs.sql())
    );
    Ok(Export {
        sql,
        binds: pf.binds(),
        titles,
        now: t,
    })
}

/// Exports reading from the database at once, per instance: however many
/// are asked for, the rest of the pool stays free for everyone else.
pub(super) static EXPORT_READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How long a download may go without taking the next chunk before it is
/// dropped. Only the slow client waits; no database connection is held.
pub const EXPORT_SEND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes the export as CSV and streams it in chunks of about 64 KiB
/// through `send`. Returns the number of data rows.
///
/// The rows are read from the database as fast as it gives them into an
/// unnamed temporary file, so the connection goes back to the pool within
/// the query's own time whatever the browser does; the file is then sent
/// at the pace the browser reads it, and a download that takes nothing for
/// [`EXPORT_SEND_DEADLINE`] is dropped.
pub async fn export_csv(
    db: &Db,
    export: Export,
    send: tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>,
) -> Result<u64, AppError> {
    use futures::TryStreamExt;
    use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    const CHUNK: usize = 64 * 1024;
    let spill_failed = |e: std::io::Error| {
        tracing::error!(error = %e, "export: the temporary file failed");
        AppError::Internal
    };
    let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(spill_failed)?);
    let mut buf = String::with_capacity(CHUNK + 16 * 1024);
    buf.push('\u{feff}');
    buf.push_str(CSV_HEADER);
    let mut n = 0u64;
    {
        // A few exports read the database at a time, each for the query's
        // own time; the others wait here without holding a connection.
        let _turn = EXPORT_READS.acquire().await.map_err(internal)?;
        let q = sqlx::query_as::<_, ExportRow>(&export.sql).bind_values(&export.binds);
        let mut rows = q.fetch(&db.pool);
        let stamp = |t: Option<i64>| t.map(format_datetime_iso).unwrap_or_default();
        loop {
            let row = match rows.try_next().await {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    let _ = send
                        .send(Err(std::io::Error::other("export interrupted")))
                        .await;
                    return Err(AppError::from(e));
                }
            };
            n += 1;
            let pc = person_course(
                row.started_at.is_some(),
                row.completed_at,
                row.due,
                export.now,
            );
            csv_field(&mut buf, &row.team);
            buf.push(',');
            csv_field(&mut buf, &row.name);
            buf.push(',');
            csv_field(&mut buf, &row.email);
            buf.push(',');
            csv_field(&mut buf, &row.course_id);
            buf.push(',');
            csv_field(
                &mut buf,
                export
                    .titles
                    .get(&row.course_id)
                    .map(String::as_str)
                    .unwrap_or(&row.course_id),
            );
            buf.push(',');
            buf.push_str(pc.status.as_str());
            buf.push(',');
            buf.push_str(if pc.overdue { "yes" } else { "no" });
            buf.push(',');
            if let Some(d) = pc.due_at {
                buf.push_str(&format_date(d));
            }
            buf.push(',');
            buf.push_str(&stamp(row.started_at));
            buf.push(',');
            buf.push_str(&stamp(row.completed_at));
            buf.push_str("\r\n");
            if buf.len() >= CHUNK {
                file.write_all(buf.as_bytes()).await.map_err(spill_failed)?;
                buf.clear();
            }
        }
        // `rows` (and with it the connection) is dropped here.
    }
    file.write_all(buf.as_bytes()).await.map_err(spill_failed)?;
    file.flush().await.map_err(spill_failed)?;
    file.rewind().await.map_err(spill_failed)?;
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let read = file.read(&mut chunk).await.map_err(spill_failed)?;
        if read == 0 {
            break;
        }
        let data = bytes::Bytes::copy_from_slice(&chunk[..read]);
        match tokio::time::timeout(EXPORT_SEND_DEADLINE, send.send(Ok(data))).await {
            Ok(Ok(())) => {}
            // The browser went away, or stopped reading.
            Ok(Err(_)) | Err(_) => return Ok(n),
        }
    }
    Ok(n)
}

/// `2026-11-22T13:05:00Z`.
pub(super) fn format_datetime_iso(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(t),
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}
