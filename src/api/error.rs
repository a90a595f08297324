//! The one error type every server function returns.
//!
//! Policy: a variant is either something the person can act on (its message
//! is shown as is) or `Internal`, whose details are logged on the server and
//! never sent to the browser. Database errors become `Internal`, except a
//! database that cannot be reached or cannot write, which is `Unavailable`
//! (503: try again), never a 500.

use leptos::server_fn::error::ServerFnErrorErr;
use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this page.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("The request could not be understood: {0}")]
    BadRequest(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The database cannot be reached or cannot write (down, restarting,
    /// out of connections, disk full): answered 503 with `Retry-After`.
    #[error("Nothing was saved: the database is not answering right now. Try again in a moment.")]
    Unavailable,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::BadRequest(_) => 400,
            AppError::Internal => 500,
            AppError::Unavailable => 503,
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} was not found."))
    }
}

impl From<crate::domain::ValidationError> for AppError {
    fn from(e: crate::domain::ValidationError) -> Self {
        AppError::Invalid(e.0)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => AppError::BadRequest(m),
            ServerFnErrorErr::Request(_) => AppError::Invalid(
                "The server could not be reached. Check your connection and try again.".into(),
            ),
            _ => AppError::Internal,
        }
    }
}
