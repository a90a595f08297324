//! Email: the kinds a person gets, unsubscribe links, and the admin's view
//! of the outbox.

use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailChoice {
    pub kind: String,
    pub label: String,
    pub on: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailChoices {
    /// Whether this server sends email at all.
    pub email_on: bool,
    pub choices: Vec<MailChoice>,
}

/// The kinds ticked in the form (`email[nudge]=on`), present when ticked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MailBoxes {
    pub nudge: Option<String>,
    pub due_soon: Option<String>,
    pub overdue: Option<String>,
    pub digest: Option<String>,
    pub certificate: Option<String>,
}

impl MailBoxes {
    pub fn ticked(&self, kind: &str) -> bool {
        match kind {
            "nudge" => self.nudge.is_some(),
            "due_soon" => self.due_soon.is_some(),
            "overdue" => self.overdue.is_some(),
            "digest" => self.digest.is_some(),
            "certificate" => self.certificate.is_some(),
            _ => false,
        }
    }
}

/// The signed-in person's email choices.
#[server(endpoint = "mail_prefs")]
pub async fn mail_prefs() -> Result<EmailChoices, AppError> {
    use crate::server::{guard, mail};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let off = mail::optouts(&state.db, user.id).await?;
    Ok(EmailChoices {
        email_on: state.mail.settings().is_some(),
        choices: mail::Kind::OPTIONAL
            .iter()
            .map(|k| MailChoice {
                kind: k.as_str().to_owned(),
                label: k.label().to_owned(),
                on: !off.contains(k),
            })
            .collect(),
    })
}

/// Saves which kinds of email the signed-in person gets.
#[server(endpoint = "set_mail_prefs")]
pub async fn set_mail_prefs(email: Option<MailBoxes>) -> Result<(), AppError> {
    use crate::server::{guard, mail};
    let state = guard::state()?;
    let user = guard::require_user()?;
    let boxes = email.unwrap_or_default();
    let choices: Vec<(mail::Kind, bool)> = mail::Kind::OPTIONAL
        .iter()
        .map(|k| (*k, !boxes.ticked(k.as_str())))
        .collect();
    let result = mail::set_optouts(&state.db, user.id, &choices).await;
    guard::redirect_result("/account", &result, |_| {
        "/account?mail_saved=1#email".into()
    });
    result
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribeLink {
    pub label: String,
    /// Already turned off.
    pub off: bool,
}

/// What an unsubscribe link stops. Anyone holding the link may ask.
#[server(endpoint = "unsubscribe_info")]
pub async fn unsubscribe_info(token: String) -> Result<UnsubscribeLink, AppError> {
    use crate::server::{guard, mail};
    let state = guard::state()?;
    let (user, kind) = state.mail.verify_unsubscribe(&token).ok_or_else(|| {
        AppError::NotFound(
            "This unsubscribe link is not valid. Choose which emails you get under My account."
                .into(),
        )
    })?;
    let off = mail::optouts(&state.db, user).await?.contains(&kind);
    Ok(UnsubscribeLink {
        label: kind.label().to_owned(),
        off,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutboxRow {
    pub id: i64,
    pub created_at: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub finished_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxView {
    pub email_on: bool,
    /// SMTP host, port and security, without the password.
    pub server: Option<String>,
    pub from: Option<String>,
    pub public_url: Option<String>,
    /// Messages per status.
    pub counts: Vec<(String, i64)>,
    pub status: Option<String>,
    /// The most recent messages (of `status`, when given).
    pub rows: Vec<OutboxRow>,
    /// The LRS statements go to, when xAPI is on.
    pub xapi_endpoint: Option<String>,
    /// xAPI statements per status.
    pub xapi_counts: Vec<(String, i64)>,
}

pub const OUTBOX_STATUSES: [(&str, &str); 5] = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Refused"),
    ("gave_up", "Gave up"),
    ("skipped", "Turned off by the person"),
];

/// The outbox, for administrators.
#[server(endpoint = "admin_outbox")]
pub async fn admin_outbox(status: Option<String>) -> Result<OutboxView, AppError> {
    use crate::server::{guard, mail};
    let state = guard::state()?;
    guard::require_admin()?;
    let status = status.filter(|s| !s.is_empty());
    if let Some(s) = &status {
        if !OUTBOX_STATUSES.iter().any(|(v, _)| v == s) {
            return Err(AppError::Invalid("Choose a status from the list.".into()));
        }
    }
    let settings = state.mail.settings();
    Ok(OutboxView {
        email_on: settings.is_some(),
        server: settings.map(|s| s.smtp.describe()),
        from: settings.map(|s| s.from.clone()),
        public_url: settings.map(|s| s.public_url.clone()),
        counts: mail::outbox_counts(&state.db).await?,
        rows: mail::outbox_recent(&state.db, status.as_deref(), 100).await?,
        status,
        xapi_endpoint: state.xapi.settings().map(|x| x.endpoint.clone()),
        xapi_counts: crate::server::xapi::outbox_counts(&state.db).await?,
    })
}

/// Sends the attempts finished before xAPI was turned on to the LRS.
/// Administrators only; pressing it again queues nothing new.
#[server(endpoint = "admin_xapi_backfill")]
pub async fn admin_xapi_backfill() -> Result<i64, AppError> {
    use crate::server::{guard, xapi};
    let state = guard::state()?;
    guard::require_admin()?;
    let result = xapi::backfill::backfill(&state).await.map(|n| n as i64);
    guard::redirect_result("/admin/email", &result, |n| {
        format!("/admin/email?backfilled={n}")
    });
    result
}
