//! Email templates: the `templates/NAME.email` files a strategy's emails are written in, the
//! variables CollectIQ gives them, and the minijinja environment (with the `money` and `date`
//! filters) that renders them, and rendering itself (`render.rs`). The checker and the runtime
//! share all of it.

mod components;
mod file;
mod filters;
mod layout;
mod markdown;
mod render;
mod variables;

pub use crate::ledger::locale::Locale;
pub use file::{EmailTemplate, HTML_SEPARATOR, Part, TemplateFileError};
pub use markdown::Style;
pub use render::{RenderError, Rendered, Source, header_text, render};
pub use variables::{
    CreditView, CustomerView, EmailContext, InvoiceView, LinksView, OrganisationView, OthersView, PROVIDED, SenderView,
    is_provided, sample_context,
};

/// The components every template may call.
pub const COMPONENTS: &[(&str, &str)] = &[
    (
        "invoice_table(invoices)",
        "a table of the invoices (number, due date, days overdue, amount due, Pay now and page links) with their total, and a line on the open invoices it does not list",
    ),
    ("pay_button(invoice)", "a button to pay the invoice online (its page when Xero gave no online link)"),
    (
        "statement(customer)",
        "the customer's statement: every open invoice, credits left to allocate, the balance due (and any late-payment claim), and what is due by days overdue, per currency",
    ),
];

/// The environment templates are checked in: the filters and the components (drawn as text).
pub fn checking_environment() -> Environment<'static> {
    let locale = Locale::default();
    let mut env = environment(&locale);
    components::register(&mut env, components::Part::Plain, &Style::default(), &locale);
    env
}

use minijinja::{Environment, UndefinedBehavior};

/// The environment every template renders in, its filters writing in `locale`. Undefined
/// values are errors, so a typo in a variable fails loudly instead of sending "Dear ,".
pub fn environment(locale: &Locale) -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    filters::register(&mut environment, locale);
    environment
}

/// The folder beside a strategy that holds its templates.
pub const TEMPLATE_FOLDER: &str = "templates";

/// Whether `name` can name a template: a plain file name, never a path out of `templates/`.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.chars().any(|c| matches!(c, '/' | '\\' | ':') || c.is_control())
}

/// The file of the template `name`, relative to the strategy's folder.
pub fn template_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(TEMPLATE_FOLDER).join(format!("{name}.email"))
}
