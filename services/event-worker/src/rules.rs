//! Event rules are data (`INSTANT_EVENT_RULES`, JSON), not code per event type: each rule
//! matches on a type prefix and a minimum severity and names an action.

use serde::Deserialize;

/// `info` < `warning` < `critical`.
pub fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Matches types equal to it or starting with it followed by a dot ("camera" matches
    /// "camera.offline"); absent: every type.
    #[serde(default)]
    pub type_prefix: Option<String>,
    /// Matches this severity and above; absent: every severity.
    #[serde(default)]
    pub min_severity: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A notification for every admin account, pushed live.
    NotifyAdmins,
}

impl Rule {
    pub fn matches(&self, event_type: &str, severity: &str) -> bool {
        let type_ok = self.type_prefix.as_deref().is_none_or(|p| {
            event_type == p || (event_type.starts_with(p) && event_type[p.len()..].starts_with('.'))
        });
        let severity_ok = self
            .min_severity
            .as_deref()
            .is_none_or(|min| rank(severity) >= rank(min));
        type_ok && severity_ok
    }
}

/// Parses the setting; a bad rule set stops the worker at start, never mid-stream.
pub fn parse(json: &str) -> anyhow::Result<Vec<Rule>> {
    let rules: Vec<Rule> = serde_json::from_str(json)
        .map_err(|e| anyhow::anyhow!("INSTANT_EVENT_RULES is not a valid rule list: {e}"))?;
    for r in &rules {
        if let Some(s) = &r.min_severity {
            anyhow::ensure!(
                ["info", "warning", "critical"].contains(&s.as_str()),
                "INSTANT_EVENT_RULES: unknown severity {s:?}"
            );
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_on_prefix_and_severity() {
        let rules = parse(
            r#"[{"min_severity":"critical","action":"notify_admins"},
                {"type_prefix":"camera","min_severity":"warning","action":"notify_admins"}]"#,
        )
        .expect("rules");
        assert!(rules[0].matches("disk.full", "critical"));
        assert!(!rules[0].matches("disk.full", "warning"));
        assert!(rules[1].matches("camera.offline", "warning"));
        assert!(rules[1].matches("camera", "critical"));
        assert!(
            !rules[1].matches("cameras.offline", "warning"),
            "a prefix is a whole word"
        );
        assert!(!rules[1].matches("camera.offline", "info"));
        assert!(parse(r#"[{"action":"delete_everything"}]"#).is_err());
        assert!(parse(r#"[{"min_severity":"urgent","action":"notify_admins"}]"#).is_err());
    }
}
