//! Certificates and notices.

use crate::api::learn::*;
use crate::api::AppError;
use crate::server::now;
use crate::server::AppState;

pub async fn certificate(
    state: &AppState,
    viewer: Option<i64>,
    code: &str,
) -> Result<CertificateView, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() > 20 {
        return Err(AppError::not_found("This certificate"));
    }
    let row: Option<(String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT code, user_id, learner_name, course_title, issued_at FROM certificates WHERE code = $1",
    )
    .bind(&code)
    .fetch_optional(&state.db.pool)
    .await?;
    let (code, user_id, learner, course, issued_at) =
        row.ok_or_else(|| AppError::not_found("A certificate with this code"))?;
    Ok(CertificateView {
        code,
        learner,
        course,
        issued_at,
        mine: viewer == Some(user_id),
    })
}

pub async fn dismiss_notices(state: &AppState, user: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}
