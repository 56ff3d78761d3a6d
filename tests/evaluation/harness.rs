//! A small world to evaluate strategies in: an organisation, customers, invoices, and a clock
//! that moves from run to run, remembering decisions as the store would.
#![allow(dead_code)]

use std::collections::HashMap;

use collectiq::decide::books::{Books, assemble};
use collectiq::decide::calendar::Calendar;
use collectiq::decide::decision::{Decision, Evaluation, Outcome};
use collectiq::decide::evaluate::{Context, evaluate};
use collectiq::decide::memory::Memory;
use collectiq::files::InMemory;
use collectiq::ledger::records::{Contact, Invoice, Organisation, Person};
use collectiq::plan::{Plan, compile_bytes};
use jiff::Timestamp;
use rust_decimal::Decimal;
use uuid::Uuid;

pub const TEMPLATES: &[&str] = &[
    "upcoming",
    "friendly-reminder",
    "firm-reminder",
    "final-notice",
    "statement",
    "broken-promise",
    "due-today",
    "combined",
];

pub struct World {
    /// Leaked, so that decisions (which borrow from the plan) outlive the `&mut` of a run.
    pub plan: &'static Plan,
    pub organisation: Organisation,
    pub contacts: Vec<Contact>,
    pub groups: HashMap<Uuid, Vec<String>>,
    pub invoices: Vec<Invoice>,
    pub state: Memory,
    next_id: u128,
}

pub fn world(strategy: &str) -> World {
    let mut files = InMemory::default();
    for name in TEMPLATES {
        let text = if *name == "statement" {
            "Subject: Your statement\n\nHello {{ customer.name }}, {{ total_overdue | money }} is overdue.\n"
        } else {
            "Subject: Invoice {{ invoice.number }}\n\nHello {{ customer.name }}, {{ invoice.amount_due | money }} is due.\n"
        };
        files = files.with(&format!("templates/{name}.email"), text);
    }
    let compiled = compile_bytes("test.strategy", strategy.as_bytes().to_vec(), &files)
        .unwrap_or_else(|error| panic!("the strategy does not compile: {error:?}"));
    World {
        plan: Box::leak(Box::new(compiled.plan)),
        organisation: Organisation {
            tenant_id: Uuid::from_u128(1),
            name: "Harbour Wholesale".into(),
            base_currency: "NZD".into(),
            timezone: Some("UTC".into()),
            zone: Some("UTC".into()),
            short_code: None,
            reminders_enabled: Some(false),
            country_code: None,
        },
        contacts: Vec::new(),
        groups: HashMap::new(),
        invoices: Vec::new(),
        state: Memory::default(),
        next_id: 100,
    }
}

/// A short summary of a decision: `act friendly-reminder INV-1`.
pub fn summary(world: &World, decision: &Decision) -> String {
    let what = match &decision.action {
        collectiq::plan::Action::Email { template, .. } => template.clone(),
        collectiq::plan::Action::CallTask { assignee } => format!("call:{assignee}"),
        collectiq::plan::Action::Escalate { to } => format!("escalate:{to}"),
        collectiq::plan::Action::StopChasing => "stop".into(),
    };
    let numbers: Vec<String> = decision
        .invoices
        .iter()
        .filter_map(|id| world.invoices.iter().find(|i| i.invoice_id == *id))
        .map(|i| i.number.to_string())
        .collect();
    let outcome = match &decision.outcome {
        Outcome::Act => "act".to_string(),
        Outcome::Skipped(skip) => format!("skip({})", serde_json::to_value(skip).unwrap()["reason"].as_str().unwrap()),
        Outcome::Superseded { .. } => "superseded".into(),
        Outcome::Combined { .. } => "combined".into(),
    };
    format!("{outcome} {what} {}", numbers.join("+"))
}

impl World {
    fn id(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(self.next_id)
    }

    pub fn customer(&mut self, name: &str, email: Option<&str>, groups: &[&str]) -> Uuid {
        let id = self.id();
        self.contacts.push(Contact {
            tenant_id: self.organisation.tenant_id,
            contact_id: id,
            name: name.into(),
            first_name: None,
            last_name: None,
            email: email.map(str::to_string),
            status: "ACTIVE".into(),
            currency: None,
            persons: vec![Person {
                first_name: Some("Pat".into()),
                last_name: None,
                email: None,
                include_in_emails: false,
            }],
            updated: Timestamp::UNIX_EPOCH,
        });
        self.groups.insert(id, groups.iter().map(|g| g.to_string()).collect());
        id
    }

    /// An invoice issued 30 days before it is due, owing `amount` in NZD.
    pub fn invoice(&mut self, contact: Uuid, number: &str, due: &str, amount: &str) -> Uuid {
        let id = self.id();
        let due: jiff::civil::Date = due.parse().unwrap();
        let amount: Decimal = amount.parse().unwrap();
        self.invoices.push(Invoice {
            tenant_id: self.organisation.tenant_id,
            invoice_id: id,
            number: number.into(),
            reference: None,
            contact_id: contact,
            status: "AUTHORISED".into(),
            date: due.checked_sub(jiff::ToSpan::days(30)).unwrap(),
            due_date: due,
            currency: "NZD".into(),
            currency_rate: Decimal::ONE,
            total: amount,
            amount_due: amount,
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: Timestamp::UNIX_EPOCH,
        });
        id
    }

    pub fn invoice_mut(&mut self, id: Uuid) -> &mut Invoice {
        self.invoices.iter_mut().find(|i| i.invoice_id == id).unwrap()
    }

    pub fn pay(&mut self, id: Uuid, amount: &str, on: &str) {
        let amount: Decimal = amount.parse().unwrap();
        let invoice = self.invoice_mut(id);
        invoice.amount_paid += amount;
        invoice.amount_due -= amount;
        if invoice.amount_due <= Decimal::ZERO {
            invoice.status = "PAID".into();
            invoice.fully_paid_on = Some(on.parse().unwrap());
        }
    }

    pub fn books(&self) -> Books {
        assemble(self.organisation.clone(), self.contacts.clone(), &self.groups, self.invoices.clone())
    }

    /// Evaluates at an instant and remembers the decisions, as a run would.
    pub fn run(&mut self, at: &str) -> Evaluation<'static> {
        let now: Timestamp = at.parse().unwrap();
        let calendar = Calendar::new(&self.plan.settings, self.organisation.zone.as_deref()).unwrap();
        let books = self.books();
        let evaluation =
            evaluate(&Context { plan: self.plan, calendar: &calendar, books: &books, memory: &self.state, now });
        for decision in &evaluation.decisions {
            self.state.remember(decision, now);
        }
        evaluation
    }

    /// Runs at 10:00 UTC each day from `from` to `to`, giving each day's decisions in short.
    pub fn days(&mut self, from: &str, to: &str) -> Vec<String> {
        let (mut day, last): (jiff::civil::Date, jiff::civil::Date) = (from.parse().unwrap(), to.parse().unwrap());
        let mut log = Vec::new();
        while day <= last {
            let evaluation = self.run(&format!("{day}T10:00:00Z"));
            for decision in &evaluation.decisions {
                log.push(format!("{day} {}", summary(self, decision)));
            }
            day = day.checked_add(jiff::ToSpan::days(1)).unwrap();
        }
        log
    }
}
