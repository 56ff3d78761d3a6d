//! Email templates: the `templates/NAME.email` files a strategy's emails are written in, the
//! variables CollectIQ gives them, and the minijinja environment (with the `money` and `date`
//! filters) that renders them, and rendering itself (`render.rs`). The checker and the runtime
//! share all of it.

mod file;
mod filters;
mod render;
mod variables;

pub use file::{EmailTemplate, HTML_SEPARATOR, Part, TemplateFileError};
pub use render::{RenderError, Rendered, header_text, render};
pub use variables::{
    CustomerView, EmailContext, InvoiceView, LinksView, OrganisationView, PROVIDED, SenderView, is_provided,
    sample_context,
};

use minijinja::{Environment, UndefinedBehavior};

/// The environment every template renders in. Undefined values are errors, so a typo in a
/// variable fails loudly instead of sending "Dear ,".
pub fn environment() -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.add_filter("money", filters::money);
    environment.add_filter("date", filters::date);
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
