//! What happens to an organisation as its clock moves: invoices come into being on their date,
//! customers pay as they always do, credit is allocated, invoices are voided, customers say when
//! they will pay. Every change is recorded for webhooks.

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use super::{InvoiceState, Org, PaymentRec};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// An invoice dated in the future comes into being on its day.
    Create {
        invoice: u32,
    },
    Pay {
        payment: u32,
    },
    /// A credit note, overpayment or prepayment is recorded.
    Credit {
        credit: u32,
    },
    Allocate {
        allocation: u32,
    },
    Void {
        invoice: u32,
    },
    /// The customer says when they will pay (Xero's ExpectedPaymentDate).
    Expect {
        invoice: u32,
        date: Date,
    },
    /// The customer asks for invoices to go to another address of theirs.
    ContactChange {
        contact: u32,
    },
}

/// A change a webhook reports: Xero's event category and type, and the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub category: &'static str,
    pub kind: &'static str,
    pub resource: Uuid,
    pub at: Timestamp,
}

impl Org {
    /// Applies every scheduled change up to `now`, in order, and says what changed.
    pub fn advance_to(&mut self, now: Timestamp) -> Vec<Change> {
        let mut changes = Vec::new();
        while let Some(&(at, event)) = self.pending.last() {
            if at > now {
                break;
            }
            self.pending.pop();
            changes.extend(self.apply(at, event));
        }
        changes
    }

    /// Applies one change, if it still makes sense (a payment on a voided invoice does not).
    pub fn apply(&mut self, at: Timestamp, event: Event) -> Option<Change> {
        self.index.order_stale = true;
        match event {
            Event::Create { invoice } => {
                let record = &mut self.invoices[invoice as usize];
                record.visible = true;
                record.updated = at;
                Some(invoice_change(record.id, "CREATE", at))
            }
            Event::Pay { payment } => self.pay(payment, at),
            Event::Credit { credit } => {
                let record = &mut self.credits[credit as usize];
                record.visible = true;
                record.updated = at;
                Some(Change { category: credit_category(record.kind), kind: "CREATE", resource: record.id, at })
            }
            Event::Allocate { allocation } => self.allocate(allocation, at),
            Event::Void { invoice } => {
                let record = &mut self.invoices[invoice as usize];
                if !record.visible || record.paid > 0 || record.state != InvoiceState::Authorised {
                    return None;
                }
                record.state = InvoiceState::Voided;
                record.updated = at;
                Some(invoice_change(record.id, "UPDATE", at))
            }
            Event::Expect { invoice, date } => {
                let record = &mut self.invoices[invoice as usize];
                if record.state != InvoiceState::Authorised {
                    return None;
                }
                record.expected_payment = Some(date);
                record.updated = at;
                Some(invoice_change(record.id, "UPDATE", at))
            }
            Event::ContactChange { contact } => self.change_address(contact, at),
        }
    }

    /// Moves a customer's invoices between their accounts and payables addresses (a customer
    /// without an address keeps none).
    fn change_address(&mut self, contact: u32, at: Timestamp) -> Option<Change> {
        let record = &mut self.contacts[contact as usize];
        let (mailbox, domain) = record.email.as_deref()?.split_once('@')?;
        let next = if mailbox == "accounts" { "payables" } else { "accounts" };
        record.email = Some(format!("{next}@{domain}"));
        record.updated = at;
        Some(Change { category: "CONTACT", kind: "UPDATE", resource: record.id, at })
    }

    fn pay(&mut self, payment: u32, at: Timestamp) -> Option<Change> {
        let invoice_index = self.payments[payment as usize].invoice as usize;
        let invoice = &mut self.invoices[invoice_index];
        let amount = self.payments[payment as usize].amount.min(invoice.due_amount());
        if !invoice.visible || invoice.state != InvoiceState::Authorised || amount <= 0 {
            return None;
        }
        invoice.paid += amount;
        invoice.payments.push(payment);
        invoice.updated = at;
        if invoice.due_amount() == 0 {
            invoice.state = InvoiceState::Paid;
            invoice.fully_paid_on = Some(jiff::tz::TimeZone::UTC.to_datetime(at).date());
        }
        let id = invoice.id;
        let record = &mut self.payments[payment as usize];
        record.amount = amount;
        record.visible = true;
        Some(invoice_change(id, "UPDATE", at))
    }

    fn allocate(&mut self, allocation: u32, at: Timestamp) -> Option<Change> {
        let record = self.allocations[allocation as usize].clone();
        let credit_remaining = self.credits[record.credit as usize].remaining(self);
        let invoice = &self.invoices[record.invoice as usize];
        let amount = record.amount.min(invoice.due_amount()).min(credit_remaining);
        if !self.credits[record.credit as usize].visible
            || !invoice.visible
            || invoice.state != InvoiceState::Authorised
            || amount <= 0
        {
            return None;
        }
        let allocated = &mut self.allocations[allocation as usize];
        allocated.amount = amount;
        allocated.applied = true;
        allocated.at = at;
        let credit = &mut self.credits[record.credit as usize];
        credit.allocations.push(allocation);
        credit.updated = at;
        let invoice = &mut self.invoices[record.invoice as usize];
        invoice.credited += amount;
        invoice.allocations.push(allocation);
        if invoice.due_amount() == 0 {
            invoice.state = InvoiceState::Paid;
            invoice.fully_paid_on = Some(jiff::tz::TimeZone::UTC.to_datetime(at).date());
        }
        if record.touches_invoice {
            invoice.updated = at;
            Some(invoice_change(invoice.id, "UPDATE", at))
        } else {
            let credit = &self.credits[record.credit as usize];
            Some(Change { category: credit_category(credit.kind), kind: "UPDATE", resource: credit.id, at })
        }
    }

    /// Records a payment made now for `amount` (all that is due when `None`), as a person would
    /// in Xero. Gives the change, or `None` when nothing is owed.
    pub fn pay_now(&mut self, invoice: u32, amount: Option<i64>, now: Timestamp, id: Uuid) -> Option<Change> {
        let due = self.invoices.get(invoice as usize)?.due_amount();
        let payment = PaymentRec { id, invoice, at: now, amount: amount.unwrap_or(due), visible: false };
        self.payments.push(payment);
        let index = (self.payments.len() - 1) as u32;
        self.index.payment_by_id.insert(id, index);
        // The invoice and the new payment move to the end of the update orders.
        self.index.order_stale = true;
        self.pay(index, now)
    }
}

/// Xero's webhook category for a change to credit. Overpayments and prepayments have none
/// (Xero sends no webhooks for them); the sandbox names them only for its own counts.
fn credit_category(kind: super::CreditKind) -> &'static str {
    match kind {
        super::CreditKind::CreditNote => "CREDITNOTE",
        super::CreditKind::Overpayment => "OVERPAYMENT",
        super::CreditKind::Prepayment => "PREPAYMENT",
    }
}

fn invoice_change(resource: Uuid, kind: &'static str, at: Timestamp) -> Change {
    Change { category: "INVOICE", kind, resource, at }
}
