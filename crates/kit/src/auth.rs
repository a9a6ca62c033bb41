//! Access-token verification (Ed25519 JWTs minted only by `auth`) and the [`AuthUser`]
//! extractor every authenticated handler takes.
//!
//! Only `auth` holds the private key; every other service verifies with the public key, so
//! a compromised chat-api cannot mint tokens. The algorithm is pinned to EdDSA, so `alg:
//! none` or an HMAC token signed with the public key as secret is rejected.
//!
//! Checking an Ed25519 signature costs tens of microseconds, and every request is checked
//! twice (at the gateway and at its backend) with the same token a client sends for 15
//! minutes. So a [`Verifier`] remembers the claims of tokens it has verified, keyed by the
//! token's SHA-256, until they expire: a hit costs a hash and a lookup. Only a token that
//! passed the full check is remembered, and the one check that changes with time
//! (expiry, with the same leeway) is made again on every hit, so a hit accepts exactly
//! what a full verification would.

use crate::{ApiError, settings::JwtVerifySettings};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use common_proto::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use quick_cache::sync::Cache;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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
    /// Unique per token; lets logs tell tokens apart. A ULID: its time is the issue time
    /// to the millisecond (what revocations compare with).
    pub jti: String,
    /// The session (refresh-token family) the token was issued for: ending that session
    /// ends the token (`DELETE /users/me/sessions/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Seconds of clock skew tolerated between services.
pub const LEEWAY_SECS: u64 = 5;

/// Verifies access tokens. Cheap to clone (clones share one cache).
#[derive(Clone)]
pub struct Verifier {
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
    /// Claims of verified tokens by the token's SHA-256; bounded, `None` when disabled.
    verified: Option<Arc<Cache<[u8; 32], Arc<Claims>>>>,
    /// Users whose tokens were ended early (`crate::revocation`); checked on every call.
    revocations: Option<crate::revocation::Revocations>,
}

impl Verifier {
    pub fn from_settings(s: &JwtVerifySettings) -> anyhow::Result<Self> {
        let pem = std::fs::read(&s.jwt_public_key_file).map_err(|e| {
            anyhow::anyhow!(
                "cannot read INSTANT_JWT_PUBLIC_KEY_FILE {}: {e}",
                s.jwt_public_key_file
            )
        })?;
        Ok(Self::from_pem(&pem, &s.jwt_issuer, &s.jwt_audience)?.remembering(s.jwt_cache_entries))
    }

    /// Remembers up to `entries` verified tokens (0: none, every call verifies).
    pub fn remembering(mut self, entries: usize) -> Self {
        self.verified = (entries > 0).then(|| Arc::new(Cache::new(entries)));
        self
    }

    /// Rejects tokens revoked in `revocations` (kept current by its poller).
    pub fn with_revocations(mut self, revocations: crate::revocation::Revocations) -> Self {
        self.revocations = Some(revocations);
        self
    }

    /// A verifier that remembers nothing until [`Verifier::remembering`] says so.
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
            verified: None,
            revocations: None,
        })
    }

    /// The verified claims, or a 401 (also for a token revoked since it was issued).
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, ApiError> {
        let claims = self.verify_unrevoked(token)?;
        if let Some(r) = &self.revocations {
            let user = claims.sub.parse::<UserId>().unwrap_or_default();
            let issued = crate::revocation::issued_ms(&claims.jti).unwrap_or(claims.iat * 1000);
            if r.is_revoked(user, issued)
                || claims.sid.as_deref().is_some_and(|s| r.is_session_ended(s))
            {
                metrics::counter!("jwt_verifications_total", "outcome" => "revoked").increment(1);
                return Err(ApiError::unauthorized(
                    "this session was ended (signed out everywhere, disabled or role changed)",
                ));
            }
        }
        Ok(claims)
    }

    fn verify_unrevoked(&self, token: &str) -> Result<Arc<Claims>, ApiError> {
        let invalid = || ApiError::unauthorized("invalid or expired access token");
        let Some(cache) = &self.verified else {
            return self.verify_signed(token).map(Arc::new).ok_or_else(invalid);
        };
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = cache.get(&digest) {
            metrics::counter!("jwt_verifications_total", "outcome" => "remembered").increment(1);
            // The same expiry rule as `validation` (exp + leeway must not have passed).
            let now = chrono::Utc::now().timestamp();
            return (claims.exp + LEEWAY_SECS as i64 > now)
                .then_some(claims)
                .ok_or_else(invalid);
        }
        let claims = Arc::new(self.verify_signed(token).ok_or_else(invalid)?);
        cache.insert(digest, claims.clone());
        Ok(claims)
    }

    /// How many verified tokens are remembered now.
    pub fn remembered(&self) -> usize {
        self.verified.as_ref().map_or(0, |c| c.len())
    }

    /// The full check: signature, algorithm, issuer, audience, required claims, expiry.
    fn verify_signed(&self, token: &str) -> Option<Claims> {
        let result = decode::<Claims>(token, &self.key, &self.validation).map(|data| data.claims);
        let outcome = if result.is_ok() {
            "verified"
        } else {
            "rejected"
        };
        metrics::counter!("jwt_verifications_total", "outcome" => outcome).increment(1);
        result.ok()
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
            role: claims.role.clone(),
            session: claims.sid.clone(),
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
    /// The session (refresh-token family) the token belongs to, when it says.
    pub session: Option<String>,
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

/// The caller, verified and an admin; anyone else gets 403. Put it before a `web::Json`
/// body in an admin-only handler: extractors run in order, so a caller who may not use
/// the endpoint is refused before their body is parsed and learns nothing from it.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let result = AuthUser::from_request(req, payload)
            .into_inner()
            .and_then(|user| {
                if user.is_admin() {
                    Ok(Admin(user))
                } else {
                    Err(ApiError::forbidden("admins only"))
                }
            });
        std::future::ready(result)
    }
}
