use crate::{names, state::State};
use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderValue},
    web,
};
use common_proto::{
    error::{ErrorBody, ErrorCode},
    rest::FileInfo,
};
use futures_util::TryStreamExt;
use kit::{ApiError, ApiResult, auth::AuthUser};
use object_store::{GetOptions, GetRange, path::Path};
use std::ops::Range;
use views::ToPublic;

/// A file's metadata: for its uploader, members of a conversation it was sent to, and
/// everyone for avatars; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = FileInfo), (status = 404, body = ErrorBody)))]
pub async fn metadata(
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let file = crate::catalog::readable(&state, &me, &path).await?;
    Ok(HttpResponse::Ok().json(file.to_public()))
}

/// The bytes, streamed, with `Content-Length`, an RFC 6266 `Content-Disposition`,
/// `nosniff` and `Cache-Control: private`. One `Range` (`bytes=a-b`, `a-`, `-n`) gives 206;
/// a range past the end 416; several ranges or a malformed one the whole file.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "the bytes"), (status = 206, description = "the requested range"),
              (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
pub async fn content(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let file = crate::catalog::readable(&state, &me, &path).await?;
    let size = file.size as u64;
    let range = match req.headers().get(header::RANGE).map(parse_range) {
        Some(Some(spec)) => match resolve(spec, size) {
            Some(r) => Some(r),
            None => {
                let body = ApiError::new(
                    ErrorCode::RangeNotSatisfiable,
                    format!("the file has {size} bytes"),
                )
                .body();
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .json(body));
            }
        },
        _ => None,
    };
    let options = GetOptions {
        range: range.clone().map(GetRange::Bounded),
        ..Default::default()
    };
    let result = state
        .store
        .get_opts(&Path::from(file.storage_key.as_str()), options)
        .await
        .map_err(|e| match e {
            object_store::Error::NotFound { .. } => ApiError::not_found("file"),
            other => ApiError::unavailable(other),
        })?;
    let stream = result
        .into_stream()
        .map_err(|e| actix_web::error::ErrorServiceUnavailable(e.to_string()));
    let mut response = match &range {
        Some(r) => {
            let mut res = HttpResponse::PartialContent();
            res.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end - 1),
            ));
            res
        }
        None => HttpResponse::Ok(),
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    metrics::counter!("files_downloaded_bytes_total").increment(length);
    Ok(response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            names::content_disposition(&file.filename),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((header::ETAG, format!("\"{}\"", file.sha256)))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(length)
        .streaming(stream))
}

/// A single byte-range request as written: `(Some(a), Some(b))` for `a-b`, `(Some(a),
/// None)` for `a-`, `(None, Some(n))` for the last n bytes. `None`: not one valid range.
fn parse_range(value: &HeaderValue) -> Option<(Option<u64>, Option<u64>)> {
    let spec = value.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let num = |s: &str| -> Option<Option<u64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    match (num(a)?, num(b)?) {
        (None, None) => None,
        (Some(a), Some(b)) if b < a => None,
        pair => Some(pair),
    }
}

/// The byte range to send (end exclusive), or `None` when it lies outside the file.
fn resolve(spec: (Option<u64>, Option<u64>), size: u64) -> Option<Range<u64>> {
    match spec {
        (Some(a), _) if a >= size => None,
        (Some(a), Some(b)) => Some(a..(b + 1).min(size)),
        (Some(a), None) => Some(a..size),
        (None, Some(0)) => None,
        (None, Some(n)) => Some(size.saturating_sub(n)..size),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str, size: u64) -> Option<Option<Range<u64>>> {
        parse_range(&HeaderValue::from_str(v).expect("header")).map(|s| resolve(s, size))
    }

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-9", 100), Some(Some(0..10)));
        assert_eq!(range("bytes=90-", 100), Some(Some(90..100)));
        assert_eq!(range("bytes=-10", 100), Some(Some(90..100)));
        assert_eq!(range("bytes=-1000", 100), Some(Some(0..100)));
        assert_eq!(range("bytes=95-200", 100), Some(Some(95..100)));
        assert_eq!(range("bytes=100-", 100), Some(None), "past the end: 416");
        assert_eq!(range("bytes=-0", 100), Some(None));
        assert_eq!(range("bytes=5-1", 100), None, "malformed: whole file");
        assert_eq!(range("bytes=0-1,5-6", 100), None, "several: whole file");
        assert_eq!(range("items=0-1", 100), None);
    }
}
