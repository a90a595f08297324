//! The roles a person can hold. A person may hold several at once.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Employee,
    Trainer,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Employee, Role::Trainer, Role::Manager, Role::Admin];

    /// The word stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Trainer => "trainer",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Employee => "Employee",
            Role::Trainer => "Trainer",
            Role::Manager => "Manager",
            Role::Admin => "Administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A set of roles, kept sorted and without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut v: Vec<Role> = roles.into_iter().collect();
        v.sort();
        v.dedup();
        Roles(v)
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// "Employee, Manager" for display.
    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_role() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn roles_are_sorted_and_unique() {
        let roles = Roles::new([Role::Admin, Role::Employee, Role::Admin]);
        assert_eq!(
            roles.iter().collect::<Vec<_>>(),
            vec![Role::Employee, Role::Admin]
        );
        assert!(roles.has(Role::Admin));
        assert!(!roles.has(Role::Trainer));
        assert!(roles.has_any(&[Role::Trainer, Role::Employee]));
        assert_eq!(roles.labels(), "Employee, Administrator");
    }
}
