//! Server functions, one file per feature, and the types they exchange with
//! the browser. Each server function is thin: it asks who is calling, checks
//! that they may do this, and calls plain server code in `crate::server`.

pub mod account;
pub mod admin;
pub mod auth;
pub mod authoring;
pub mod content;
pub mod dashboard;
pub mod error;
pub mod learn;
pub mod mail;
pub mod organisation;
pub mod sso;
pub mod team;

pub use error::AppError;
