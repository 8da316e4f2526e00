//! HTTP-level tests through the real app, on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL=postgres://…` is set (each test its own database, dropped after).
mod helpers;

mod access;
mod assessments;
mod audit;
mod audit_writes;
mod auth;
mod changes;
mod conditional;
mod criteria;
mod documents;
mod health;
mod idempotency;
mod import;
mod input;
mod openapi;
mod operations;
mod recognitions;
mod reference;
mod reports;
mod security;
mod sponsorships;
mod sync;
mod units;
mod unknown;
mod users;
