//! Shared test harness: the binary, real S3, real Postgres.
// Each test binary uses its own subset of the harness.
#![allow(dead_code)]

pub mod cli;
pub mod s3;
