//! What a simulated email claims under the strategy's `Claim` sentence, reckoned as the runtime
//! reckons it: from the rates table in use, the organisation's dated payments and credit
//! allocations, and the days each invoice was disputed. Simulating from a store gives all of
//! these ([`ClaimInputs`]); from a file or the sandbox, the shipped rates and no dated records,
//! in which case what was paid counts from the invoice's date, and a claim is never more than the
//! run would make.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::action::SimulatedClaim;
use crate::decide::books::Customer;
use crate::decide::late_payment::{Debt, Dispute, RateTable, late_payment};
use crate::ledger::records::{Credit, Invoice, Payment};
use crate::plan::Claim;

/// What claims are reckoned from, as the store holds it.
#[derive(Clone, Debug, Default)]
pub struct ClaimInputs {
    /// The table in use (the shipped one with `[rates]` over it); the shipped one when absent.
    pub rates: Option<RateTable>,
    pub payments: Vec<Payment>,
    pub credits: Vec<Credit>,
    /// The periods each invoice was disputed, in the strategy's days.
    pub disputes: HashMap<Uuid, Vec<Dispute>>,
}

/// Reckons claims for a simulation's emails, with the rates table read once.
pub struct Claims<'a> {
    claim: &'a Claim,
    rates: RateTable,
    inputs: Option<&'a ClaimInputs>,
}

impl<'a> Claims<'a> {
    /// None when the strategy claims nothing, or no rates table can be had.
    pub fn new(claim: Option<&'a Claim>, inputs: Option<&'a ClaimInputs>) -> Option<Claims<'a>> {
        let claim = claim?;
        let rates = match inputs.and_then(|i| i.rates.clone()) {
            Some(rates) => rates,
            None => RateTable::shipped().ok()?,
        };
        Some(Claims { claim, rates, inputs })
    }

    /// What an email to `customer` about `invoices` on `date` claims, per currency.
    pub fn of<'i>(
        &self,
        customer: &Customer,
        invoices: impl Iterator<Item = &'i Invoice>,
        date: Date,
    ) -> Vec<SimulatedClaim> {
        let groups: Vec<&str> = customer.groups.iter().map(String::as_str).collect();
        let (payments, credits) = match self.inputs {
            Some(inputs) => (inputs.payments.as_slice(), inputs.credits.as_slice()),
            None => (&[][..], &[][..]),
        };
        let mut claims: Vec<SimulatedClaim> = Vec::new();
        for invoice in invoices {
            let disputes = self.inputs.and_then(|i| i.disputes.get(&invoice.invoice_id)).cloned().unwrap_or_default();
            let Some(debt) = Debt::from_records(invoice, payments, credits, disputes) else { continue };
            let outcome = late_payment(self.claim, &debt, &groups, date, &self.rates);
            if outcome.claim_total() <= Decimal::ZERO {
                continue;
            }
            let currency = invoice.currency.to_string();
            let (interest, compensation, total) = (outcome.interest(), outcome.compensation(), outcome.claim_total());
            match claims.iter_mut().find(|c| c.currency == currency) {
                Some(sum) => {
                    sum.interest += interest;
                    sum.compensation += compensation;
                    sum.total += total;
                }
                None => claims.push(SimulatedClaim { currency, interest, compensation, total }),
            }
        }
        claims
    }
}
