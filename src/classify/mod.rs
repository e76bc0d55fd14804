//! Classification: rule files in, column labels out.
//!
//! `rule` is the YAML schema, `loader` reads rules and dictionaries, `engine` runs the
//! prefilter → regex → validator pipeline on one value (with `masks`, the value's byte
//! classes; `gate` and `trie`, the literal and word-list lookups; `ascii`, dense DFAs for
//! ASCII windows; `split`, value spans without captures), `dictionary` holds the name and
//! address matchers, `validators` the checksums and structure checks, `columns` feeds Arrow
//! arrays in, `coordinates` recognises latitude/longitude column pairs held as numbers,
//! `phones` checks national phone numbers against the numbering plans of the regions a
//! column's context names, and `verdict` aggregates a column's hits into labels with masked evidence.
//! This module does no I/O beyond reading its own rule files, and nothing outside
//! `verdict` keeps a matched value.

mod ascii;
pub mod columns;
pub mod coordinates;
pub mod dictionary;
pub mod engine;
mod gate;
pub mod lint;
pub mod loader;
mod masks;
pub mod phones;
pub mod rule;
mod split;
mod trie;
pub mod validators;
pub mod verdict;

pub use engine::{Engine, Scratch};
pub use loader::{LoadError, RuleSource};
pub use verdict::{ColumnAccumulator, LabelVerdict};
