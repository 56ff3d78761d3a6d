//! Machine answers that are not bounces: out-of-office notices, vacation responders, list mail.
//! They are recorded and pause nothing.

use super::message::Inbound;

/// Subjects of out-of-office answers (lower-case prefixes). Add a language's by adding lines.
pub const OUT_OF_OFFICE_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "out of office",
    "out of the office",
    "away from the office",
    "on vacation",
    "on leave",
    "abwesenheitsnotiz",
    "réponse automatique",
    "respuesta automática",
    // Read and delivery receipts (Outlook's), which are no answer either.
    "read:",
    "not read:",
    "delivered:",
];

/// Why a message is an automatic answer, or none.
pub fn automatic(inbound: &Inbound) -> Option<String> {
    if let Some(value) = &inbound.auto_submitted {
        // RFC 3834: any value but `no`; a value may carry a comment, `auto-generated (failure)`.
        let keyword = value.split(['(', ';']).next().unwrap_or_default().trim().to_ascii_lowercase();
        if !keyword.is_empty() && keyword != "no" {
            return Some(format!("it carries Auto-Submitted: {value}"));
        }
    }
    if inbound.is_read_receipt {
        return Some("it is a read receipt (a disposition-notification report)".into());
    }
    if inbound.x_autoreply {
        return Some("it carries X-Autoreply".into());
    }
    if inbound.x_autorespond {
        return Some("it carries X-Autorespond".into());
    }
    if let Some(precedence) = &inbound.precedence
        && matches!(precedence.as_str(), "auto_reply" | "bulk" | "junk" | "list")
    {
        return Some(format!("it carries Precedence: {precedence}"));
    }
    if let Some(list) = &inbound.list_id {
        return Some(format!("it is list mail (List-Id: {list})"));
    }
    let subject = inbound.subject.as_deref().unwrap_or_default().trim().to_lowercase();
    let subject = subject.trim_start_matches("re:").trim_start();
    OUT_OF_OFFICE_SUBJECTS
        .iter()
        .find(|prefix| subject.starts_with(*prefix))
        .map(|prefix| format!("its subject starts like an out-of-office answer (\"{prefix}\")"))
}

/// Whether only `List-Id` marks the message as automatic: a customer's accounts address can be a
/// group, so a threaded answer from their own address is still a reply.
pub fn only_list_id(inbound: &Inbound) -> bool {
    inbound.list_id.is_some() && automatic(&Inbound { list_id: None, ..inbound.clone() }).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Inbound)) -> Inbound {
        let mut inbound = Inbound { subject: Some("Re: invoice".into()), ..Inbound::default() };
        f(&mut inbound);
        inbound
    }

    #[test]
    fn auto_submitted_no_is_a_person_and_comments_are_read_past() {
        assert_eq!(automatic(&with(|i| i.auto_submitted = Some("no".into()))), None);
        assert!(automatic(&with(|i| i.auto_submitted = Some("auto-generated (vacation)".into()))).is_some());
        assert_eq!(automatic(&with(|i| i.auto_submitted = Some("No (person)".into()))), None);
    }

    #[test]
    fn out_of_office_subjects_are_recognised_from_the_table() {
        for subject in
            ["Automatic reply: Invoice", "Out of Office AutoReply: x", "Out of office", "Auto-reply: x", "AUTOREPLY"]
        {
            assert!(automatic(&with(|i| i.subject = Some(subject.into()))).is_some(), "{subject}");
        }
        assert_eq!(automatic(&with(|i| i.subject = Some("Re: when will you be out of office?".into()))), None);
    }

    #[test]
    fn precedence_list_id_and_x_headers_mark_machine_mail() {
        assert!(automatic(&with(|i| i.precedence = Some("bulk".into()))).is_some());
        assert_eq!(automatic(&with(|i| i.precedence = Some("first-class".into()))), None);
        assert!(automatic(&with(|i| i.x_autoreply = true)).is_some());
        assert!(only_list_id(&with(|i| i.list_id = Some("<ap.ridgeway.example>".into()))));
        assert!(!only_list_id(&with(|i| {
            i.list_id = Some("x".into());
            i.x_autoreply = true;
        })));
    }
}
