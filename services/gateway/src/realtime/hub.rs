//! The sockets connected to this gateway node, by user.
//!
//! Each connection has a bounded outbound queue: a delivery never waits for a slow client.
//! When a queue is full the connection is told (through `overflow`) to send the client an
//! `error` frame asking it to resync, and to close — so memory stays bounded whatever the
//! client does.

use common_proto::UserId;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tokio::sync::{Notify, mpsc};

/// What the hub holds of one connection.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    pub id: String,
    pub tx: mpsc::Sender<Arc<str>>,
    pub overflow: Arc<Notify>,
    /// Told when the user's tokens issued until now are revoked: the socket closes 4003.
    pub revoked: Arc<Notify>,
    /// When the token the socket was opened with was issued (ms).
    pub issued_ms: i64,
    /// The session (`sid`) of that token: ending the session closes the socket.
    pub sid: Option<String>,
}

#[derive(Debug, Default)]
pub struct Hub {
    conns: Mutex<HashMap<UserId, Vec<ConnHandle>>>,
}

/// Too many connections for one user on this node.
#[derive(Debug)]
pub struct TooMany;

impl Hub {
    pub fn register(
        &self,
        user: UserId,
        handle: ConnHandle,
        max_per_user: usize,
    ) -> Result<(), TooMany> {
        let mut conns = self.conns.lock().map_err(|_| TooMany)?;
        let list = conns.entry(user).or_default();
        if list.len() >= max_per_user {
            return Err(TooMany);
        }
        list.push(handle);
        metrics::gauge!("ws_connections").increment(1.0);
        // Connects per second: a reconnect storm shows here before anywhere else.
        metrics::counter!("ws_connects_total").increment(1);
        Ok(())
    }

    pub fn unregister(&self, user: UserId, id: &str) {
        if let Ok(mut conns) = self.conns.lock()
            && let Some(list) = conns.get_mut(&user)
        {
            let before = list.len();
            list.retain(|h| h.id != id);
            if list.len() < before {
                metrics::gauge!("ws_connections").decrement(1.0);
            }
            if list.is_empty() {
                conns.remove(&user);
            }
        }
    }

    /// Queues `text` for every local connection of `users`; returns how many took it.
    pub fn deliver(&self, users: &[UserId], text: &Arc<str>) -> usize {
        let Ok(conns) = self.conns.lock() else {
            return 0;
        };
        let mut delivered = 0;
        for user in users {
            for handle in conns.get(user).into_iter().flatten() {
                match handle.tx.try_send(text.clone()) {
                    Ok(()) => delivered += 1,
                    Err(mpsc::error::TrySendError::Full(_)) => handle.overflow.notify_one(),
                    Err(mpsc::error::TrySendError::Closed(_)) => {}
                }
            }
        }
        delivered
    }

    /// Closes every socket of `user` opened with a token issued at or before `before_ms`
    /// (disabled, signed out everywhere, role changed); returns how many were told.
    pub fn revoke(&self, user: UserId, before_ms: i64) -> usize {
        let Ok(conns) = self.conns.lock() else {
            return 0;
        };
        let mut told = 0;
        for handle in conns.get(&user).into_iter().flatten() {
            if handle.issued_ms <= before_ms {
                handle.revoked.notify_one();
                told += 1;
            }
        }
        told
    }

    /// Closes every socket of this node opened with a token of session `sid` (one device
    /// signed out); returns how many were told. A scan of the node's sockets: sessions
    /// end rarely, and a socket does not know its user's other sessions.
    pub fn end_session(&self, sid: &str) -> usize {
        let Ok(conns) = self.conns.lock() else {
            return 0;
        };
        let mut told = 0;
        for handle in conns.values().flatten() {
            if handle.sid.as_deref() == Some(sid) {
                handle.revoked.notify_one();
                told += 1;
            }
        }
        told
    }

    /// Hands `text` to every socket of this node (system broadcasts).
    pub fn deliver_all(&self, text: &Arc<str>) -> usize {
        let Ok(conns) = self.conns.lock() else {
            return 0;
        };
        let mut delivered = 0;
        for handle in conns.values().flatten() {
            match handle.tx.try_send(text.clone()) {
                Ok(()) => delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => handle.overflow.notify_one(),
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        delivered
    }

    /// Every (user, connection id) on this node.
    pub fn all(&self) -> Vec<(UserId, String)> {
        let Ok(conns) = self.conns.lock() else {
            return vec![];
        };
        conns
            .iter()
            .flat_map(|(u, list)| list.iter().map(move |h| (*u, h.id.clone())))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.conns
            .lock()
            .map(|c| c.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(id: &str, capacity: usize) -> (ConnHandle, mpsc::Receiver<Arc<str>>) {
        let (tx, rx) = mpsc::channel(capacity);
        (
            ConnHandle {
                id: id.into(),
                tx,
                revoked: Arc::new(Notify::new()),
                issued_ms: 0,
                sid: Some(format!("s-{id}")),
                overflow: Arc::new(Notify::new()),
            },
            rx,
        )
    }

    #[tokio::test]
    async fn delivers_to_every_device_and_flags_overflow() {
        let hub = Hub::default();
        let (a1, mut r1) = handle("a1", 1);
        let (a2, mut r2) = handle("a2", 8);
        let overflow = a1.overflow.clone();
        hub.register(7, a1, 2).expect("a1");
        hub.register(7, a2, 2).expect("a2");
        assert!(
            hub.register(7, handle("a3", 1).0, 2).is_err(),
            "per-user cap"
        );
        let text: Arc<str> = Arc::from("hi");
        assert_eq!(hub.deliver(&[7, 8], &text), 2);
        assert_eq!(r1.recv().await.as_deref(), Some("hi"));
        assert_eq!(r2.recv().await.as_deref(), Some("hi"));
        hub.deliver(&[7], &text);
        hub.deliver(&[7], &text); // a1 (capacity 1) is full now
        tokio::time::timeout(std::time::Duration::from_secs(1), overflow.notified())
            .await
            .expect("overflow flagged");
        hub.unregister(7, "a1");
        hub.unregister(7, "a2");
        assert!(hub.is_empty());
    }
}
