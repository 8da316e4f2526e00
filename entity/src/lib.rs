//! sea-orm entities of ntm-api: the tables only. Behaviour, request and response types live
//! in the service crate (`src/`), never here.
pub mod change;
pub mod criteria_set;
pub mod criteria_version;
pub mod refresh_token;
pub mod unit;
pub mod user;
