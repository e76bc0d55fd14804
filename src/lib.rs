//! Assay: continuous sensitive-data discovery for ML training data.
//!
//! The modules follow the data flow: `sources` sample files into Arrow batches,
//! `classify` turns values into column labels, `scan` drives a one-off scan, `report`
//! renders its result, `store` keeps sources, scans and findings, and `schedule` rescans
//! registered sources when they are due; the store's contamination check turns findings
//! into alerts on feature sets, `deliver` sends them to webhooks, `attest` signs the
//! gate's answer for a model record, and `apply` checks and plans a declared `assay.yaml`.

pub mod api;
pub mod apply;
pub mod attest;
pub mod classify;
pub mod config;
pub mod deliver;
pub mod report;
pub mod scan;
pub mod schedule;
pub mod sources;
pub mod store;
pub mod web;
