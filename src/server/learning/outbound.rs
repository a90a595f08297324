//! What a step sends beyond its own rows: the xAPI statements it makes and
//! where a finished attempt's email and statements go.

use super::attempts::Finish;
use super::find_course;
use super::steps::StepContext;
use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::server::xapi::statements::Actor;
use crate::server::xapi::Statement;
use crate::server::AppState;

/// The person as xAPI statements name them.
pub(super) fn actor(user: &SessionUser) -> Actor<'_> {
    Actor {
        user_id: user.id,
        email: &user.email,
        name: &user.name,
    }
}

/// Where a finished attempt's news goes besides the database rows.
pub(super) struct Outbound<'a> {
    pub(super) mail: &'a crate::server::mail::Mail,
    pub(super) xapi: &'a crate::server::xapi::Xapi,
}

/// A scenario step's statements: the reply (scene, replies on offer, the
/// one taken, typed or not) and the ending, when it reaches one.
pub(super) fn scenario_statements(
    state: &AppState,
    user: &SessionUser,
    cx: &StepContext,
    reply: Option<(&crate::domain::scenario::Scene, &[usize], usize, bool)>,
    finish: Option<&Finish>,
) -> Result<Vec<Statement>, AppError> {
    let Some(b) = state.xapi.builder() else {
        return Ok(Vec::new());
    };
    let course = find_course(&cx.catalog, &cx.attempt.course_id)?;
    let who = actor(user);
    let id = cx.attempt.id;
    let mut out = Vec::new();
    if let Some((scene, offered, chosen, typed)) = reply {
        out.push(b.responded(&who, id, course, &cx.item, scene, offered, chosen, typed));
    }
    if let Some(f) = finish {
        let outcome = f.outcome.as_deref().unwrap_or("");
        out.push(b.ended(&who, id, course, &cx.item, outcome, f.score));
    }
    Ok(out)
}
