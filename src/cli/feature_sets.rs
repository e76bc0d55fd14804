//! `assay feature-sets add|list|show|remove`: clients of a running `assay serve`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use assay::report::printable;
use assay::store::{FeatureSet, FeatureSetSpec, MemberSpec};

use super::client::{segment, Client};
use super::OutputFormat;

#[derive(Subcommand)]
pub enum FeatureSetsCommand {
    /// Declare a feature set of one source's columns, free of every label it does not allow.
    Add {
        name: String,
        /// The source the columns belong to.
        #[arg(long)]
        source: String,
        /// Comma-separated columns (default: every column of the source).
        #[arg(long, value_delimiter = ',')]
        columns: Option<Vec<String>>,
        /// A label the columns may hold (repeatable; default: none).
        #[arg(long = "allow")]
        allow: Vec<String>,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        owner: String,
        /// A webhook that receives this feature set's events besides the global ones (repeatable).
        #[arg(long = "webhook")]
        webhooks: Vec<String>,
    },
    /// List the feature sets.
    List {
        #[arg(long)]
        format: Option<OutputFormat>,
    },
    /// Show one feature set with its members.
    Show {
        name: String,
        #[arg(long)]
        format: Option<OutputFormat>,
    },
    /// Remove a feature set (its alerts resolve; history stays).
    Remove { name: String },
}

pub async fn run(server: &str, command: FeatureSetsCommand) -> anyhow::Result<ExitCode> {
    let client = Client::from_env(server, Duration::from_secs(60))?;
    match command {
        FeatureSetsCommand::Add { name, source, columns, allow, description, owner, webhooks } => {
            let spec = FeatureSetSpec { name, description, owner, webhooks, members: vec![MemberSpec { source, columns, allow }] };
            let set: FeatureSet = client.post("/api/v1/feature-sets", &spec).await?;
            println!("added feature set {}", set.name);
            print_members(&set);
        }
        FeatureSetsCommand::List { format } => {
            let all: Vec<FeatureSet> = client.all_pages("/api/v1/feature-sets").await?;
            match OutputFormat::or_default(format) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&all)?),
                OutputFormat::Table => {
                    println!("{:24}  {:13}  {:7}  {:16}  DESCRIPTION", "NAME", "CONTAMINATION", "MEMBERS", "OWNER");
                    for s in all {
                        println!("{:24}  {:13}  {:7}  {:16}  {}", s.name, s.contamination, s.members.len(), printable(&s.owner), printable(&s.description));
                    }
                }
            }
        }
        FeatureSetsCommand::Show { name, format } => {
            let set: FeatureSet = client.get(&format!("/api/v1/feature-sets/{}", segment(&name))).await?;
            match OutputFormat::or_default(format) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&set)?),
                OutputFormat::Table => {
                    println!("feature set {} ({}), owner {}: {}", set.name, set.contamination, printable(&set.owner), printable(&set.description));
                    if !set.webhooks.is_empty() {
                        println!("webhooks: {}", set.webhooks.join(", "));
                    }
                    print_members(&set);
                }
            }
        }
        FeatureSetsCommand::Remove { name } => {
            client.delete(&format!("/api/v1/feature-sets/{}", segment(&name))).await?;
            println!("removed feature set {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_members(set: &FeatureSet) {
    for m in &set.members {
        let columns = m.spec.columns.as_ref().map_or("every column".to_string(), |c| c.iter().map(|x| printable(x).into_owned()).collect::<Vec<_>>().join(", "));
        let allow = if m.spec.allow.is_empty() { "no label".to_string() } else { m.spec.allow.join(", ") };
        println!("  member {}: {columns}; allows {allow}", m.spec.source);
        if !m.not_seen.is_empty() {
            println!("    not seen (yet): {}", m.not_seen.iter().map(|x| printable(x).into_owned()).collect::<Vec<_>>().join(", "));
        }
    }
}
