//! sea-orm entities of ntm-api: the tables, and the enums of their enum-typed columns
//! ([`enums`], with their pure helpers). Behaviour, request and response types live in the
//! service crate (`src/`), never here.
pub mod agency;
pub mod assessment;
pub mod assessment_result;
pub mod assessment_transition;
pub mod assessment_value;
pub mod audit_entry;
pub mod change;
pub mod criteria_set;
pub mod criteria_version;
pub mod criterion_decision;
pub mod document;
pub mod enums;
pub mod idempotency_key;
pub mod login_attempt;
pub mod recognition;
pub mod refresh_token;
pub mod registration;
pub mod sponsorship;
pub mod sponsorship_activity;
pub mod unit;
pub mod unit_designation;
pub mod user;
