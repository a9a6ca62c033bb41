//! argon2id hashing on the blocking pool, behind a concurrency cap.
//!
//! Parameters are OWASP's (19 MiB, 2 passes, 1 lane). The cap keeps a login flood from
//! taking every core and 19 MiB per request; requests beyond it wait their turn.

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use kit::ApiError;
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random password: verifying an unknown user's login against it
    /// costs the same time as a known one, so timing does not reveal which names exist.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    // Params::new only fails for out-of-range values; these are constants in range.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let random = ulid::Ulid::generate().to_string();
        let dummy = argon2()
            .hash_password(random.as_bytes())
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string();
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no user.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        Ok(ok && real)
    }
}
