//! One module per page (or group of related pages).

pub mod account;
pub mod admin;
pub mod admin_sso;
pub mod authoring;
pub mod content;
pub mod dashboard;
pub mod home;
pub mod learn;
pub mod login;
pub mod not_found;
pub mod team;
