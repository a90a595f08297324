//! Pure types and rules of the product: no database, no web framework.
//! Everything here can be unit-tested in isolation.

pub mod account;
pub mod completion;
pub mod condition;
pub mod course;
pub mod organisation;
pub mod play;
pub mod quiz_play;
pub mod rng;
pub mod roles;
pub mod scenario;
pub mod sso;
pub mod time;

pub use account::{Email, Password, PersonName, TeamName, ValidationError};
pub use roles::{Role, Roles};
