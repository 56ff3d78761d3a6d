//! Templates: every email names a `templates/NAME.email` file beside the strategy that exists,
//! has the right shape, parses, uses only the variables CollectIQ provides (minijinja's
//! undeclared-variable analysis), and renders on a sample invoice.

use std::collections::BTreeMap;
use std::path::Path;

use super::Problem;
use crate::ast::{Action, ActionKind, GuardKind, RuleItem, SettingKind, Strategy};
use crate::diagnostics::{FileId, Sources};
use crate::files::StrategyFiles;
use crate::source::{SourceFile, Span};
use crate::suggest;
use crate::template::{self, EmailTemplate, Part, TemplateFileError};

/// How a template is used: about one invoice, about a whole account (statements), or both.
#[derive(Default)]
struct Uses {
    first: Option<Span>,
    for_invoice: bool,
    for_statement: bool,
}

pub fn check(strategy: &Strategy, files: &dyn StrategyFiles, sources: &mut Sources) -> Vec<Problem> {
    let combined = strategy.settings().any(|s| s.kind == SettingKind::Consolidation { enabled: true });
    let mut problems = Vec::new();
    for (name, uses) in template_uses(strategy) {
        let span = uses.first.unwrap_or_default();
        if !template::is_plain_name(&name) {
            problems.push(Problem::TemplateName { name, span });
            continue;
        }
        let path = template::template_file(&name);
        let text = match files.read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                problems.push(missing(&name, span, files));
                continue;
            }
            Err(error) => {
                problems.push(Problem::TemplateUnreadable { name, span, reason: error.to_string() });
                continue;
            }
        };
        let file = sources.add(SourceFile::new(files.display(&path), text.clone()));
        problems.extend(check_file(&text, file, &uses, combined, &name));
    }
    problems
}

/// Each template name with how it is used.
fn template_uses(strategy: &Strategy) -> BTreeMap<String, Uses> {
    let mut uses: BTreeMap<String, Uses> = BTreeMap::new();
    let mut record = |action: &Action, statement: bool| {
        if let ActionKind::Email { template, .. } = &action.kind {
            let entry = uses.entry(template.text.clone()).or_default();
            entry.first = Some(entry.first.map_or(template.span, |first: Span| {
                if first.start <= template.span.start { first } else { template.span }
            }));
            entry.for_statement |= statement;
            entry.for_invoice |= !statement;
        }
    };
    for item in strategy.rule_sections().flat_map(|section| &section.items) {
        match item {
            RuleItem::Rule(rule) => record(&rule.action, rule.trigger.kind.is_calendar()),
            RuleItem::Guard(guard) => {
                if let GuardKind::BrokenPromise { action } = &guard.kind {
                    record(action, false);
                }
            }
        }
    }
    uses
}

fn missing(name: &str, span: Span, files: &dyn StrategyFiles) -> Problem {
    let existing: Vec<String> = files
        .list(Path::new(template::TEMPLATE_FOLDER))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|file| file.strip_suffix(".email").map(str::to_string))
        .collect();
    Problem::TemplateMissing {
        name: name.to_string(),
        span,
        expected: format!("templates/{name}.email"),
        suggestion: suggest::nearest(name, existing.iter().map(String::as_str)).map(str::to_string),
    }
}

fn check_file(text: &str, file: FileId, uses: &Uses, combined: bool, name: &str) -> Vec<Problem> {
    let parsed = match EmailTemplate::parse(text) {
        Ok(parsed) => parsed,
        Err(error) => return vec![shape_problem(error, file)],
    };
    let parts: Vec<&Part> =
        [Some(&parsed.subject), Some(&parsed.text), parsed.html.as_ref()].into_iter().flatten().collect();
    let mut problems: Vec<Problem> = parts.iter().flat_map(|part| check_part(part, file, uses)).collect();
    if problems.is_empty() {
        problems.extend(check_rendering(&parsed, file, uses));
    }
    let lists_invoices = parts.iter().any(|part| part.source.contains("invoices"));
    if combined && uses.for_invoice && !lists_invoices {
        problems.push(Problem::SingleInvoiceTemplate { file, name: name.to_string(), span: parsed.text.line_span(1) });
    }
    problems
}

fn shape_problem(error: TemplateFileError, file: FileId) -> Problem {
    let (span, message, help) = match error {
        TemplateFileError::MissingSubject { span } => (
            span,
            "a template starts with a \"Subject:\" line",
            "write the subject first, such as: Subject: Invoice {{ invoice.number }} is overdue",
        ),
        TemplateFileError::NoBlankLine { span } => (
            span,
            "the subject must be followed by a blank line",
            "leave one empty line between the subject and the body",
        ),
        TemplateFileError::EmptyBody { span } => {
            (span, "this template has no body", "write the email's text after the subject and a blank line")
        }
        TemplateFileError::UnknownFormat { span } => (
            span,
            "a template's format is \"markdown\" or \"text\"",
            "write Format: markdown (both parts made from Markdown), or leave the line out for plain text",
        ),
        TemplateFileError::HtmlWithMarkdown { span } => (
            span,
            "a Markdown template has no \"--- html ---\" part: its HTML is made from the Markdown",
            "remove the HTML part, or remove the Format: markdown line to write the HTML yourself",
        ),
    };
    Problem::TemplateShape { file, span, message, help }
}

fn check_part(part: &Part, file: FileId, uses: &Uses) -> Vec<Problem> {
    let environment = template::checking_environment();
    let compiled = match environment.template_from_str(&part.source) {
        Ok(compiled) => compiled,
        Err(error) => {
            let detail = error.detail().unwrap_or("it is not valid minijinja").to_string();
            return vec![Problem::TemplateSyntax { file, span: part.line_span(error.line().unwrap_or(1)), detail }];
        }
    };
    let globals: Vec<&str> = environment.globals().map(|(name, _)| name).collect();
    let mut undeclared: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
    undeclared.sort();
    let for_statements = uses.for_statement;
    let problems: Vec<Problem> = undeclared
        .into_iter()
        .filter(|variable| !globals.contains(&variable.split('.').next().unwrap_or_default()))
        .filter(|variable| !template::is_provided(variable, !for_statements))
        .map(|variable| {
            let candidates = template::PROVIDED
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| template::is_provided(name, !for_statements));
            Problem::TemplateVariable {
                file,
                span: find(part, &variable),
                suggestion: suggest::nearest(&variable, candidates).map(str::to_string),
                statement: for_statements,
                variable,
            }
        })
        .collect();
    if !problems.is_empty() {
        return problems;
    }
    // What the static analysis cannot see (an attribute of a loop variable, a filter's
    // arguments) shows when rendering a sample email.
    [(uses.for_invoice, true), (uses.for_statement, false)]
        .into_iter()
        .filter(|(used, _)| *used)
        .find_map(|(_, with_invoice)| {
            compiled.render(minijinja::value::Serde(template::sample_context(with_invoice))).err()
        })
        .map(|error| {
            let detail = error.detail().map_or_else(|| error.kind().to_string(), str::to_string);
            Problem::TemplateRender { file, span: part.line_span(error.line().unwrap_or(1)), detail }
        })
        .into_iter()
        .collect()
}

/// Renders the whole email on the samples, both parts, as the runtime will: what only shows
/// there (a component given the wrong thing, Markdown around a value) is caught here.
fn check_rendering(parsed: &EmailTemplate, file: FileId, uses: &Uses) -> Option<Problem> {
    let source = template::Source {
        subject: &parsed.subject.source,
        text: &parsed.text.source,
        html: parsed.html.as_ref().map(|part| part.source.as_str()),
        markdown: parsed.markdown,
    };
    [(uses.for_invoice, true), (uses.for_statement, false)]
        .into_iter()
        .filter(|(used, _)| *used)
        .find_map(|(_, with_invoice)| {
            template::render(source, &template::sample_context(with_invoice), &template::Style::default()).err()
        })
        .map(|error| {
            let part = match error.part {
                "HTML" => parsed.html.as_ref().unwrap_or(&parsed.text),
                "subject" => &parsed.subject,
                _ => &parsed.text,
            };
            let detail = error.cause.detail().map_or_else(|| error.cause.kind().to_string(), str::to_string);
            Problem::TemplateRender { file, span: part.line_span(error.cause.line().unwrap_or(1)), detail }
        })
}

/// Where a variable is first written in a part, or the part's first line.
fn find(part: &Part, variable: &str) -> Span {
    match part.source.find(variable) {
        Some(at) => Span::new(part.offset + at, part.offset + at + variable.len()),
        None => part.line_span(1),
    }
}
