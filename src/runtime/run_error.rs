//! What stops a run before or while it decides and delivers: one variant per cause, each with
//! what to do about it.

use std::path::PathBuf;

use super::deliver::DeliveryError;
use super::mailer::MailerError;
use crate::decide::calendar::UnknownZone;
use crate::plan::CompileError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no strategy to run")]
    NoStrategy,
    #[error("{} does not compile: {cause}", path.display())]
    StrategyDoesNotCompile { path: PathBuf, cause: CompileError },
    #[error("no way to send email")]
    NoMailer,
    #[error(transparent)]
    Mailer(#[from] MailerError),
    #[error("{0}")]
    Calendar(#[from] UnknownZone),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    PageKey(#[from] crate::secret::page_key::PageKeyError),
    #[error(transparent)]
    Dkim(#[from] super::dkim::DkimError),
    #[error(transparent)]
    Rates(crate::decide::late_payment::RatesError),
}

impl RunError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> Option<String> {
        match self {
            RunError::NoStrategy => Some(
                "give --strategy PATH, set COLLECTIQ_STRATEGY, or list them under [runtime] strategies in collectiq.toml"
                    .into(),
            ),
            RunError::StrategyDoesNotCompile { path, .. } => {
                Some(format!("run `collectiq check {}` to see what is wrong", path.display()))
            }
            RunError::NoMailer => Some(
                "set COLLECTIQ_SMTP_URL (or [email] smtp_url), or [email] capture to keep emails in a folder".into(),
            ),
            RunError::Mailer(error) => error.help(),
            RunError::Calendar(_) => Some("set [settings] time zone in the strategy to an IANA zone such as Pacific/Auckland".into()),
            RunError::Store(error) => error.help(),
            RunError::Delivery(error) => error.help(),
            RunError::Dkim(error) => error.help(),
            RunError::Rates(error) => Some(error.help()),
            RunError::PageKey(_) => Some(
                "emails link to customers' pages because [page] base_url is set; fix the key file, or remove base_url to send without links"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_mail_server_address_is_named() {
        use crate::runtime::mailer::Mailer;
        assert!(matches!(Mailer::smtp("ftp://mail.example", None, None, 1), Err(MailerError::Scheme { .. })));
        assert!(matches!(Mailer::smtp("smtp://mail.example?tls=maybe", None, None, 1), Err(MailerError::Tls { .. })));
        assert!(matches!(Mailer::smtp("not a url", None, None, 1), Err(MailerError::UnreadableUrl(_))));
    }
}
