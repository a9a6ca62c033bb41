//! Access-token verification (Ed25519 JWTs minted only by `auth`) and the [`AuthUser`]
//! extractor every authenticated handler takes.
//!
//! Only `auth` holds the private key; every other service verifies with the public key, so
//! a compromised chat-api cannot mint tokens. The algorithm is pinned to EdDSA, so `alg:
//! none` or an HMAC token signed with the public key as secret is rejected.

use crate::{ApiError, settings::JwtVerifySettings};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use common_proto::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::{Deserialize, Serialize};
use std::{future::Ready, sync::Arc};

/// Claims of an access token. `sub` is the user id as a string (JWT says strings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    /// Unique per token; lets logs tell tokens apart.
    pub jti: String,
}

/// Seconds of clock skew tolerated between services.
pub const LEEWAY_SECS: u64 = 5;

/// Verifies access tokens. Cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
}

impl Verifier {
    pub fn from_settings(s: &JwtVerifySettings) -> anyhow::Result<Self> {
        let pem = std::fs::read(&s.jwt_public_key_file).map_err(|e| {
            anyhow::anyhow!(
                "cannot read INSTANT_JWT_PUBLIC_KEY_FILE {}: {e}",
                s.jwt_public_key_file
            )
        })?;
        Self::from_pem(&pem, &s.jwt_issuer, &s.jwt_audience)
    }

    pub fn from_pem(pem: &[u8], issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let key = DecodingKey::from_ed_pem(pem)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Ok(Self {
            key: Arc::new(key),
            validation: Arc::new(validation),
        })
    }

    /// The verified claims, or a 401.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::unauthorized("invalid or expired access token"))
    }

    /// Verifies `Authorization: Bearer <token>` of a request.
    pub fn verify_request(&self, req: &HttpRequest) -> Result<AuthUser, ApiError> {
        let token =
            bearer_token(req).ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
        let claims = self.verify(token)?;
        let id = claims
            .sub
            .parse::<UserId>()
            .map_err(|_| ApiError::unauthorized("invalid subject"))?;
        Ok(AuthUser {
            id,
            role: claims.role,
        })
    }
}

/// The token of an `Authorization: Bearer` header, if any.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// The caller, verified. Requires `web::Data<Verifier>` in the app.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    pub role: String,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<Verifier>>() {
            Some(verifier) => verifier.verify_request(req),
            None => Err(ApiError::internal("Verifier missing from app data")),
        };
        std::future::ready(result)
    }
}
