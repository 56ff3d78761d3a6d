//! How names compare and how they become parts of ids, shared by the checker (which keeps names
//! apart) and the plan (which builds ids from them).

/// Segment names compare without regard to case: "SMB" and "smb" are one segment.
pub fn segment_key(name: &str) -> String {
    name.to_lowercase()
}

/// `Trial conversions` → `trial-conversions`: letters and digits, runs of anything else as `-`.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

/// FNV-1a: a tiny hash that never changes between Rust versions, unlike the standard hasher.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_read_as_the_names_do() {
        assert_eq!(slug("Trial conversions"), "trial-conversions");
        assert_eq!(slug("  Key  Accounts!! "), "key-accounts");
        assert_eq!(slug("Māori Trust"), "māori-trust");
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
