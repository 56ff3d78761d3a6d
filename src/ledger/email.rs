//! E-mail addresses as CollectIQ accepts them in strategies and Xero contacts.

/// Whether `text` is a plain address such as `ar@acme.example`: one `@`, a local part, a domain
/// with a dot, and nothing that could smuggle another header or recipient into a message.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let forbidden =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"' | '@' | '(' | ')');
    !local.is_empty()
        && !local.contains(forbidden)
        && !domain.contains(forbidden)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses() {
        assert!(is_email_address("ar@acme.example"));
        assert!(is_email_address("first.last+ar@mail.acme.co.nz"));
    }

    #[test]
    fn rejects_anything_else() {
        for bad in [
            "",
            "acme.example",
            "@acme.example",
            "ar@",
            "ar@acme",
            "ar@@acme.example",
            "a r@acme.example",
            "ar@acme.example\nBcc: x@y.z",
            "Acme <ar@acme.example>",
            "ar@.example",
            "ar@acme..example",
        ] {
            assert!(!is_email_address(bad), "{bad:?} should be refused");
        }
    }
}
