//! Content in the database.
