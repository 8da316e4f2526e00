//! Business rules, apart from HTTP, unit-tested without a server.
pub mod assessment;
pub mod criteria;
pub mod password;
pub mod text;
pub mod units;
