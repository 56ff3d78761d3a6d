//! The strategy as parsed: a typed tree in which every node keeps the byte span of the words it
//! came from. Phrasings the language calls equivalent give the same tree (spans aside).

mod conditions;
mod literals;
mod rules;
mod settings;

use serde::Serialize;

pub use conditions::*;
pub use literals::*;
pub use rules::*;
pub use settings::*;

use crate::source::Span;

/// A whole strategy file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Strategy {
    /// From `Strategy "NAME".`
    pub name: Name,
    /// The header sentence `Strategy "NAME".`
    pub header: Span,
    /// The Xero organisations the strategy applies to; empty means all of them.
    pub organisations: Vec<Name>,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Section {
    Settings(SettingsSection),
    Segments(SegmentsSection),
    Rules(RulesSection),
}

impl Section {
    /// The span of the heading line, such as `Settings:`.
    pub fn heading(&self) -> Span {
        match self {
            Section::Settings(section) => section.heading,
            Section::Segments(section) => section.heading,
            Section::Rules(section) => section.heading,
        }
    }
}

/// `Settings:` and the settings under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingsSection {
    pub heading: Span,
    pub settings: Vec<Setting>,
}

/// `Segments:` and the segment definitions under it, in order of priority.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentsSection {
    pub heading: Span,
    pub segments: Vec<SegmentDefinition>,
}

/// `For "SMB" customers:` or `For every customer:` and the rules and guards under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RulesSection {
    pub heading: Span,
    pub audience: Audience,
    pub items: Vec<RuleItem>,
}

/// Whom a rules section applies to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Audience {
    /// `every customer`, with the span of those words.
    Everyone(Span),
    Segment(Name),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RuleItem {
    Rule(Rule),
    Guard(Guard),
}

impl RuleItem {
    pub fn span(&self) -> Span {
        match self {
            RuleItem::Rule(rule) => rule.span,
            RuleItem::Guard(guard) => guard.span,
        }
    }
}

/// `"Enterprise" customers are customers in the contact group "Enterprise".`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentDefinition {
    pub name: Name,
    pub condition: SegmentCondition,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SegmentCondition {
    /// `all other customers`, `everyone else`: the default segment.
    Others(Span),
    Matching(CustomerCondition),
}

impl Strategy {
    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.sections.iter().flat_map(|section| match section {
            Section::Settings(settings) => settings.settings.as_slice(),
            _ => &[],
        })
    }

    pub fn segments(&self) -> impl Iterator<Item = &SegmentDefinition> {
        self.sections.iter().flat_map(|section| match section {
            Section::Segments(segments) => segments.segments.as_slice(),
            _ => &[],
        })
    }

    pub fn rule_sections(&self) -> impl Iterator<Item = &RulesSection> {
        self.sections.iter().filter_map(|section| match section {
            Section::Rules(rules) => Some(rules),
            _ => None,
        })
    }
}
