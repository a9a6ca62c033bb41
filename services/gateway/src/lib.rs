//! `gateway` is the single public entry of the platform (`127.0.0.1:8080` by default).
//!
//! - `/api/v1/*` is routed by its first segment to the service that owns it ([`routes`]),
//!   with bodies streamed both ways ([`proxy`]);
//! - access tokens are verified here at the edge (and again by the backends);
//! - rate limits are shared by every gateway replica through Redis ([`rate_limit`]);
//! - CORS, request ids and body-size limits apply to everything;
//! - `/api/v1/realtime/ws` is the WebSocket ([`realtime`]): delivery through a per-node
//!   queue, presence leases in Redis, typing, sends answered by `ack`, `sync`;
//! - `/openapi.json` merges the specs every service generates from its code, and `/docs`
//!   serves Swagger UI from vendored assets ([`docs`]);
//! - `/` serves the web client (`services/gateway/web`) on the same origin ([`web`]).

pub mod docs;
pub mod proxy;
pub mod rate_limit;
pub mod realtime;
pub mod routes;
pub mod settings;
mod startup;
pub mod web;

pub use settings::Settings;
pub use startup::build;
