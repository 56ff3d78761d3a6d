//! Plans as JSON: written deterministically, and read back only when they are a plan of a
//! version this CollectIQ knows.

use std::fmt;

use super::types::{PLAN_VERSION, Plan};

/// Why a plan could not be read.
#[derive(Debug)]
pub enum LoadError {
    NotJson(serde_json::Error),
    NotAPlan,
    UnknownVersion(String),
    Malformed(serde_json::Error),
    /// Two rules share an id.
    RepeatedId(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotJson(why) => write!(f, "this is not JSON: {why}"),
            LoadError::NotAPlan => write!(f, "this JSON is not a CollectIQ plan: it has no \"plan_version\""),
            LoadError::UnknownVersion(version) => write!(
                f,
                "this plan has version {version}, but this CollectIQ reads version {PLAN_VERSION}; compile the strategy again with this CollectIQ"
            ),
            LoadError::Malformed(why) => write!(f, "this plan is damaged: {why}"),
            LoadError::RepeatedId(id) => write!(f, "this plan is damaged: the rule id \"{id}\" appears twice"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads a plan, checking its version before anything else.
pub fn from_json(text: &str) -> Result<Plan, LoadError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(LoadError::NotJson)?;
    let version = value.get("plan_version").ok_or(LoadError::NotAPlan)?;
    if version.as_u64() != Some(u64::from(PLAN_VERSION)) {
        return Err(LoadError::UnknownVersion(version.to_string()));
    }
    // Parsed again from the text, so that errors say which line and column are wrong.
    let plan: Plan = serde_json::from_str(text).map_err(LoadError::Malformed)?;
    match repeated_id(&plan) {
        Some(id) => Err(LoadError::RepeatedId(id.to_owned())),
        None => Ok(plan),
    }
}

/// A rule or broken-promise id used twice: the runtime could not tell the two apart.
fn repeated_id(plan: &Plan) -> Option<String> {
    let audiences = plan.segments.iter().map(|segment| &segment.audience).chain(std::iter::once(&plan.every_customer));
    let mut seen = std::collections::HashSet::new();
    for audience in audiences {
        let rule_ids = audience.rules.iter().map(|rule| rule.id.as_str());
        let guard_ids = audience.guards.iter().filter_map(|guard| match &guard.kind {
            super::GuardKind::BrokenPromise { id, .. } => Some(id.as_str()),
            _ => None,
        });
        if let Some(id) = rule_ids.chain(guard_ids).find(|id| !seen.insert(*id)) {
            return Some(id.to_string());
        }
    }
    None
}

/// The plan as pretty JSON, ending with a newline. The same plan always gives the same bytes.
pub fn to_json(plan: &Plan) -> String {
    let mut json = serde_json::to_string_pretty(plan).expect("plans always serialise");
    json.push('\n');
    json
}

/// The JSON Schema of plans, as kept in `docs/plan.schema.json`.
pub fn schema() -> String {
    let mut json = serde_json::to_string_pretty(&schemars::schema_for!(Plan)).expect("the schema serialises");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_plan_of_this_version() {
        assert!(matches!(from_json("{"), Err(LoadError::NotJson(_))));
        assert!(matches!(from_json("[1, 2]"), Err(LoadError::NotAPlan)));
        assert!(matches!(from_json(r#"{"strategy": "x"}"#), Err(LoadError::NotAPlan)));
        assert!(matches!(from_json(r#"{"plan_version": 2}"#), Err(LoadError::UnknownVersion(v)) if v == "2"));
        assert!(matches!(from_json(r#"{"plan_version": "1"}"#), Err(LoadError::UnknownVersion(v)) if v == "\"1\""));
        let malformed = from_json(r#"{"plan_version": 1, "strategy": "x"}"#).unwrap_err();
        assert!(
            matches!(&malformed, LoadError::Malformed(why) if why.to_string().contains("missing field")),
            "{malformed}"
        );
    }
}
