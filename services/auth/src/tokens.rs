//! Minting access tokens and making refresh tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use common_proto::UserId;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use kit::{ApiError, auth::Claims};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Signs access tokens with the Ed25519 private key.
#[derive(Clone)]
pub struct Signer {
    key: EncodingKey,
    issuer: String,
    audience: String,
    pub ttl_secs: i64,
}

impl Signer {
    pub fn from_pem(
        pem: &[u8],
        issuer: &str,
        audience: &str,
        ttl_secs: i64,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            key: EncodingKey::from_ed_pem(pem)?,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_secs,
        })
    }

    /// An access token of `user_id` for session `sid` (its refresh-token family).
    pub fn access_token(&self, user_id: UserId, role: &str, sid: &str) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            role: role.to_owned(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: ulid::Ulid::generate().to_string(),
            sid: Some(sid.to_owned()),
        };
        encode(&Header::new(Algorithm::EdDSA), &claims, &self.key).map_err(ApiError::internal)
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe base64.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored: the SHA-256 of the token, hex. A leaked table yields no usable token.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
