//! The organisation's own name, mission, vision and values, which the
//! template lessons (the brand-values course) show, so each company teaches
//! its own words.

use super::ValidationError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    /// Markdown.
    pub mission: String,
    /// Markdown.
    pub vision: String,
    /// Markdown, usually a list: `- **Honesty**: …`.
    pub values: String,
    /// Unix seconds of the last change; 0 when never set.
    pub updated_at: i64,
}

impl Organisation {
    /// What template lessons show before an admin has written anything.
    pub fn unset() -> Organisation {
        let ask = "*Not written yet: an administrator can add it under Admin → Organisation.*";
        Organisation {
            name: "Our organisation".into(),
            mission: ask.into(),
            vision: ask.into(),
            values: ask.into(),
            updated_at: 0,
        }
    }

    /// The markdown for a template placeholder such as `{{mission}}`.
    pub fn field(&self, placeholder: &str) -> Option<String> {
        match placeholder {
            "organisation" => Some(self.name.clone()),
            "mission" => Some(self.mission.clone()),
            "vision" => Some(self.vision.clone()),
            "values" => Some(self.values.clone()),
            _ => None,
        }
    }

    /// Checks what an admin typed; every field is required.
    pub fn parse(
        name: &str,
        mission: &str,
        vision: &str,
        values: &str,
    ) -> Result<Organisation, ValidationError> {
        let field = |label: &str, text: &str, max: usize| -> Result<String, ValidationError> {
            let t = text.trim();
            if t.is_empty() {
                Err(ValidationError(format!("Write the {label}.")))
            } else if t.chars().count() > max {
                Err(ValidationError(format!(
                    "The {label} is too long: at most {max} characters."
                )))
            } else {
                Ok(t.replace("\r\n", "\n"))
            }
        };
        let name = field("organisation's name", name, 100)?;
        if name.contains('\n') {
            return Err(ValidationError("The name must be one line.".into()));
        }
        Ok(Organisation {
            name,
            mission: field("mission", mission, 2000)?,
            vision: field("vision", vision, 2000)?,
            values: field("values", values, 5000)?,
            updated_at: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_required_and_bounded() {
        assert!(Organisation::parse("Acme", "m", "v", "- x").is_ok());
        assert!(
            matches!(Organisation::parse(" ", "m", "v", "x"), Err(ValidationError(m)) if m.contains("name"))
        );
        assert!(
            matches!(Organisation::parse("A", "m", "", "x"), Err(ValidationError(m)) if m.contains("vision"))
        );
        assert!(Organisation::parse("A\nB", "m", "v", "x").is_err());
        assert!(Organisation::parse("A", &"m".repeat(2001), "v", "x").is_err());
    }
}
