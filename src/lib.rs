//! ntm-api: the service behind the National Target Programme on New Rural Development
//! (Chương trình mục tiêu quốc gia xây dựng nông thôn mới).
//!
//! Layout: [`startup`] builds the app, [`api`] holds the HTTP handlers (one module per
//! resource), [`services`] the database operations, [`domain`] the business rules apart
//! from HTTP and database, [`auth`] tokens and the role/scope check, [`error`] the one
//! error type.
pub mod access;
pub mod api;
pub mod auth;
pub mod conditional;
pub mod config;
pub mod decode;
pub mod domain;
pub mod error;
pub mod extract;
pub mod health_probe;
pub mod i18n;
pub mod idempotency;
pub mod import;
pub mod import_criteria;
pub mod language;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod patch;
pub mod reference;
pub mod reference_criteria;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
