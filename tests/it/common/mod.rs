//! Shared test harness: the binary, real object-store servers (S3, GCS, Azure), a fresh
//! Postgres database, a throwaway Postgres cluster to stop and start.
// Not every helper is used by every suite.
#![allow(dead_code)]

pub mod azure;
pub mod cli;
pub mod cluster;
pub mod gcs;
pub mod http;
pub mod pg;
pub mod receiver;
pub mod s3;
pub mod service;
