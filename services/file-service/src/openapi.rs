//! file-service's part of the public OpenAPI document, generated from the handlers.

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::FileInfo,
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(upload, metadata, content),
    components(schemas(FileInfo, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "files", description = "Uploads and downloads"))
)]
struct ApiDoc;

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
