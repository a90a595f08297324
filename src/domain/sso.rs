//! Single sign-on rules that need no I/O: a provider's email domains and
//! the rules that turn a claim's values (such as `groups`) into a team,
//! roles and the teams a manager manages.

use super::roles::Role;

/// At most this many mapping rules per provider.
pub const MAX_RULES: usize = 200;
/// At most this many email domains per provider.
pub const MAX_DOMAINS: usize = 50;

/// What one claim value gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gives {
    Team(String),
    Role(Role),
    /// The manager role and this team's dashboard.
    Manages(String),
}

impl Gives {
    /// The team a rule names, to check that it exists.
    pub fn team(&self) -> Option<&str> {
        match self {
            Gives::Team(t) | Gives::Manages(t) => Some(t),
            Gives::Role(_) => None,
        }
    }
}

/// `VALUE = team: NAME`, `VALUE = role: ROLE` or `VALUE = manages: NAME`,
/// one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub value: String,
    pub gives: Gives,
    /// 1-based, for messages.
    pub line: usize,
}

/// Reads the rules; an error names its line.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if out.len() == MAX_RULES {
            return Err(format!(
                "Line {line}: at most {MAX_RULES} rules; group the rest in your provider."
            ));
        }
        let Some((value, what)) = l.split_once('=') else {
            return Err(format!(
                "Line {line}: write “claim value = team: Team name”, “claim value = role: manager” or “claim value = manages: Team name”."
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(format!(
                "Line {line}: the claim value before “=” is missing."
            ));
        }
        let what = what.trim();
        let gives = if let Some(team) = strip_prefix_ci(what, "team:") {
            let team = team.trim();
            if team.is_empty() {
                return Err(format!(
                    "Line {line}: the team's name after “team:” is missing."
                ));
            }
            Gives::Team(team.to_owned())
        } else if let Some(team) = strip_prefix_ci(what, "manages:") {
            let team = team.trim();
            if team.is_empty() {
                return Err(format!(
                    "Line {line}: the team's name after “manages:” is missing."
                ));
            }
            Gives::Manages(team.to_owned())
        } else if let Some(role) = strip_prefix_ci(what, "role:") {
            let role = role.trim().to_lowercase();
            let r = Role::parse(&role).ok_or_else(|| {
                format!(
                    "Line {line}: “{role}” is not a role; use employee, trainer, manager or admin."
                )
            })?;
            Gives::Role(r)
        } else {
            return Err(format!(
                "Line {line}: after “=” write “team: Team name”, “role: manager” or “manages: Team name”."
            ));
        };
        out.push(Rule {
            value: value.to_owned(),
            gives,
            line,
        });
    }
    Ok(out)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// What the rules give a person whose claim holds some values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapped<'a> {
    /// The first matching rule that names a team.
    pub team: Option<&'a str>,
    /// Every matching role (a `manages:` rule gives the manager role).
    pub roles: Vec<Role>,
    /// Every matching `manages:` team; `None` when the rules have no
    /// `manages:` line at all, so the teams an admin assigned by hand stay.
    pub manages: Option<Vec<&'a str>>,
}

/// What `rules` give a person whose claim holds `values`. Values compare
/// exactly: providers send group ids or names as they are.
pub fn apply_rules<'a>(rules: &'a [Rule], values: &[String]) -> Mapped<'a> {
    let mut out = Mapped::default();
    if rules.iter().any(|r| matches!(r.gives, Gives::Manages(_))) {
        out.manages = Some(Vec::new());
    }
    for r in rules {
        if !values.iter().any(|v| v == &r.value) {
            continue;
        }
        match &r.gives {
            Gives::Team(t) if out.team.is_none() => out.team = Some(t.as_str()),
            Gives::Team(_) => {}
            Gives::Role(role) => out.roles.push(*role),
            Gives::Manages(t) => {
                out.roles.push(Role::Manager);
                if let Some(m) = out.manages.as_mut().filter(|m| !m.contains(&t.as_str())) {
                    m.push(t.as_str());
                }
            }
        }
    }
    out
}

/// Email domains as typed (commas, spaces or lines between), lower-cased,
/// without duplicates; refuses what cannot be a domain.
pub fn parse_domains(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for d in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let d = d.trim().trim_start_matches('@').to_lowercase();
        if d.is_empty() {
            continue;
        }
        let ok = d.len() <= 253
            && d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && !d.contains("..")
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !ok {
            return Err(format!(
                "“{d}” is not an email domain (such as example.com)."
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
        if out.len() > MAX_DOMAINS {
            return Err(format!("At most {MAX_DOMAINS} domains per provider."));
        }
    }
    Ok(out)
}

/// The domain of an email address, lower-cased in ASCII only (see
/// `provider_address`).
pub fn email_domain(email: &str) -> Option<String> {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// An address a provider sent, as Rapport compares it with its accounts:
/// lower-cased in ASCII only. Unicode case folding and compatibility
/// normalisation turn look-alikes into plain letters (U+212A KELVIN SIGN
/// into `k`, a full-width `ｋ` into `k`), so an address with anything but
/// ASCII, in the domain or before the `@`, is refused instead of being
/// matched to the account it looks like.
pub fn provider_address(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let Some((local, domain)) = raw.rsplit_once('@') else {
        return Err("not an email address".into());
    };
    if !domain.is_ascii() {
        return Err("its domain is not written in plain ASCII".into());
    }
    if !local.is_ascii() {
        return Err("it has letters outside plain ASCII before the @".into());
    }
    Ok(format!(
        "{}@{}",
        local.to_ascii_lowercase(),
        domain.to_ascii_lowercase()
    ))
}

/// A provider's address name from its label: lower-case letters, digits
/// and dashes.
pub fn slug_of(label: &str) -> String {
    let mut s = String::new();
    for c in label.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 40 {
            break;
        }
    }
    let s = s.trim_end_matches('-').to_owned();
    if s.is_empty() {
        "provider".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_teams_and_roles_and_name_bad_lines() {
        let r = parse_rules("# comment\nSales-EMEA = team: Sales EMEA\n\nleads = ROLE: Manager\n")
            .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].gives, Gives::Team("Sales EMEA".into()));
        assert_eq!(r[0].line, 2);
        assert_eq!(r[1].gives, Gives::Role(Role::Manager));
        assert_eq!(r[1].line, 4);
        let e = parse_rules("a = team: X\nb = boss: yes").unwrap_err();
        assert!(e.starts_with("Line 2:"), "{e}");
        let e = parse_rules("a = role: king").unwrap_err();
        assert!(e.contains("Line 1") && e.contains("king"), "{e}");
        let e = parse_rules("no equals sign").unwrap_err();
        assert!(e.starts_with("Line 1:"), "{e}");
        let e = parse_rules(" = team: X").unwrap_err();
        assert!(e.starts_with("Line 1:"), "{e}");
        let many = "a = role: manager\n".repeat(MAX_RULES + 1);
        assert!(parse_rules(&many).unwrap_err().contains("at most"));
    }

    #[test]
    fn the_first_matching_team_and_every_matching_role_apply() {
        let r = parse_rules("x = team: Other\nsales = team: Sales\nsupport = team: Support\nleads = role: manager\nsales = role: trainer").unwrap();
        let m = apply_rules(&r, &["support".into(), "sales".into(), "leads".into()]);
        assert_eq!(m.team, Some("Sales"));
        assert_eq!(m.roles, vec![Role::Manager, Role::Trainer]);
        assert_eq!(m.manages, None, "no manages: rule, hand-made teams stay");
        let m = apply_rules(&r, &["nobody".into()]);
        assert_eq!((m.team, m.roles.len()), (None, 0));
        // Exact: a group named "Sales" is not "sales".
        assert_eq!(apply_rules(&r, &["Sales".into()]).team, None);
    }

    #[test]
    fn manages_gives_the_role_and_each_team_once() {
        let r = parse_rules(
            "leads-n = MANAGES: North\nleads-s = manages: South\nall-leads = manages: North\nx = team: South",
        )
        .unwrap();
        assert_eq!(r[0].gives, Gives::Manages("North".into()));
        assert_eq!(r[0].gives.team(), Some("North"));
        let m = apply_rules(
            &r,
            &["leads-n".into(), "all-leads".into(), "leads-s".into()],
        );
        assert_eq!(m.manages, Some(vec!["North", "South"]));
        assert!(m.roles.contains(&Role::Manager));
        assert_eq!(m.team, None);
        // The rules manage teams: someone no longer in a leads group
        // manages none.
        let m = apply_rules(&r, &["x".into()]);
        assert_eq!(m.manages, Some(vec![]));
        assert_eq!(m.team, Some("South"));
        let e = parse_rules("a = manages:  ").unwrap_err();
        assert!(e.starts_with("Line 1:") && e.contains("manages:"), "{e}");
    }

    #[test]
    fn domains_are_cleaned_and_checked() {
        assert_eq!(
            parse_domains("Example.com, @shop.example.org\nexample.com").unwrap(),
            vec!["example.com", "shop.example.org"]
        );
        assert!(parse_domains("not a domain!").is_err());
        assert!(parse_domains("localhost").is_err());
        assert!(parse_domains("").unwrap().is_empty());
        assert_eq!(
            email_domain("Ann@Example.COM").as_deref(),
            Some("example.com")
        );
        assert_eq!(email_domain("nobody"), None);
        // Only ASCII folds: KELVIN SIGN stays what it is.
        assert_eq!(
            email_domain("a@\u{212A}ontoso.com").as_deref(),
            Some("\u{212A}ontoso.com")
        );
    }

    #[test]
    fn slugs_are_address_safe() {
        assert_eq!(slug_of("Contoso (Entra ID)"), "contoso-entra-id");
        assert_eq!(slug_of("  "), "provider");
        assert!(slug_of(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn provider_addresses_fold_ascii_only_and_refuse_look_alikes() {
        assert_eq!(
            provider_address(" Kim@Contoso.COM ").as_deref(),
            Ok("kim@contoso.com")
        );
        // U+212A KELVIN SIGN lower-cases to `k` in Unicode: refused.
        assert_eq!("\u{212A}im@contoso.com".to_lowercase(), "kim@contoso.com");
        assert!(provider_address("\u{212A}im@contoso.com").is_err());
        assert!(provider_address("kim@\u{212A}ontoso.com").is_err());
        assert!(provider_address("\u{ff4b}im@contoso.com").is_err());
        assert!(provider_address("nobody").is_err());
    }
}
