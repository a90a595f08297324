//! An email's plain-text and HTML bodies, from a few blocks of text. Every
//! value is escaped in the HTML; links are absolute.

use super::Kind;

/// A piece of a message.
#[derive(Clone, Debug)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    /// A link to a page of the app: its label and path (`/learn/…`).
    Action(String, String),
}

/// What a message says, before the greeting and footer are added.
#[derive(Clone, Debug, Default)]
pub struct Body(pub Vec<Block>);

impl Body {
    pub fn para(mut self, s: impl Into<String>) -> Self {
        self.0.push(Block::Para(s.into()));
        self
    }
    pub fn list(mut self, items: Vec<String>) -> Self {
        self.0.push(Block::List(items));
        self
    }
    pub fn action(mut self, label: impl Into<String>, path: impl Into<String>) -> Self {
        self.0.push(Block::Action(label.into(), path.into()));
        self
    }
}

fn esc(s: &str) -> String {
    crate::content::markdown::escape(s)
}

fn why(kind: Kind) -> &'static str {
    match kind {
        Kind::Nudge => "your manager sent a reminder about a course",
        Kind::DueSoon | Kind::Overdue => "a course assigned to you has a due date",
        Kind::Digest => "you manage a team",
        Kind::Certificate => "you completed a course",
        Kind::Invite => "an administrator invited you or reset your password",
    }
}

/// The plain-text and HTML bodies.
pub(super) fn render(
    org: &str,
    base: &str,
    name: &str,
    body: &Body,
    unsubscribe: Option<&str>,
    kind: Kind,
) -> (String, String) {
    let mut text = format!("Hello {name},\n\n");
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body style=\"font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1f; \
         max-width: 36em; margin: 0 auto; padding: 1em;\">\n\
         <p style=\"color: #4a4a55; font-weight: 600;\">{}</p>\n<p>Hello {},</p>\n",
        esc(org),
        esc(name)
    );
    for b in &body.0 {
        match b {
            Block::Para(p) => {
                text.push_str(p);
                text.push_str("\n\n");
                html.push_str(&format!("<p>{}</p>\n", esc(p)));
            }
            Block::List(items) => {
                html.push_str("<ul>\n");
                for i in items {
                    text.push_str(&format!("- {i}\n"));
                    html.push_str(&format!("<li>{}</li>\n", esc(i)));
                }
                text.push('\n');
                html.push_str("</ul>\n");
            }
            Block::Action(label, path) => {
                let url = format!("{base}{path}");
                text.push_str(&format!("{label}: {url}\n\n"));
                html.push_str(&format!(
                    "<p><a href=\"{}\" style=\"display: inline-block; padding: 0.5em 1em; \
                     background: #3b3bb3; color: #ffffff; border-radius: 4px; text-decoration: none;\">{}</a></p>\n",
                    esc(&url),
                    esc(label)
                ));
            }
        }
    }
    text.push_str(&format!(
        "-- \n{org} training, sent by Rapport because {}.\n",
        why(kind)
    ));
    html.push_str(&format!(
        "<hr style=\"border: 0; border-top: 1px solid #d0d0d8;\">\n\
         <p style=\"font-size: 0.875em; color: #4a4a55;\">{} training, sent by Rapport because {}.",
        esc(org),
        why(kind)
    ));
    if let Some(u) = unsubscribe {
        text.push_str(&format!("Stop these emails: {u}\n"));
        html.push_str(&format!(
            " <a href=\"{}\" style=\"color: #4a4a55;\">Stop these emails</a>",
            esc(u)
        ));
    }
    html.push_str("</p>\n</body></html>\n");
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_escape_and_link() {
        let body = Body::default()
            .para("“Handling <complaints>” was due on 1 Dec.")
            .list(vec!["A & B".into()])
            .action("Open the course", "/learn/complaints?x=1&y=2");
        let (text, html) = render(
            "Acme <Ltd>",
            "https://r.example",
            "Zoë \"Z\" O'Neil",
            &body,
            Some("https://r.example/unsubscribe/1.nudge.abc"),
            Kind::Nudge,
        );
        assert!(text.starts_with("Hello Zoë \"Z\" O'Neil,\n\n"));
        assert!(text.contains("Open the course: https://r.example/learn/complaints?x=1&y=2\n"));
        assert!(text.contains("- A & B\n"));
        assert!(text.contains("Stop these emails: https://r.example/unsubscribe/1.nudge.abc"));
        assert!(
            html.contains("<p>Hello Zoë &quot;Z&quot; O'Neil,</p>"),
            "{html}"
        );
        assert!(html.contains("Acme &lt;Ltd&gt;"));
        assert!(html.contains("&lt;complaints&gt;"));
        assert!(html.contains("href=\"https://r.example/learn/complaints?x=1&amp;y=2\""));
        assert!(!html.contains("<complaints>"));
        let (text, _) = render(
            "Acme",
            "https://r",
            "A",
            &Body::default(),
            None,
            Kind::Invite,
        );
        assert!(!text.contains("Stop these emails"));
    }
}
