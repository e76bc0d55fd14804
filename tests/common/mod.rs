//! Shared test harness: the binary, a real S3 server, a fresh Postgres database.
// Each test binary uses its own subset of the harness.
#![allow(dead_code)]

pub mod cli;
pub mod pg;
pub mod s3;
pub mod azure;
