//! Generates organisations from a seed: the same seed always gives the same organisations,
//! down to every id and cent. Customers have payment terms and habits (on time, late, very late,
//! in instalments, hardly ever); invoices span the past 18 months and the next two; payments,
//! credit notes, overpayments and prepayments follow those habits, and whatever lies after the
//! sandbox's "now" waits in the organisation's schedule until the clock reaches it.

use std::collections::HashMap;

use jiff::civil::{Date, Time};
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::names::{self, OrganisationPreset};
use super::*;
use crate::ledger::CurrencyCode;
use crate::xero::timezones;

/// How big a world to make.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub organisations: usize,
    pub contacts: usize,
    pub invoices: usize,
}

/// Days of history before "now", and days of invoices after it that appear as time passes.
const HISTORY_DAYS: i64 = 548;
const FUTURE_DAYS: i64 = 60;

/// Generates every organisation. `now` is the sandbox's clock at the start.
pub fn organisations(seed: u64, size: Size, now: Timestamp) -> Vec<Org> {
    (0..size.organisations).map(|index| organisation(seed, index, size, now)).collect()
}

fn organisation(seed: u64, index: usize, size: Size, now: Timestamp) -> Org {
    let mut rng = fastrand::Rng::with_seed(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let preset = &names::ORGANISATIONS[index % names::ORGANISATIONS.len()];
    let round = index / names::ORGANISATIONS.len();
    let name = if round == 0 { preset.name.to_string() } else { format!("{} ({})", preset.name, round + 1) };
    let base_currency = code(preset.base_currency);
    let today = utc_date(now);
    let mut org = Org {
        tenant_id: uuid(&mut rng),
        short_code: format!("!{}", (0..5).map(|_| rng.alphanumeric()).collect::<String>()),
        name,
        base_currency,
        timezone: timezones::xero_code(preset.zone).unwrap_or("UTC"),
        country: preset.country,
        created: at(today.checked_sub((HISTORY_DAYS + 200).days()).unwrap_or(today), 0),
        reminders_enabled: index % 3 == 1,
        groups: Vec::new(),
        contacts: Vec::new(),
        invoices: Vec::new(),
        payments: Vec::new(),
        credits: Vec::new(),
        allocations: Vec::new(),
        repeating: Vec::new(),
        notes: HashMap::new(),
        pending: Vec::new(),
        index: Index::default(),
    };
    let mut schedule = Vec::new();
    contacts(&mut org, &mut rng, size.contacts.max(1), preset);
    invoices(&mut org, &mut rng, size.invoices, preset, today, &mut schedule);
    credits(&mut org, &mut rng, &mut schedule);
    contact_changes(&org, &mut rng, today, &mut schedule);
    org.build_index();
    // Everything up to now has happened; the rest waits, soonest last.
    schedule.sort_by_key(|(at, event): &(Timestamp, Event)| (*at, event_rank(event)));
    let split = schedule.partition_point(|(at, _)| *at <= now);
    let future = schedule.split_off(split);
    for (at, event) in schedule {
        org.apply(at, event);
    }
    org.pending = future.into_iter().rev().collect();
    org.index.order_stale = true;
    org
}

/// Within one instant, things are created before anything happens to them.
fn event_rank(event: &Event) -> u8 {
    match event {
        Event::Create { .. } | Event::Credit { .. } => 0,
        Event::Void { .. } | Event::Expect { .. } | Event::ContactChange { .. } => 1,
        Event::Pay { .. } => 2,
        Event::Allocate { .. } => 3,
    }
}

fn contacts(org: &mut Org, rng: &mut fastrand::Rng, count: usize, preset: &OrganisationPreset) {
    org.groups = names::GROUPS
        .iter()
        .map(|(name, _)| GroupRec { id: uuid(rng), name: name.to_string(), members: Vec::new() })
        .collect();
    let foreign: Vec<CurrencyCode> =
        ["AUD", "USD", "GBP", "EUR", "NZD"].into_iter().map(code).filter(|c| *c != org.base_currency).collect();
    for index in 0..count {
        let (first_name, last_name) = (pick(rng, names::FIRST_NAMES), pick(rng, names::LAST_NAMES));
        let council = rng.u32(..1000) < 25;
        let name = if council {
            format!("{} {}", pick(rng, names::COUNCILS), index + 1)
        } else {
            let suffix = pick(rng, names::SUFFIXES);
            format!(
                "{} {}{}{} {}",
                pick(rng, names::PLACES),
                pick(rng, names::TRADES),
                if suffix.is_empty() { "" } else { " " },
                suffix,
                index + 1
            )
        };
        let domain = if council { "govt.nz".to_string() } else { format!("{}.example", crate::naming::slug(&name)) };
        let email = (rng.u32(..100) >= 8).then(|| format!("accounts@{domain}"));
        let persons = (0..rng.usize(..3))
            .map(|_| {
                let (first, last) = (pick(rng, names::FIRST_NAMES), pick(rng, names::LAST_NAMES));
                PersonRec {
                    email: format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    include_in_emails: rng.bool(),
                }
            })
            .collect();
        let groups = names::GROUPS
            .iter()
            .enumerate()
            .filter(|(_, (_, per_mille))| rng.u32(..1000) < *per_mille)
            .map(|(g, _)| g as u16)
            .collect();
        let currency = if rng.u32(..100) < 12 { foreign[rng.usize(..foreign.len())] } else { org.base_currency };
        org.contacts.push(ContactRec {
            id: uuid(rng),
            name,
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            email,
            persons,
            terms: terms(rng, council),
            currency,
            behaviour: behaviour(rng),
            groups,
            is_supplier: rng.u32(..100) < 6,
            updated: org.created,
        });
    }
    for (index, contact) in org.contacts.iter().enumerate() {
        for &group in &contact.groups {
            org.groups[group as usize].members.push(index as u32);
        }
    }
    let _ = preset;
}

/// Some customers change the address their invoices go to, now and then: past changes show in
/// contacts' UpdatedDateUTC, future ones arrive as CONTACT webhooks.
fn contact_changes(org: &Org, rng: &mut fastrand::Rng, today: Date, schedule: &mut Vec<(Timestamp, Event)>) {
    let first_day = today.checked_sub(HISTORY_DAYS.days()).unwrap_or(today);
    for contact in 0..org.contacts.len() as u32 {
        if rng.u32(..100) < 30 {
            let day = first_day.checked_add(rng.i64(0..HISTORY_DAYS + FUTURE_DAYS).days()).unwrap_or(today);
            schedule.push((at(day, rng.i8(8..18)), Event::ContactChange { contact }));
        }
    }
}

fn terms(rng: &mut fastrand::Rng, council: bool) -> Terms {
    if council {
        return Terms::OfFollowingMonth(20);
    }
    match rng.u32(..100) {
        0..40 => Terms::DaysAfterBillDate(30),
        40..60 => Terms::DaysAfterBillDate(14),
        60..70 => Terms::DaysAfterBillDate(7),
        70..90 => Terms::OfFollowingMonth(20),
        _ => Terms::DaysAfterBillMonth(30),
    }
}

fn behaviour(rng: &mut fastrand::Rng) -> Behaviour {
    match rng.u32(..100) {
        0..45 => Behaviour::OnTime,
        45..75 => Behaviour::Late,
        75..87 => Behaviour::VeryLate,
        87..95 => Behaviour::Partial,
        _ => Behaviour::Never,
    }
}

/// The due date Xero's payment terms give an invoice issued on `issued`.
pub fn due_date(issued: Date, terms: Terms) -> Date {
    let month_start = issued.first_of_month();
    let result = match terms {
        Terms::DaysAfterBillDate(days) => issued.checked_add(days.days()),
        Terms::DaysAfterBillMonth(days) => issued.last_of_month().checked_add(days.days()),
        Terms::OfCurrentMonth(day) => month_start.checked_add((day - 1).days()),
        Terms::OfFollowingMonth(day) => {
            month_start.checked_add(1.month()).and_then(|next| next.checked_add((day - 1).days()))
        }
    };
    result.unwrap_or(issued).max(issued)
}

fn invoices(
    org: &mut Org,
    rng: &mut fastrand::Rng,
    count: usize,
    preset: &OrganisationPreset,
    today: Date,
    schedule: &mut Vec<(Timestamp, Event)>,
) {
    let contact_count = org.contacts.len();
    let sizes: Vec<Cents> = (0..contact_count).map(|_| contact_size(rng)).collect();
    let repeating_contacts: Vec<u32> = (0..contact_count as u32).filter(|_| rng.u32(..100) < 10).collect();
    for &contact in &repeating_contacts {
        let template = RepeatingRec {
            id: uuid(rng),
            contact,
            reference: "Monthly service".to_string(),
            total: sizes[contact as usize],
            currency: org.contacts[contact as usize].currency,
            day: 1 + rng.i8(0..28),
            start: today.checked_sub(HISTORY_DAYS.days()).unwrap_or(today),
        };
        org.repeating.push(template);
    }
    let repeating_of: HashMap<u32, u32> =
        org.repeating.iter().enumerate().map(|(i, r)| (r.contact, i as u32)).collect();
    let span = HISTORY_DAYS + FUTURE_DAYS;
    let first_day = today.checked_sub(HISTORY_DAYS.days()).unwrap_or(today);
    org.invoices.reserve(count);
    for number in 0..count {
        // Contacts are chosen unevenly: a few customers get many invoices, many get few.
        let contact = ((contact_count as f64) * rng.f64().powf(1.7)) as u32 % contact_count as u32;
        let offset = (span * number as i64) / count.max(1) as i64;
        let issued = first_day.checked_add(offset.days()).unwrap_or(first_day);
        let invoice = invoice(
            org,
            rng,
            number as u32,
            contact,
            issued,
            sizes[contact as usize],
            preset,
            repeating_of.get(&contact).copied(),
        );
        let index = org.invoices.len() as u32;
        schedule.push((at(issued, 20 + rng.i8(0..3)), Event::Create { invoice: index }));
        org.invoices.push(invoice);
        plan_invoice_life(org, rng, index, today, schedule);
    }
}

/// A customer's typical invoice, in cents: from tens to tens of thousands of dollars.
fn contact_size(rng: &mut fastrand::Rng) -> Cents {
    let scale = 10f64.powf(rng.f64() * 2.6);
    (5_000.0 * scale) as Cents
}

#[allow(clippy::too_many_arguments)]
fn invoice(
    org: &Org,
    rng: &mut fastrand::Rng,
    number: u32,
    contact: u32,
    issued: Date,
    size: Cents,
    preset: &OrganisationPreset,
    repeating: Option<u32>,
) -> InvoiceRec {
    let customer = &org.contacts[contact as usize];
    let total =
        repeating.map(|r| org.repeating[r as usize].total).unwrap_or_else(|| size / 2 + rng.i64(0..=size.max(1)));
    let total = total.max(1_000);
    let subtotal = total * 100 / (100 + preset.tax_percent);
    let kind = if customer.is_supplier && rng.u32(..100) < 60 { InvoiceKind::Payable } else { InvoiceKind::Receivable };
    let reference = match rng.u32(..10) {
        0..6 => String::new(),
        _ if repeating.is_some() => "Monthly service".to_string(),
        _ => format!("{}{}", pick(rng, names::REFERENCES), 1000 + rng.u32(..9000)).trim().to_string(),
    };
    InvoiceRec {
        id: uuid(rng),
        number: number + 1,
        kind,
        contact,
        reference,
        issued,
        due: due_date(issued, customer.terms),
        currency: customer.currency,
        rate: rate(org.base_currency, customer.currency, rng),
        subtotal,
        tax: total - subtotal,
        total,
        paid: 0,
        credited: 0,
        state: InvoiceState::Authorised,
        visible: false,
        updated: Timestamp::UNIX_EPOCH,
        fully_paid_on: None,
        expected_payment: None,
        repeating,
        payments: Vec::new(),
        allocations: Vec::new(),
    }
}

/// What happens to an invoice over its life: drafts and voids, then payments as the customer's
/// habit says, and for some late ones, a promised date.
fn plan_invoice_life(
    org: &mut Org,
    rng: &mut fastrand::Rng,
    index: u32,
    today: Date,
    schedule: &mut Vec<(Timestamp, Event)>,
) {
    let invoice = &org.invoices[index as usize];
    let (issued, due, total) = (invoice.issued, invoice.due, invoice.total);
    let recent = (today - issued).get_days() < 30;
    let roll = rng.u32(..1000);
    if recent && roll < 40 {
        org.invoices[index as usize].state = if roll < 30 { InvoiceState::Draft } else { InvoiceState::Submitted };
        return;
    }
    if roll < 45 {
        org.invoices[index as usize].state = InvoiceState::Deleted;
        return;
    }
    if roll < 75 {
        schedule.push((
            at(issued.checked_add((1 + rng.i64(0..20)).days()).unwrap_or(issued), 1),
            Event::Void { invoice: index },
        ));
        return;
    }
    let behaviour = org.contacts[org.invoices[index as usize].contact as usize].behaviour;
    let instalments = payment_plan(rng, behaviour, issued, due, total);
    let first_payment = instalments.first().map(|(date, _)| *date);
    for (date, amount) in instalments {
        let payment =
            PaymentRec { id: uuid(rng), invoice: index, at: at(date, 1 + rng.i8(0..6)), amount, visible: false };
        schedule.push((payment.at, Event::Pay { payment: org.payments.len() as u32 }));
        org.payments.push(payment);
    }
    let late_and_unpaid = due < today && first_payment.is_none_or(|date| date > today);
    if late_and_unpaid && rng.u32(..100) < 15 {
        let promised = today.checked_add((1 + rng.i64(0..21)).days()).unwrap_or(today);
        let said = today.checked_sub(rng.i64(0..10).days()).unwrap_or(today).max(due);
        schedule.push((at(said, 3), Event::Expect { invoice: index, date: promised }));
    }
}

/// Payment dates and amounts for one invoice, by the customer's habit.
fn payment_plan(
    rng: &mut fastrand::Rng,
    behaviour: Behaviour,
    issued: Date,
    due: Date,
    total: Cents,
) -> Vec<(Date, Cents)> {
    let day = |from: Date, low: i64, high: i64, rng: &mut fastrand::Rng| {
        from.checked_add(rng.i64(low..=high).days()).unwrap_or(from).max(issued)
    };
    match behaviour {
        Behaviour::OnTime => vec![(day(due, -7, 2, rng), total)],
        Behaviour::Late => vec![(day(due, 3, 30, rng), total)],
        Behaviour::VeryLate => vec![(day(due, 35, 150, rng), total)],
        Behaviour::Partial => {
            let first = total * rng.i64(30..=60) / 100;
            let first_day = day(due, 0, 20, rng);
            let mut plan = vec![(first_day, first)];
            if rng.u32(..100) >= 20 {
                plan.push((day(first_day, 15, 60, rng), total - first));
            }
            plan
        }
        Behaviour::Never if rng.u32(..100) < 30 => vec![(day(due, 120, 300, rng), total)],
        Behaviour::Never => Vec::new(),
    }
}

/// Credit notes against some invoices, overpayments by some customers who pay, and prepayments.
fn credits(org: &mut Org, rng: &mut fastrand::Rng, schedule: &mut Vec<(Timestamp, Event)>) {
    let receivable: Vec<u32> = (0..org.invoices.len() as u32)
        .filter(|&i| {
            org.invoices[i as usize].kind == InvoiceKind::Receivable
                && org.invoices[i as usize].state == InvoiceState::Authorised
        })
        .collect();
    let next_invoice_of = next_invoices(org, &receivable);
    for &index in &receivable {
        let roll = rng.u32(..1000);
        let invoice = &org.invoices[index as usize];
        let (contact, currency, issued, total) = (invoice.contact, invoice.currency, invoice.issued, invoice.total);
        if roll < 30 {
            let amount = total * rng.i64(10..=100) / 100;
            let date = issued.checked_add((1 + rng.i64(0..40)).days()).unwrap_or(issued);
            let touches = rng.u32(..100) < 70;
            let allocated_on =
                if touches { date } else { date.checked_add((1 + rng.i64(0..15)).days()).unwrap_or(date) };
            add_credit(
                org,
                rng,
                CreditKind::CreditNote,
                contact,
                currency,
                date,
                amount,
                index,
                allocated_on,
                touches,
                schedule,
            );
        } else if roll < 37 {
            let Some(&next) = next_invoice_of.get(&index) else { continue };
            let date = org.invoices[index as usize].due;
            let amount = 1_000 + rng.i64(0..30_000);
            let allocated_on = date.checked_add((10 + rng.i64(0..50)).days()).unwrap_or(date);
            add_credit(
                org,
                rng,
                CreditKind::Overpayment,
                contact,
                currency,
                date,
                amount,
                next,
                allocated_on,
                true,
                schedule,
            );
        } else if roll < 40 {
            let date = issued.checked_sub((1 + rng.i64(0..20)).days()).unwrap_or(issued);
            let amount = total * rng.i64(20..=100) / 100;
            add_credit(
                org,
                rng,
                CreditKind::Prepayment,
                contact,
                currency,
                date,
                amount,
                index,
                issued,
                true,
                schedule,
            );
        }
    }
}

/// For each receivable invoice, the same customer's next one.
fn next_invoices(org: &Org, receivable: &[u32]) -> HashMap<u32, u32> {
    let mut last_of: HashMap<u32, u32> = HashMap::new();
    let mut next = HashMap::new();
    for &index in receivable {
        let contact = org.invoices[index as usize].contact;
        if let Some(previous) = last_of.insert(contact, index) {
            next.insert(previous, index);
        }
    }
    next
}

#[allow(clippy::too_many_arguments)]
fn add_credit(
    org: &mut Org,
    rng: &mut fastrand::Rng,
    kind: CreditKind,
    contact: u32,
    currency: CurrencyCode,
    date: Date,
    amount: Cents,
    invoice: u32,
    allocated_on: Date,
    touches_invoice: bool,
    schedule: &mut Vec<(Timestamp, Event)>,
) {
    let credit = org.credits.len() as u32;
    let allocation = org.allocations.len() as u32;
    let created = at(date, 2);
    org.credits.push(CreditRec {
        id: uuid(rng),
        kind,
        number: credit + 1,
        contact,
        date,
        currency,
        total: amount,
        allocations: Vec::new(),
        visible: false,
        updated: created,
    });
    let allocated_at = at(allocated_on, 4).max(created);
    org.allocations.push(AllocationRec {
        id: uuid(rng),
        credit,
        invoice,
        amount,
        at: allocated_at,
        applied: false,
        touches_invoice,
    });
    schedule.push((created, Event::Credit { credit }));
    schedule.push((allocated_at, Event::Allocate { allocation }));
}

/// Units of `currency` per unit of `base`, near today's market, to six places.
fn rate(base: CurrencyCode, currency: CurrencyCode, rng: &mut fastrand::Rng) -> Decimal {
    if base == currency {
        return Decimal::new(1_000_000, 6);
    }
    let usd_value = |code: CurrencyCode| match code.as_str() {
        "NZD" => 0.60,
        "AUD" => 0.66,
        "GBP" => 1.27,
        "EUR" => 1.08,
        _ => 1.0,
    };
    let wobble = 0.97 + rng.f64() * 0.06;
    let rate = usd_value(base) / usd_value(currency) * wobble;
    Decimal::new((rate * 1_000_000.0).round() as i64, 6)
}

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn code(text: &str) -> CurrencyCode {
    CurrencyCode::parse(text).unwrap_or(CurrencyCode::EUR)
}

/// A random (version 4) id drawn from the generator, so ids repeat with the seed.
pub fn uuid(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

pub fn utc_date(now: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(now).date()
}

/// `hour` o'clock UTC on `date`.
pub fn at(date: Date, hour: i8) -> Timestamp {
    let time = Time::new(hour.clamp(0, 23), 0, 0, 0).unwrap_or(Time::midnight());
    jiff::tz::TimeZone::UTC.to_timestamp(date.to_datetime(time)).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        at(jiff::civil::date(2026, 11, 25), 12)
    }

    const SMALL: Size = Size { organisations: 2, contacts: 40, invoices: 600 };

    #[test]
    fn the_same_seed_gives_the_same_world() {
        let a = organisations(7, SMALL, now());
        let b = organisations(7, SMALL, now());
        let c = organisations(8, SMALL, now());
        let fingerprint = |orgs: &[Org]| {
            orgs.iter()
                .flat_map(|org| org.invoices.iter().map(|i| (i.id, i.total, i.paid, i.state, i.updated)))
                .collect::<Vec<_>>()
        };
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(a[0].tenant_id, a[1].tenant_id);
    }

    #[test]
    fn the_world_holds_every_kind_of_invoice() {
        let orgs = organisations(1, Size { organisations: 1, contacts: 80, invoices: 3_000 }, now());
        let org = &orgs[0];
        let today = utc_date(now());
        let visible: Vec<&InvoiceRec> = org.invoices.iter().filter(|i| i.visible).collect();
        let count = |f: &dyn Fn(&InvoiceRec) -> bool| visible.iter().filter(|i| f(i)).count();
        assert!(count(&|i| i.state == InvoiceState::Paid) > 1000);
        assert!(count(&|i| i.state == InvoiceState::Authorised && i.due < today) > 50, "overdue");
        assert!(count(&|i| i.state == InvoiceState::Authorised && i.paid > 0) > 5, "partly paid");
        assert!(count(&|i| i.state == InvoiceState::Voided) > 10);
        assert!(count(&|i| matches!(i.state, InvoiceState::Draft | InvoiceState::Submitted)) > 0);
        assert!(count(&|i| i.kind == InvoiceKind::Payable) > 0);
        assert!(count(&|i| i.expected_payment.is_some()) > 0);
        assert!(count(&|i| i.credited > 0) > 10);
        assert!(count(&|i| i.currency != org.base_currency) > 50);
        assert!(count(&|i| i.repeating.is_some()) > 10);
        assert!(org.invoices.iter().any(|i| !i.visible), "some invoices are still to come");
        assert!(org.contacts.iter().any(|c| c.email.is_none()));
        assert!(org.contacts.iter().any(|c| c.persons.iter().any(|p| p.include_in_emails)));
        assert!(org.groups.iter().all(|g| !g.members.is_empty()));
        assert!(!org.pending.is_empty());
        for invoice in &visible {
            assert!(invoice.paid + invoice.credited <= invoice.total);
            assert!(invoice.due >= invoice.issued);
            assert!(invoice.updated <= now());
        }
    }

    #[test]
    fn due_dates_follow_xeros_terms() {
        let issued = jiff::civil::date(2026, 1, 15);
        assert_eq!(due_date(issued, Terms::DaysAfterBillDate(30)), jiff::civil::date(2026, 2, 14));
        assert_eq!(due_date(issued, Terms::OfFollowingMonth(20)), jiff::civil::date(2026, 2, 20));
        assert_eq!(due_date(issued, Terms::DaysAfterBillMonth(30)), jiff::civil::date(2026, 3, 2));
        assert_eq!(due_date(issued, Terms::OfCurrentMonth(10)), issued, "never before the invoice date");
    }

    #[test]
    fn time_brings_payments_and_new_invoices() {
        let mut org = organisations(3, Size { organisations: 1, contacts: 30, invoices: 800 }, now()).remove(0);
        let paid_before: i64 = org.invoices.iter().map(|i| i.paid).sum();
        let visible_before = org.invoices.iter().filter(|i| i.visible).count();
        let changes = org.advance_to(now().checked_add(jiff::SignedDuration::from_hours(24 * 30)).unwrap());
        assert!(!changes.is_empty());
        assert!(org.invoices.iter().map(|i| i.paid).sum::<i64>() > paid_before);
        assert!(org.invoices.iter().filter(|i| i.visible).count() > visible_before);
        assert!(changes.iter().any(|c| c.category == "INVOICE" && c.kind == "CREATE"));
    }
}
