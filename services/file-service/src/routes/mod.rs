//! Route table of `file-service`.

mod download;
mod upload;

use actix_web::web;

pub use download::{__path_content, __path_metadata};
pub use upload::__path_upload;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/files", web::post().to(upload::upload))
        .route("/api/v1/files/{id}", web::get().to(download::metadata))
        .route(
            "/api/v1/files/{id}/content",
            web::get().to(download::content),
        );
}
