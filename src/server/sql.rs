//! The habits every SQL statement of the server shares, in one place.
//!
//! - **Errors.** `?` turns a `sqlx::Error` into `AppError::Internal` and
//!   logs the cause with the place of the `?`, so a database failure is
//!   never shown to a browser and never swallowed; a database that cannot
//!   be reached or cannot write (`db::is_outage`) becomes
//!   `AppError::Unavailable`, answered 503 with `Retry-After`. A unique-key clash the
//!   person can act on becomes a `Conflict` through [`conflict_on_unique`].
//! - **Dynamic statements.** Filters with a varying number of conditions
//!   are built with [`Where`]: conditions and their bound values grow
//!   together, so placeholder numbers cannot drift from the binds.
//!   [`placeholders`] numbers an `IN (…)` list; [`like_contains`] escapes a
//!   search term for `LIKE … ESCAPE '\'`.
//!
//! Every statement runs unchanged on SQLite and PostgreSQL (`$n`
//! placeholders, integers as `i64`, flags as 0/1).

use crate::api::AppError;
use sqlx::any::AnyArguments;
use sqlx::Any;

impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        let at = std::panic::Location::caller();
        if crate::server::db::is_outage(&e) {
            tracing::warn!(error = %e, at = %at, "the database cannot answer: 503");
            return AppError::Unavailable;
        }
        tracing::error!(error = %e, at = %at, "database error");
        AppError::Internal
    }
}

/// `AppError::Internal` for a failure that is not the person's doing (a
/// closed semaphore, a stored value that no longer decodes, content that
/// vanished under a running attempt): logs `what` and the place, returns
/// the error the browser sees.
#[track_caller]
pub fn internal(what: impl std::fmt::Display) -> AppError {
    let at = std::panic::Location::caller();
    tracing::error!(error = %what, at = %at, "internal error");
    AppError::Internal
}

/// Whether `e` is a unique-key violation, on either database.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code()
                .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// A unique-key clash becomes `Conflict(msg)`; anything else is logged
/// and becomes `Internal`.
#[track_caller]
pub fn conflict_on_unique(e: sqlx::Error, msg: &str) -> AppError {
    if is_unique_violation(&e) {
        AppError::Conflict(msg.to_owned())
    } else {
        AppError::from(e)
    }
}

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `%term%` with `%`, `_` and `\` escaped, for `LIKE $n ESCAPE '\'`.
pub fn like_contains(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// One value bound to a dynamic statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

/// Conditions joined with `AND`, with the values they bind, numbered from
/// `$1` (or from [`Where::starting_at`]) in the order they were added.
#[derive(Debug)]
pub struct Where {
    /// The number of the first placeholder.
    start: usize,
    conds: Vec<String>,
    binds: Vec<Value>,
}

impl Default for Where {
    fn default() -> Self {
        Where::starting_at(1)
    }
}

impl Where {
    /// A builder that numbers from `$start` (for conditions appended after
    /// a statement's `start - 1` fixed placeholders).
    pub fn starting_at(start: usize) -> Where {
        Where {
            start,
            conds: Vec::new(),
            binds: Vec::new(),
        }
    }

    /// Adds a condition; `{}` in it stands for the next placeholder.
    pub fn push(&mut self, cond: &str, value: impl Into<Value>) {
        let n = self.next();
        self.binds.push(value.into());
        self.conds.push(cond.replace("{}", &format!("${n}")));
    }

    /// Adds a condition that binds nothing.
    pub fn raw(&mut self, cond: impl Into<String>) {
        self.conds.push(cond.into());
    }

    /// `col IN ($n, …)`; an empty list matches nothing.
    pub fn in_list(&mut self, col: &str, ids: &[i64]) {
        if ids.is_empty() {
            self.raw("1 = 0");
            return;
        }
        let ph = placeholders(self.next(), ids.len());
        self.binds.extend(ids.iter().map(|i| Value::Int(*i)));
        self.conds.push(format!("{col} IN ({ph})"));
    }

    /// `(col1 IN ($n, …) OR col2 IN ($n, …))`: one list of values, bound
    /// once, that any of `cols` may match; an empty list matches nothing.
    pub fn in_any_list(&mut self, cols: &[&str], ids: &[i64]) {
        if ids.is_empty() || cols.is_empty() {
            self.raw("1 = 0");
            return;
        }
        let ph = placeholders(self.next(), ids.len());
        self.binds.extend(ids.iter().map(|i| Value::Int(*i)));
        let any: Vec<String> = cols.iter().map(|c| format!("{c} IN ({ph})")).collect();
        self.conds.push(format!("({})", any.join(" OR ")));
    }

    /// The conditions joined with `AND` (`1 = 1` when there are none).
    pub fn sql(&self) -> String {
        if self.conds.is_empty() {
            "1 = 1".into()
        } else {
            self.conds.join(" AND ")
        }
    }

    /// ` WHERE …`, or nothing when there are no conditions.
    pub fn clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }

    /// The number of the next placeholder.
    pub fn next(&self) -> usize {
        self.start + self.binds.len()
    }

    pub fn binds(&self) -> &[Value] {
        &self.binds
    }
}

/// Statements that take bound values: `query`, `query_as`, `query_scalar`.
pub trait BindValues: Sized {
    fn bind_value(self, v: &Value) -> Self;

    fn bind_values(mut self, values: &[Value]) -> Self {
        for v in values {
            self = self.bind_value(v);
        }
        self
    }
}

impl<'q> BindValues for sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    fn bind_value(self, v: &Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.clone()),
        }
    }
}

impl<'q, O> BindValues for sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>> {
    fn bind_value(self, v: &Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.clone()),
        }
    }
}

impl<'q, O> BindValues for sqlx::query::QueryScalar<'q, Any, O, AnyArguments<'q>> {
    fn bind_value(self, v: &Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 1), "$4");
    }

    #[test]
    fn where_numbers_conditions_in_order() {
        let mut w = Where::default();
        assert_eq!(w.sql(), "1 = 1");
        assert_eq!(w.clause(), "");
        w.in_list("team_id", &[7, 8]);
        w.push("course_id = {}", "c");
        w.raw("disabled = 0");
        assert_eq!(
            w.sql(),
            "team_id IN ($1, $2) AND course_id = $3 AND disabled = 0"
        );
        assert_eq!(w.next(), 4);
        assert_eq!(
            w.binds(),
            &[Value::Int(7), Value::Int(8), Value::Text("c".into())]
        );
        let mut either = Where::default();
        either.in_any_list(&["a.t", "u.t"], &[3]);
        assert_eq!(either.sql(), "(a.t IN ($1) OR u.t IN ($1))");
        let mut empty = Where::default();
        empty.in_list("id", &[]);
        assert_eq!(empty.sql(), "1 = 0");
        let mut tail = Where::starting_at(5);
        tail.push("a = {}", 1i64);
        tail.push("b = {}", 2i64);
        assert_eq!(tail.sql(), "a = $5 AND b = $6");
        assert_eq!(tail.next(), 7);
    }

    #[test]
    fn like_terms_are_escaped() {
        assert_eq!(like_contains("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(like_contains(""), "%%");
    }
}
