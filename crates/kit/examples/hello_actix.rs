//! The baseline for `scripts/bench-startup.py`: the smallest actix-web server, built with
//! the workspace's actix-web features, serving `/health` on `INSTANT_LISTEN`. Our services'
//! start time and idle memory are reported beside this one's, measured the same way.

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::var("INSTANT_LISTEN").unwrap_or_else(|_| "127.0.0.1:8099".into());
    HttpServer::new(|| {
        App::new().route(
            "/health",
            web::get().to(|| async { HttpResponse::Ok().body("ok") }),
        )
    })
    .workers(2)
    .bind(listen)?
    .run()
    .await
}
