//! The variables every email template receives. The runtime fills an [`EmailContext`]; the
//! checker renders each template against [`sample_context`] so that a misspelt variable or
//! attribute is caught before anything is sent.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Every variable a template may use, with what it holds (for the checker and the docs).
pub const PROVIDED: &[(&str, &str)] = &[
    ("customer.name", "the customer's name in Xero"),
    ("customer.first_name", "the first name of the customer's main contact person (may be empty)"),
    ("customer.email", "the customer's email address"),
    (
        "customer.invoices",
        "every open invoice of the customer, each with the fields of invoice (what statement(customer) lists; filled for templates that show the account)",
    ),
    (
        "customer.credits",
        "the customer's credits left to allocate (filled for templates that show the account): each has kind (Credit note, Overpayment, Prepayment), number, date, currency and remaining",
    ),
    ("invoice.number", "the invoice number, such as INV-0042 (not in statements)"),
    ("invoice.reference", "the invoice's reference (may be empty)"),
    ("invoice.date", "the date the invoice was issued"),
    ("invoice.due_date", "the invoice's due date"),
    ("invoice.days_overdue", "how many days past due the invoice is (0 or less before the due date)"),
    ("invoice.currency", "the invoice's currency code, such as NZD"),
    ("invoice.total", "the invoice total"),
    ("invoice.amount_paid", "what has been paid or credited"),
    ("invoice.amount_due", "what is still owed"),
    ("invoice.url", "the link to Xero's online invoice (may be empty)"),
    (
        "invoice.interest",
        "late-payment interest claimed on the invoice to today, under the strategy's Claim sentence (0 without one)",
    ),
    (
        "invoice.compensation",
        "the fixed compensation claimed on the invoice (£40/£70/£100, €40; 0 without a statutory claim)",
    ),
    ("invoice.claim_total", "interest and compensation together"),
    (
        "invoice.interest_rate",
        "the yearly interest rate applied, in percent (the latest, when it changed; 0 without a claim)",
    ),
    ("invoice.interest_days", "how many days of interest are claimed"),
    (
        "invoice.links.page",
        "the link to the customer's own page, opened on this invoice (empty when [page] base_url is not set)",
    ),
    (
        "invoices",
        "the list of invoices in this email: every open invoice in a statement, the combined ones otherwise; each has the fields of invoice",
    ),
    (
        "invoices_total",
        "what the invoices in this email add up to (amount due, in total_currency): the figure a table of them totals",
    ),
    ("total_claim", "interest and compensation claimed on the invoices in this email, together"),
    ("others.count", "how many of the customer's open invoices this email does not list (0 in statements)"),
    ("others.total", "what those invoices add up to, in total_currency"),
    ("total_overdue", "the total overdue across the customer's open invoices"),
    ("total_outstanding", "the total still owed across the customer's open invoices"),
    ("total_currency", "the currency of the two totals"),
    (
        "links.page",
        "the link to the customer's own page: their open invoices, and where they promise, dispute, say they have paid or pay (empty when [page] base_url is not set)",
    ),
    ("organisation.name", "your organisation's name in Xero"),
    ("sender.name", "the sender's display name"),
    ("sender.email", "the sender's address"),
];

/// Whether `path` (such as `invoice.number`, or a whole object such as `invoice`) is provided.
pub fn is_provided(path: &str, with_invoice: bool) -> bool {
    if !with_invoice && (path == "invoice" || path.starts_with("invoice.")) {
        return false;
    }
    PROVIDED.iter().any(|(name, _)| *name == path || name.strip_prefix(path).is_some_and(|rest| rest.starts_with('.')))
}

#[derive(Clone, Debug, Serialize)]
pub struct EmailContext {
    pub customer: CustomerView,
    /// The invoice an email is about; absent in statements, which are about the whole account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceView>,
    pub invoices: Vec<InvoiceView>,
    /// What `invoices` add up to, so that an email can state a total that matches its lines.
    pub invoices_total: Decimal,
    /// The customer's open invoices this email does not list.
    pub others: OthersView,
    /// The claims on `invoices` together (in their currency: a claim is made in one only).
    pub total_claim: Decimal,
    pub total_overdue: Decimal,
    pub total_outstanding: Decimal,
    pub total_currency: String,
    /// Links for this email alone (each email gets its own, so that one can be revoked).
    pub links: LinksView,
    pub organisation: OrganisationView,
    pub sender: SenderView,
    /// How money and dates are written: not a variable, but what the filters and components use.
    #[serde(skip)]
    pub locale: super::Locale,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerView {
    pub name: String,
    pub first_name: String,
    pub email: String,
    /// Every open invoice, for the customer's statement.
    pub invoices: Vec<InvoiceView>,
    /// Credits left to allocate, for the customer's statement.
    pub credits: Vec<CreditView>,
}

/// A credit note, overpayment or prepayment with something left to allocate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreditView {
    /// "Credit note", "Overpayment" or "Prepayment".
    pub kind: String,
    pub number: String,
    pub date: Option<jiff::civil::Date>,
    pub currency: String,
    pub remaining: Decimal,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvoiceView {
    pub number: String,
    pub reference: String,
    pub date: jiff::civil::Date,
    pub due_date: jiff::civil::Date,
    pub days_overdue: i64,
    pub currency: String,
    pub total: Decimal,
    pub amount_paid: Decimal,
    pub amount_due: Decimal,
    pub url: String,
    pub links: LinksView,
    /// What the strategy's Claim sentence claims on this invoice (all zero without one).
    pub interest: Decimal,
    pub compensation: Decimal,
    pub claim_total: Decimal,
    pub interest_rate: Decimal,
    pub interest_days: i64,
}

/// The links to the customer's page an email carries; empty when pages are not set up.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LinksView {
    pub page: String,
}

/// The customer's open invoices an email leaves out, counted and summed in the base currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OthersView {
    pub count: u32,
    pub total: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrganisationView {
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SenderView {
    pub name: String,
    pub email: String,
}

/// A realistic context to render templates against when checking them. `with_invoice` is false
/// for statements.
pub fn sample_context(with_invoice: bool) -> EmailContext {
    let invoice = InvoiceView {
        number: "INV-0042".into(),
        reference: "PO 7781".into(),
        date: jiff::civil::date(2026, 10, 1),
        due_date: jiff::civil::date(2026, 10, 31),
        days_overdue: 12,
        currency: "NZD".into(),
        total: Decimal::new(1_250_000, 2),
        amount_paid: Decimal::new(250_000, 2),
        amount_due: Decimal::new(1_000_000, 2),
        url: "https://in.xero.com/abc123".into(),
        links: LinksView { page: "https://pay.acme.example/p/4JqQd2c0a9sWm1xkq8WZ7A.Xb7u3k2mR0s9Qe1vJ4n8dw".into() },
        interest: Decimal::new(3_507, 2),
        compensation: Decimal::new(7_000, 2),
        claim_total: Decimal::new(10_507, 2),
        interest_rate: Decimal::new(1_175, 2),
        interest_days: 12,
    };
    EmailContext {
        customer: CustomerView {
            name: "Harbour Cafe Ltd".into(),
            first_name: "Ana".into(),
            email: "ap@harbourcafe.example".into(),
            invoices: vec![invoice.clone()],
            credits: vec![CreditView {
                kind: "Credit note".into(),
                number: "CN-0007".into(),
                date: Some(jiff::civil::date(2026, 11, 2)),
                currency: "NZD".into(),
                remaining: Decimal::new(4_500, 2),
            }],
        },
        invoice: with_invoice.then(|| invoice.clone()),
        invoices: vec![invoice],
        invoices_total: Decimal::new(1_000_000, 2),
        others: OthersView::default(),
        total_claim: Decimal::new(10_507, 2),
        total_overdue: Decimal::new(1_000_000, 2),
        total_outstanding: Decimal::new(1_000_000, 2),
        total_currency: "NZD".into(),
        links: LinksView { page: "https://pay.acme.example/p/9cV1b0n4Qm2ZpT7yLr3s5A.Kd8w2Lq0x7Vb3n5Mz1p4gQ".into() },
        organisation: OrganisationView { name: "Acme Supplies Ltd".into() },
        sender: SenderView { name: "Acme Accounts".into(), email: "accounts@acme.example".into() },
        locale: super::Locale::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf_paths(prefix: &str, value: &serde_json::Value, paths: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, field) in fields {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    leaf_paths(&path, field, paths);
                }
            }
            _ => paths.push(prefix.to_string()),
        }
    }

    #[test]
    fn the_context_holds_exactly_the_documented_variables() {
        let json = serde_json::to_value(sample_context(true)).unwrap();
        let mut paths = Vec::new();
        leaf_paths("", &json, &mut paths);
        paths.sort();
        let mut documented: Vec<String> = PROVIDED.iter().map(|(name, _)| name.to_string()).collect();
        documented.sort();
        assert_eq!(paths, documented);
    }

    #[test]
    fn statements_have_no_single_invoice() {
        assert!(is_provided("invoice.number", true));
        assert!(is_provided("invoice", true));
        assert!(!is_provided("invoice.number", false));
        assert!(is_provided("invoices", false));
        assert!(!is_provided("invoice.amount_owing", true));
        assert!(!is_provided("customer.na", true));
    }
}
