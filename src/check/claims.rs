//! The `Claim …` settings (LANGUAGE.md §11): a contractual rate that claims something, and one
//! spared contact group for the whole claim. (Each sentence given once is checked with the other
//! settings.)

use rust_decimal::Decimal;

use super::Problem;
use crate::ast::{Name, SettingKind, Strategy};

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut spared: Option<&Name> = None;
    for setting in strategy.settings() {
        let except = match &setting.kind {
            SettingKind::ClaimInterest { rate, except } => {
                if rate.percent == Decimal::ZERO {
                    problems.push(Problem::ZeroInterestRate { span: rate.span });
                }
                except
            }
            SettingKind::ClaimStatutory { except, .. } => except,
            _ => continue,
        };
        // The law's sentence and the contract's make one claim, so they spare one group.
        match (spared, except) {
            (Some(first), Some(group)) if !first.text.eq_ignore_ascii_case(&group.text) => {
                problems.push(Problem::ClaimExceptionsDiffer { span: group.span, first: first.span });
            }
            (None, Some(group)) => spared = Some(group),
            _ => {}
        }
    }
    problems
}
