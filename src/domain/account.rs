//! Values that come from people and must be checked before they are used:
//! "parse, don't validate". Each type can only be built through `parse`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

fn invalid<T>(msg: impl Into<String>) -> Result<T, ValidationError> {
    Err(ValidationError(msg.into()))
}

/// An email address, trimmed and lower-cased so that one person has one
/// account whatever the capitalisation they type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, ValidationError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return invalid("Enter an email address.");
        }
        if s.len() > Self::MAX_LEN {
            return invalid("That email address is too long.");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return invalid("Enter an email address like name@example.com.");
        };
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c);
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
        {
            return invalid("Enter an email address like name@example.com.");
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password. Follows NIST SP 800-63B: a minimum length, a generous
/// maximum, any characters (including spaces and pasted text), no
/// composition rules.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Password, ValidationError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return invalid(format!(
                "Choose a password of at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if n > Self::MAX_CHARS {
            return invalid(format!(
                "Choose a password of at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// A password must never end up in a log line by accident.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn parse_name(raw: &str, what: &str, max: usize) -> Result<String, ValidationError> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return invalid(format!("Enter a {what}."));
    }
    if s.chars().count() > max {
        return invalid(format!("The {what} can be at most {max} characters."));
    }
    if s.chars().any(|c| c.is_control()) {
        return invalid(format!(
            "The {what} contains characters that cannot be shown."
        ));
    }
    Ok(s)
}

/// A person's display name: 1 to 100 characters, spaces folded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, ValidationError> {
        parse_name(raw, "name", 100).map(PersonName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A team's name: 1 to 80 characters, spaces folded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamName(String);

impl TeamName {
    pub fn parse(raw: &str) -> Result<TeamName, ValidationError> {
        parse_name(raw, "team name", 80).map(TeamName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where to send a person after signing in. Only paths on this site are
/// accepted, so a crafted link cannot bounce a user to another site.
pub fn safe_next_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok && !next.starts_with("/api/") {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse("  Dana@Example.COM ").unwrap().as_str(),
            "dana@example.com"
        );
    }

    #[test]
    fn email_rejects_malformed_input() {
        for bad in [
            "",
            "   ",
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "da na@example.com",
            "a@b@c.com",
            "dana@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_length_rules() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("exactly8").is_ok());
        assert!(Password::parse("correct horse battery staple").is_ok());
        assert!(Password::parse(&"x".repeat(64)).is_ok());
        assert!(Password::parse(&"x".repeat(256)).is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        // Characters count, not bytes: eight accented letters are enough.
        assert!(Password::parse("éééééééé").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-pass").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn names_fold_spaces_and_limit_length() {
        assert_eq!(
            PersonName::parse("  Dana   Scully ").unwrap().as_str(),
            "Dana Scully"
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
        assert!(TeamName::parse("Contact\u{7}Centre").is_err());
    }

    #[test]
    fn next_path_stays_on_site() {
        assert_eq!(safe_next_path("/admin/users"), "/admin/users");
        assert_eq!(safe_next_path("https://evil.example"), "/");
        assert_eq!(safe_next_path("//evil.example"), "/");
        assert_eq!(safe_next_path("/\\evil.example"), "/");
        assert_eq!(safe_next_path("/api/logout"), "/");
        assert_eq!(safe_next_path(""), "/");
    }
}
