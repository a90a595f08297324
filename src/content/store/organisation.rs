//! The organisation's words, stored once and shown by template lessons.

use crate::api::AppError;
use crate::domain::organisation::Organisation;
use crate::server::db::Db;
use crate::server::now;
use sqlx::FromRow;

#[derive(FromRow)]
pub(super) struct OrgRow {
    pub(super) name: String,
    pub(super) mission: String,
    pub(super) vision: String,
    pub(super) values_md: String,
    pub(super) updated_at: i64,
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
    let mut tx = db.begin_write().await?;
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
