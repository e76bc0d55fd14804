//! The `assay` command line: parse and dispatch to `cli/`. `anyhow` lives here and there only.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use assay::classify::RuleSource;
use cli::sources::SourcesCommand;
use cli::tokens::TokensCommand;
use cli::OutputFormat;

#[derive(Parser)]
#[command(name = "assay", version, about = "Sensitive-data discovery for ML training data")]
struct Cli {
    /// Load classifiers from this directory instead of the built-in set.
    #[arg(long, global = true, env = "ASSAY_RULES_DIR")]
    rules: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Sample files, object-store prefixes or databases and report sensitive columns.
    Scan {
        /// Paths, file:// s3:// gs:// az:// abfs:// URLs (Parquet, CSV, TSV, NDJSON; .gz/.zst
        /// for text), or postgres:// DSNs; `env:NAME` or `file:/path` to read one from there.
        #[arg(required = true)]
        locations: Vec<String>,
        /// Database tables to scan: `schema.table` or `schema.*` (default: every table).
        #[arg(long = "table")]
        tables: Vec<String>,
        /// Print bytes read and requests made to stderr.
        #[arg(long)]
        stats: bool,
        /// Output format (default: table on a terminal, JSON otherwise).
        #[arg(long)]
        format: Option<OutputFormat>,
        /// Rows sampled per file.
        #[arg(long, default_value_t = 1000)]
        sample_rows: usize,
        /// Drop labels whose confidence is below this.
        #[arg(long, default_value_t = 0.0)]
        min_confidence: f64,
        /// Bytes of a value that are matched; longer values are cut.
        #[arg(long, default_value_t = assay::classify::engine::DEFAULT_MAX_VALUE_LEN)]
        max_value_bytes: usize,
    },
    /// List the data files of a location with size, ETag and last-modified (JSON lines),
    /// the facts an incremental scan compares.
    Ls {
        /// A path, or a file:// s3:// gs:// az:// abfs:// URL.
        location: String,
    },
    /// Run the service: the scheduler and the HTTP API over the store. Settings come from
    /// defaults < assay.toml < ASSAY_* environment < these flags.
    Serve(cli::serve::ServeFlags),
    /// Register, list, remove and scan sources on a running `assay serve`.
    Sources {
        /// The service (ASSAY_URL); the token is read from ASSAY_TOKEN.
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Declare, list, show and remove feature sets on a running `assay serve`.
    #[command(name = "feature-sets")]
    FeatureSets {
        /// The service (ASSAY_URL); the token is read from ASSAY_TOKEN.
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[command(subcommand)]
        command: cli::feature_sets::FeatureSetsCommand,
    },
    /// Is a feature set clean? Exit 0 pass, 1 fail (reasons printed), 2 cannot decide.
    Gate {
        /// The feature set.
        name: String,
        /// Members last scanned longer ago than this fail the gate.
        #[arg(long, default_value = "24h")]
        max_age: String,
        /// Scan the members now and wait (bounded by --timeout).
        #[arg(long)]
        rescan: bool,
        /// Longest wait for an answer; then exit 2.
        #[arg(long, default_value = "10m", value_parser = assay::config::parse_duration)]
        timeout: std::time::Duration,
        #[arg(long, value_enum, default_value = "text")]
        format: cli::gate::GateFormat,
        /// Also write the answer as a signed attestation (for the model record) to FILE.
        #[arg(long, value_name = "FILE")]
        attest: Option<PathBuf>,
        /// The service (ASSAY_URL); the token is read from ASSAY_TOKEN.
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Check a gate attestation: exit 0 intact and signed by the server's key, 1 not.
    Verify {
        file: PathBuf,
        /// The expected public key (hex); default: the server's (GET /api/v1/attestation-key).
        #[arg(long)]
        public_key: Option<String>,
        /// The service (ASSAY_URL), asked for its key when --public-key is not given.
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Make a running `assay serve` hold the sources, webhooks and feature sets a file
    /// declares (exit 0 applied, 1 the file is refused, 2 any other error).
    Apply(cli::apply::ApplyArgs),
    /// API tokens: create (in the store directly), list and revoke (on a running serve).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Apply the store's migrations (the store is `DATABASE_URL`, default sqlite://./assay.db).
    Migrate {
        /// The store: postgres://… or sqlite://path.
        #[arg(long, env = "DATABASE_URL", default_value = assay::store::DEFAULT_URL, hide_env_values = true)]
        database_url: String,
    },
    /// Work with the classifier rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check that every rule matches its examples and none of its negative examples.
    Check,
    /// List the rules with their labels, schemes, severities and validators.
    List {
        /// Only rules whose label is this or starts with it followed by a dot (`pii`,
        /// `pii.national_id`, `secret.aws`).
        #[arg(long)]
        label: Option<String>,
        /// Only rules of this identifier scheme (`in_aadhaar`, `us_passport`).
        #[arg(long)]
        scheme: Option<String>,
        #[arg(long)]
        format: Option<OutputFormat>,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // Output piped into `head` and the like: the reader has what it wanted.
        Err(e) if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("assay: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let src = match &cli.rules {
        Some(d) => RuleSource::Dir(d.clone()),
        None => RuleSource::Builtin,
    };
    match cli.command {
        Command::Scan { locations, tables, stats, format, sample_rows, min_confidence, max_value_bytes } => {
            cli::scan::scan(&src, cli::scan::ScanArgs { locations, tables, stats, format, sample_rows, min_confidence, max_value_bytes })
        }
        Command::Ls { location } => cli::scan::ls(&location),
        Command::Serve(flags) => cli::serve::serve(&src, flags).map(|()| ExitCode::SUCCESS),
        Command::Sources { server, command } => cli::runtime()?.block_on(cli::sources::run(&server, command)),
        Command::FeatureSets { server, command } => cli::runtime()?.block_on(cli::feature_sets::run(&server, command)),
        Command::Gate { name, max_age, rescan, timeout, format, attest, server } => {
            let args = cli::gate::GateArgs { name, max_age, rescan, timeout, format, attest };
            Ok(cli::runtime()?.block_on(cli::gate::gate(&server, args)))
        }
        Command::Verify { file, public_key, server } => Ok(cli::runtime()?.block_on(cli::gate::verify(&server, &file, public_key))),
        Command::Apply(args) => cli::runtime()?.block_on(cli::apply::run(&src, args)),
        Command::Tokens { command } => cli::runtime()?.block_on(cli::tokens::run(command)),
        Command::Migrate { database_url } => cli::runtime()?.block_on(cli::serve::migrate(&database_url)).map(|()| ExitCode::SUCCESS),
        Command::Rules { command: RulesCommand::Check } => cli::scan::rules_check(&src),
        Command::Rules { command: RulesCommand::List { label, scheme, format } } => cli::scan::rules_list(&src, label.as_deref(), scheme.as_deref(), OutputFormat::or_default(format)),
    }
}
