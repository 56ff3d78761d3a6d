//! Each organisation's policy for inbound mail, from the strategy it runs under.

use super::conclude::{Policies, Policy};
use crate::plan::{Action, GuardKind, Plan};
use crate::runtime::run::{Strategy, strategy_for};
use crate::store::connections::OrganisationRecord;

/// The policies of the connected organisations under the strategies given (none: unassigned
/// tasks and notes, as when a strategy says nothing).
pub fn policies(organisations: &[OrganisationRecord], strategies: &[Strategy]) -> Policies {
    let mut policies = Policies::default();
    for record in organisations {
        let organisation = &record.organisation;
        if let Some(strategy) = strategy_for(strategies, &organisation.name) {
            policies.by_tenant.insert(organisation.tenant_id, policy(&strategy.plan));
        }
    }
    policies
}

/// The bounce guard for every customer wins; a segment's is taken when only segments name one.
pub fn policy(plan: &Plan) -> Policy {
    let audiences = std::iter::once(&plan.every_customer).chain(plan.segments.iter().map(|s| &s.audience));
    let bounce_assignee = audiences
        .flat_map(|audience| audience.guards.iter())
        .find_map(|guard| match &guard.kind {
            GuardKind::OnBounce { action: Action::CallTask { assignee } } => Some(assignee.clone()),
            GuardKind::OnBounce { action: Action::Escalate { to } } => Some(to.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Policy {
        bounce_assignee,
        notes: plan.settings.write_back,
        sender: plan.settings.sender.as_ref().map(|s| s.address.clone()),
    }
}
