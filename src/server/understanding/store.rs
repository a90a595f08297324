//! `reply_vectors`: authored phrasings' vectors, by model and text hash, so
//! each phrasing is embedded once per model (across instances and restarts).

use super::EmbedError;
use crate::server::db::Db;
use crate::server::sql::placeholders;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_bytes(b: &[u8]) -> Option<Arc<[f32]>> {
    b.len().is_multiple_of(4).then(|| {
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

pub(super) async fn read(
    db: &Db,
    model: &str,
    texts: &[String],
) -> Result<HashMap<String, Arc<[f32]>>, EmbedError> {
    let by_hash: HashMap<String, &String> = texts.iter().map(|t| (hash(t), t)).collect();
    let mut out = HashMap::new();
    let hashes: Vec<&String> = by_hash.keys().collect();
    for chunk in hashes.chunks(200) {
        let sql = format!(
            "SELECT text_hash, vector FROM reply_vectors WHERE model = $1 AND text_hash IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, Vec<u8>)>(&sql).bind(model);
        for h in chunk {
            q = q.bind(h.as_str());
        }
        let rows = q
            .fetch_all(&db.pool)
            .await
            .map_err(crate::api::AppError::from)?;
        for (h, bytes) in rows {
            if let (Some(text), Some(v)) = (by_hash.get(&h), from_bytes(&bytes)) {
                out.insert((*text).clone(), v);
            }
        }
    }
    Ok(out)
}

pub(super) async fn write(
    db: &Db,
    model: &str,
    texts: &[String],
    vectors: &[Vec<f32>],
) -> Result<(), EmbedError> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await.map_err(crate::api::AppError::from)?;
    for (t, v) in texts.iter().zip(vectors) {
        sqlx::query(
            "INSERT INTO reply_vectors (model, text_hash, vector, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (model, text_hash) DO NOTHING",
        )
        .bind(model)
        .bind(hash(t))
        .bind(to_bytes(v))
        .bind(crate::server::now())
        .execute(&mut *tx)
        .await
        .map_err(crate::api::AppError::from)?;
    }
    tx.commit().await.map_err(crate::api::AppError::from)?;
    Ok(())
}
