//! JSON bodies and query strings whose errors name the right field.
//!
//! actix's own `web::Json` / `web::Query` report serde's message only ("invalid type:
//! floating point `1.5`, expected i64"), which says neither where the bad value was nor
//! — for a query — which parameter; picking a name out of backticks then named the value
//! (`"field": "1.5"`). These extractors deserialize through `serde_path_to_error`, so a
//! 422 names the path of the bad value (`conversation_id`, `members[2]`, `unread_only`),
//! with the contract's other answers: 400 for malformed JSON, 413 past the size limit,
//! 415 without a JSON content type.

use crate::ApiError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web::Bytes};
use common_proto::error::ErrorCode;
use futures_util::{StreamExt, future::LocalBoxFuture};
use serde::de::DeserializeOwned;
use std::ops::{Deref, DerefMut};

/// The largest JSON body an app accepts (set by `kit::http::serve` from the service's
/// `INSTANT_MAX_JSON_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON request body of type `T` (see the module docs).
#[derive(Debug)]
pub struct Json<T>(pub T);

/// The query string as `T` (see the module docs).
#[derive(Debug)]
pub struct Query<T>(pub T);

macro_rules! wrapper {
    ($name:ident) => {
        impl<T> $name<T> {
            pub fn into_inner(self) -> T {
                self.0
            }
        }
        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    };
}
wrapper!(Json);
wrapper!(Query);

/// The field a serde error is about: the path to the bad value, and for "missing field"
/// / "unknown field" the name in the message under that path.
fn field(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    let base = path.to_string();
    let base = if base == "." { String::new() } else { base };
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    match (base.is_empty(), named) {
        (true, Some(n)) => Some(n),
        // An unknown field's path already ends with its name.
        (false, Some(n)) if base == n || base.ends_with(&format!(".{n}")) => Some(base),
        (false, Some(n)) => Some(format!("{base}.{n}")),
        (false, None) => Some(base),
        (true, None) => None,
    }
}

/// serde_json appends " at line 1 column 17": a position means nothing to an API client.
fn without_position(text: &str) -> &str {
    match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Parses `bytes` as `T`: 400 for bad JSON, 422 naming the field for the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let message = without_position(&inner.to_string()).to_owned();
        if inner.is_data() {
            match field(e.path(), &message) {
                Some(f) => ApiError::validation(&f, message),
                None => ApiError::new(ErrorCode::ValidationFailed, message),
            }
        } else {
            ApiError::bad_request(format!("malformed JSON: {message}"))
        }
    })?;
    // Anything after the value is malformed too.
    de.end().map_err(|e| {
        ApiError::bad_request(format!(
            "malformed JSON: {}",
            without_position(&e.to_string())
        ))
    })?;
    Ok(value)
}

/// Parses a query string as `T`: 422 naming the parameter.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        match field(e.path(), &message) {
            Some(f) => ApiError::validation(&f, message),
            None => ApiError::new(ErrorCode::ValidationFailed, format!("query: {message}")),
        }
    })
}

/// `application/json` or `application/<something>+json` (parameters aside).
fn is_json(req: &HttpRequest) -> bool {
    let ct = req.content_type().to_ascii_lowercase();
    ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<JsonLimit>()
            .map(|l| l.0)
            .unwrap_or(16 * 1024);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let too_large =
                || ApiError::new(ErrorCode::PayloadTooLarge, "request body is too large");
            if !json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "expected Content-Type: application/json",
                )
                .into());
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large().into());
            }
            let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
            while let Some(chunk) = payload.next().await {
                let chunk: Bytes = chunk?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large().into());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Json(parse_json(&body)?))
        })
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            parse_query(req.query_string())
                .map(Query)
                .map_err(Into::into),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Send {
        conversation_id: i64,
        tags: Option<Vec<i64>>,
        inner: Option<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct List {
        unread_only: Option<bool>,
        limit: Option<i64>,
    }

    fn json_field(body: &str) -> (u16, Option<String>) {
        let e = parse_json::<Send>(body.as_bytes()).expect_err("must fail");
        (e.code.status(), e.field)
    }

    #[test]
    fn json_errors_name_the_path_of_the_bad_value() {
        assert_eq!(
            json_field(r#"{"conversation_id": 1.5}"#),
            (422, Some("conversation_id".into()))
        );
        assert_eq!(
            json_field(r#"{"conversation_id": 1, "tags": [1, "x"]}"#),
            (422, Some("tags[1]".into()))
        );
        assert_eq!(
            json_field(r#"{"conversation_id": 1, "inner": {"n": 300}}"#),
            (422, Some("inner.n".into()))
        );
        assert_eq!(json_field(r#"{}"#), (422, Some("conversation_id".into())));
        assert_eq!(
            json_field(r#"{"conversation_id": 1, "role": "admin"}"#),
            (422, Some("role".into()))
        );
        assert_eq!(json_field(r#"{"conversation_id": "#).0, 400);
        assert_eq!(json_field(r#"{"conversation_id": 1} x"#).0, 400);
        assert_eq!(json_field(r#"[1]"#), (422, None));
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<List>("unread_only=maybe").expect_err("must fail");
        assert_eq!(
            (e.code.status(), e.field.as_deref()),
            (422, Some("unread_only"))
        );
        let e = parse_query::<List>("limit=1.5").expect_err("must fail");
        assert_eq!(e.field.as_deref(), Some("limit"));
        let ok = parse_query::<List>("unread_only=true&limit=5").expect("parses");
        assert_eq!((ok.unread_only, ok.limit), (Some(true), Some(5)));
    }
}
