//! Which service owns which path, and which paths need no access token.

/// The backends behind the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    Auth,
    ChatApi,
    FileService,
    CascadeService,
}

impl Upstream {
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::ChatApi => "chat-api",
            Self::FileService => "file-service",
            Self::CascadeService => "cascade-service",
        }
    }

    pub const ALL: [Upstream; 4] = [
        Self::Auth,
        Self::ChatApi,
        Self::FileService,
        Self::CascadeService,
    ];
}

/// The owner of `/api/v1/<path>`, by its first segment, with two exceptions by the
/// segments after it: accounts and the audit log are auth's, the statistics and the
/// webhooks chat-api's (`admin/stats`, `admin/webhooks`); profiles are auth's, blocks and
/// push preferences chat-api's (`users/me/blocks`, `users/me/devices`,
/// `users/me/push-settings`: they govern conversations and what reaches a member).
pub fn upstream_for(path: &str) -> Option<Upstream> {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    match (first, segments.next(), segments.next()) {
        ("admin", Some("stats" | "webhooks"), _)
        | ("users", Some("me"), Some("blocks" | "devices" | "push-settings")) => {
            return Some(Upstream::ChatApi);
        }
        _ => {}
    }
    Some(match first {
        "auth" | "users" | "admin" => Upstream::Auth,
        "conversations" | "messages" | "groups" | "notifications" | "broadcasts" | "events" => {
            Upstream::ChatApi
        }
        "files" => Upstream::FileService,
        "cascade" => Upstream::CascadeService,
        _ => return None,
    })
}

/// Paths (below `/api/v1`) reachable without an access token. Rate limited per IP.
pub fn is_public(path: &str) -> bool {
    matches!(
        path.trim_end_matches('/'),
        "/auth/register"
            | "/auth/login"
            | "/auth/refresh"
            | "/auth/reset-password"
            | "/auth/bot-token"
            | "/cascade/register"
    )
}

/// Uploads get the larger body limit.
pub fn is_upload(path: &str) -> bool {
    path == "/files" || path == "/files/"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_table() {
        assert_eq!(upstream_for("/auth/login"), Some(Upstream::Auth));
        assert_eq!(upstream_for("/users/5"), Some(Upstream::Auth));
        assert_eq!(upstream_for("/admin/users/5/disable"), Some(Upstream::Auth));
        assert_eq!(upstream_for("/admin/stats"), Some(Upstream::ChatApi));
        assert_eq!(
            upstream_for("/admin/webhooks/3/deliveries"),
            Some(Upstream::ChatApi)
        );
        assert_eq!(upstream_for("/users/me/blocks"), Some(Upstream::ChatApi));
        assert_eq!(upstream_for("/users/me/blocks/7"), Some(Upstream::ChatApi));
        assert_eq!(
            upstream_for("/users/me/devices/tok"),
            Some(Upstream::ChatApi)
        );
        assert_eq!(
            upstream_for("/users/me/push-settings"),
            Some(Upstream::ChatApi)
        );
        assert_eq!(upstream_for("/users/me/sessions"), Some(Upstream::Auth));
        assert_eq!(upstream_for("/messages"), Some(Upstream::ChatApi));
        assert_eq!(upstream_for("/groups/1/members"), Some(Upstream::ChatApi));
        assert_eq!(
            upstream_for("/files/abc/content"),
            Some(Upstream::FileService)
        );
        assert_eq!(
            upstream_for("/cascade/info"),
            Some(Upstream::CascadeService)
        );
        assert_eq!(upstream_for("/nope"), None);
        assert_eq!(upstream_for("/"), None);
        assert!(is_public("/auth/login") && !is_public("/auth/logout") && !is_public("/users/me"));
    }
}
