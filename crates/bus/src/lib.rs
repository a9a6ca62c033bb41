//! The RabbitMQ bus: topology, a publisher with confirms, and a consumer runner.
//!
//! Guarantees the rest of the system builds on:
//! - a publish returns `Ok` only after the broker confirmed it *and* routed it (publishes are
//!   `mandatory`; a returned or nacked message is an error, never a silent success);
//! - a consumer acks only after its handler succeeded; a handler asks either to retry later
//!   (the runner keeps the delivery and backs off, so outages burn no redeliveries) or to
//!   dead-letter a poison message; quorum queues add a delivery limit against crash loops;
//! - after a broker restart, publishers and consumers reconnect with backoff and redeclare
//!   the topology by themselves (our own supervisor, not lapin's experimental recovery).

mod backoff;
pub mod batch;
pub mod connection;
pub mod consumer;
pub mod message;
pub mod publisher;
pub mod settings;
pub mod topology;

pub use batch::{BatchHandler, BatchSettings, consume_batches};
pub use connection::{Bus, ConnectError, ExtraQueue, connect_in_background};
pub use consumer::{Handler, HandlerError, consume, consume_concurrent};
pub use message::{Incoming, Outgoing};
pub use publisher::{PublishError, Publisher};
pub use settings::{BusSettings, QueueType};
pub use topology::Topology;
