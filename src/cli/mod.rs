//! The command line's subcommand groups, one file each; `main.rs` only parses and
//! dispatches. Service commands other than `serve`, `migrate` and `tokens create` are
//! clients of a running `assay serve` (`client.rs`), so they go through the same roles and
//! audit log as every other client.

pub mod apply;
pub mod client;
pub mod feature_sets;
pub mod gate;
pub mod scan;
pub mod serve;
pub mod sources;
pub mod tokens;

use std::io::IsTerminal;

use anyhow::Context;
use clap::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Json,
    Table,
}

impl OutputFormat {
    /// The format asked for, or a table on a terminal and JSON otherwise.
    pub fn or_default(f: Option<OutputFormat>) -> OutputFormat {
        f.unwrap_or(if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Json })
    }
}

/// The async runtime, with the process's TLS provider installed.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // object_store and sqlx use aws-lc-rs; with ring also linked (by dev tools), rustls
    // cannot choose on its own, so say which. An error only means one is installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}
