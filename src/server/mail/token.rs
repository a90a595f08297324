//! Unsubscribe links that work without signing in: the person and the kind
//! of email, signed with HMAC-SHA256 under a key all instances share.

use super::Kind;
use crate::api::AppError;
use crate::server::db::Db;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Bytes of the MAC kept in a link: 128 bits.
const MAC_LEN: usize = 16;

/// A random key every instance shares, made once by whichever instance
/// asks first (`name`: what it is for).
pub async fn shared_secret(db: &Db, name: &str) -> Result<Vec<u8>, AppError> {
    use rand::RngCore;
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    {
        let _turn = db.write_turn().await;
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(URL_SAFE_NO_PAD.encode(fresh))
        .execute(&db.pool)
        .await?;
    }
    let stored: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(&db.pool)
        .await?;
    URL_SAFE_NO_PAD.decode(stored.as_bytes()).map_err(|e| {
        tracing::error!("the stored secret {name} is not base64: {e}");
        AppError::Internal
    })
}

pub(crate) fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn payload(user_id: i64, kind: Kind) -> String {
    format!("{user_id}.{}", kind.as_str())
}

pub(super) fn sign(key: &[u8], user_id: i64, kind: Kind) -> String {
    let p = payload(user_id, kind);
    let mac = hmac(key, p.as_bytes());
    format!("{p}.{}", URL_SAFE_NO_PAD.encode(&mac[..MAC_LEN]))
}

pub(super) fn verify(key: &[u8], token: &str) -> Option<(i64, Kind)> {
    if token.len() > 100 {
        return None;
    }
    let mut parts = token.splitn(3, '.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let kind = Kind::parse(parts.next()?)?;
    let given = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    let want = hmac(key, payload(user_id, kind).as_bytes());
    // Constant time: every byte is compared whatever the first difference.
    let same = given.len() == MAC_LEN
        && given
            .iter()
            .zip(&want[..MAC_LEN])
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    (same && kind.optional()).then_some((user_id, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_verify_and_resist_tampering() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = sign(key, 42, Kind::Digest);
        assert_eq!(verify(key, &t), Some((42, Kind::Digest)));
        assert_eq!(verify(b"another key", &t), None);
        let forged = t.replacen("42.", "43.", 1);
        assert_eq!(verify(key, &forged), None);
        let other_kind = t.replacen("digest", "nudge", 1);
        assert_eq!(verify(key, &other_kind), None);
        assert_eq!(verify(key, ""), None);
        assert_eq!(verify(key, "42.digest"), None);
        assert_eq!(verify(key, &"9".repeat(5000)), None);
        // Invitations cannot be unsubscribed from.
        assert_eq!(verify(key, &sign(key, 42, Kind::Invite)), None);
    }
}
