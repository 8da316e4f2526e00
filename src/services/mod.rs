//! Repository functions and business operations used by the HTTP handlers, the command
//! line and (later) the sync endpoints: one code path for each write.
pub mod changes;
pub mod criteria;
pub mod units;
pub mod users;
