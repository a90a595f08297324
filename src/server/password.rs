//! Password hashing with argon2id at OWASP's recommended minimum
//! (19 MiB memory, 2 passes, 1 lane). Hashing is slow on purpose, so it runs
//! on the blocking thread pool and at most one hash per core runs at once:
//! a burst of sign-ins queues instead of exhausting memory or starving the
//! async runtime.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    // The parameters are constants known to be valid; `default()` is only a
    // fallback that cannot be reached.
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously. Use `Hasher::hash` from async code.
pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Verifies synchronously; a malformed stored hash never matches.
pub fn verify_blocking(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the email is
    /// unknown so that both cases take the same time.
    dummy: Arc<str>,
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

impl Hasher {
    pub fn new() -> Result<Hasher, HashError> {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let dummy = hash_blocking("rapport-timing-equaliser").map_err(|_| HashError)?;
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(cores)),
            dummy: dummy.into(),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError)?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|_| HashError)?
            .map_err(|_| HashError)
    }

    /// Checks a password against a stored hash; `None` (no account or no
    /// password yet) costs the same time and never matches.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError)?;
        let (target, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy.to_string(), false),
        };
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &target))
            .await
            .map_err(|_| HashError)?;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_parameters() {
        let h = hash_blocking("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse", &h));
        assert!(!verify_blocking("correct horsf", &h));
        assert!(!verify_blocking("correct horse", "not a hash"));
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let hasher = Hasher::new().unwrap();
        assert!(!hasher
            .verify("rapport-timing-equaliser".into(), None)
            .await
            .unwrap());
        let h = hasher.hash("pw-123456".into()).await.unwrap();
        assert!(hasher.verify("pw-123456".into(), Some(h)).await.unwrap());
    }
}
