//! The integration tests: one binary (each file a suite) so that arrow, parquet and sqlx
//! are linked once, not once per suite. Every suite drives the `assay` binary or its HTTP
//! API the way users do, through the harness in `common/`.

mod common;

mod apply;
mod auth;
mod binary;
mod breadth;
mod breadth_columns;
mod changes;
mod check_digests;
mod dashboard;
mod events;
mod faults;
mod feature_sets;
mod limits;
mod national_ids;
mod phones;
mod objectstore;
mod postgres;
mod rules;
mod scan;
mod serve;
mod store;
mod table_formats;
mod webhooks;
mod workers;
