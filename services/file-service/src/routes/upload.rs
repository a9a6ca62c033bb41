use crate::{names, state::State};
use actix_multipart::{Field, Multipart};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common_proto::{
    ConversationId,
    error::{ErrorBody, ErrorCode},
    rest::FileInfo,
};
use db::files::FileRow;
use futures_util::StreamExt;
use kit::{ApiError, ApiResult, auth::AuthUser};
use object_store::{ObjectStoreExt, WriteMultipart, path::Path};
use sha2::{Digest, Sha256};
use views::ToPublic;

/// Bytes kept from the start of the file to detect its type and image size.
const HEAD_BYTES: usize = 64 * 1024;
/// Parts sent to the store at once while the next one fills (memory stays flat).
const PARTS_IN_FLIGHT: usize = 2;
/// Size of each part handed to the store (S3's minimum is 5 MiB).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Multipart parts accepted in one request, and bytes of a non-file field.
const MAX_PARTS: usize = 8;
const MAX_FIELD_BYTES: usize = 64;

/// Uploads one file (`multipart/form-data`, part `file`; optional fields
/// `conversation_id`, which shares it with that conversation's members at once, and
/// `purpose=avatar`, which makes it readable by everyone). Streamed to storage while its
/// SHA-256 is computed: never whole in memory. The size limit is enforced while streaming
/// (413); the content type comes from the bytes, never from the client; the storage key is
/// generated.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "part `file`; optional `conversation_id`, `purpose` (`attachment` or `avatar`)"),
    responses((status = 201, body = FileInfo), (status = 404, description = "no such conversation for the caller", body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    state: web::Data<State>,
    me: AuthUser,
    mut payload: Multipart,
) -> ApiResult<HttpResponse> {
    let mut conversation: Option<ConversationId> = None;
    let mut avatar = false;
    let mut stored: Option<FileRow> = None;
    let mut parts = 0;
    let result: ApiResult<()> = async {
        while let Some(field) = payload.next().await {
            let mut field = field.map_err(|e| ApiError::bad_request(format!("multipart: {e}")))?;
            parts += 1;
            if parts > MAX_PARTS {
                return Err(ApiError::validation("file", "too many parts in the form"));
            }
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "file" if stored.is_none() => {
                    let filename = field
                        .content_disposition()
                        .and_then(|cd| cd.get_filename())
                        .map(names::clean)
                        .unwrap_or_else(|| "file".to_owned());
                    stored = Some(store(&state, me.id, filename, &mut field).await?);
                }
                "file" => return Err(ApiError::validation("file", "one file per upload")),
                "conversation_id" => {
                    let value = small_field(&mut field, "conversation_id").await?;
                    conversation = Some(value.trim().parse().map_err(|_| {
                        ApiError::validation("conversation_id", "is not a conversation id")
                    })?);
                }
                "purpose" => {
                    avatar = match small_field(&mut field, "purpose").await?.as_str() {
                        "avatar" => true,
                        "attachment" => false,
                        _ => {
                            return Err(ApiError::validation(
                                "purpose",
                                "must be \"attachment\" or \"avatar\"",
                            ));
                        }
                    };
                }
                other => {
                    return Err(ApiError::validation(
                        "file",
                        format!("unexpected form field {:?}", names::clean(other)),
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    let outcome = match (result, stored.as_mut()) {
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ApiError::validation(
            "file",
            "a part named `file` is required",
        )),
        (Ok(()), Some(row)) => crate::catalog::save(&state, me.id, row, conversation, avatar).await,
    };
    if outcome.is_err()
        && let Some(row) = &stored
    {
        // Nothing is kept for a refused upload.
        let _ = state
            .store
            .delete(&Path::from(row.storage_key.as_str()))
            .await;
    }
    outcome?;
    let row = stored.ok_or_else(|| ApiError::internal("stored file vanished"))?;
    metrics::counter!("files_uploaded_total").increment(1);
    metrics::counter!("files_uploaded_bytes_total").increment(row.size as u64);
    Ok(HttpResponse::Created().json(row.to_public()))
}

async fn small_field(field: &mut Field, name: &str) -> ApiResult<String> {
    let mut value = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("multipart: {e}")))?;
        if value.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(ApiError::validation(name, "is too long"));
        }
        value.extend_from_slice(&chunk);
    }
    String::from_utf8(value).map_err(|_| ApiError::validation(name, "is not UTF-8"))
}

/// Streams the part to a generated key, hashing and measuring on the way.
async fn store(
    state: &State,
    me: common_proto::UserId,
    filename: String,
    field: &mut Field,
) -> ApiResult<FileRow> {
    let id = ulid::Ulid::generate().to_string();
    let now = Utc::now();
    let key = format!("{}/{}", now.format("%Y/%m"), id);
    let path = Path::from(key.as_str());
    let upload = state
        .store
        .put_multipart(&path)
        .await
        .map_err(ApiError::unavailable)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
    let mut size: u64 = 0;
    while let Some(chunk) = field.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(ApiError::bad_request(format!("multipart: {e}")));
            }
        };
        size += chunk.len() as u64;
        if size > state.max_file_bytes {
            let _ = writer.abort().await;
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("a file may have at most {} bytes", state.max_file_bytes),
            )
            .with_field("file"));
        }
        hasher.update(&chunk);
        if head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
            let _ = writer.abort().await;
            return Err(ApiError::unavailable(e));
        }
        writer.write(&chunk);
    }
    if size == 0 {
        let _ = writer.abort().await;
        return Err(ApiError::validation("file", "is empty"));
    }
    writer.finish().await.map_err(ApiError::unavailable)?;
    let content_type = detect(&head);
    let (width, height) = if content_type.starts_with("image/") {
        imagesize::blob_size(&head)
            .ok()
            .and_then(|s| Some((i32::try_from(s.width).ok()?, i32::try_from(s.height).ok()?)))
            .map_or((None, None), |(w, h)| (Some(w), Some(h)))
    } else {
        (None, None)
    };
    Ok(FileRow {
        id,
        uploader_id: me,
        filename,
        storage_key: key,
        size: size as i64,
        content_type,
        sha256: hex(&hasher.finalize()),
        width,
        height,
        conversation_id: None,
        is_avatar: false,
        referenced_at: None,
        created_at: now.naive_utc(),
    })
}

/// The type from the magic bytes (`infer`); other UTF-8 text is `text/plain`; anything
/// else is opaque. Downloads are `attachment` with `nosniff` and a sandboxing CSP, so even
/// a detected `text/html` is never rendered in the platform's origin.
fn detect(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the head is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(detect(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(detect("<html>héllo".as_bytes()), "text/html");
        assert_eq!(detect("héllo".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(
            detect(&[0xff, 0x00, 0x13, 0x37]),
            "application/octet-stream"
        );
        assert_eq!(detect(&"é".as_bytes()[..1]), "text/plain; charset=utf-8");
    }
}
