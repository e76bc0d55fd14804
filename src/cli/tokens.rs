//! `assay tokens create|list|revoke`. `create` opens the store directly (whoever can reach
//! the database is an operator, and the first admin token has to come from somewhere);
//! `list` and `revoke` are clients of a running `assay serve`, so they are audited.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use assay::api::tokens::CreateToken;
use assay::api::Page;
use assay::store::{generate_token, Role, Store, TokenRow};

use super::client::{segment, Client};
use super::OutputFormat;

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Create a token in the store (`DATABASE_URL`) and print it, once.
    Create {
        /// admin, engineer, reviewer or pipeline.
        #[arg(long, value_parser = |s: &str| s.parse::<Role>())]
        role: Role,
        #[arg(long)]
        name: String,
        /// Lifetime, e.g. 90d (default: no expiry).
        #[arg(long)]
        expires: Option<String>,
        /// The store: postgres://… or sqlite://path.
        #[arg(long, env = "DATABASE_URL", default_value = assay::store::DEFAULT_URL, hide_env_values = true)]
        database_url: String,
    },
    /// List the tokens (names, roles, prefixes, dates; never the tokens) of a running serve.
    List {
        /// Revoked tokens too.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        format: Option<OutputFormat>,
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Revoke a token on a running serve: it stops working at once.
    Revoke {
        name: String,
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
}

pub async fn run(command: TokensCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokensCommand::Create { role, name, expires, database_url } => {
            // The same checks as the API's, from the same types.
            let req = CreateToken { name, role, expires };
            assay::api::check_name("token", &req.name).map_err(|e| anyhow::anyhow!(e.message))?;
            let now = chrono::Utc::now();
            let expires = match &req.expires {
                Some(e) => Some(now + assay::config::parse_duration(e).map_err(|e| anyhow::anyhow!("--expires: {e}"))?),
                None => None,
            };
            let store = Store::open(&database_url).await?;
            store.migrate().await?;
            let token = generate_token();
            let mut tx = store.begin().await?;
            let row = tx.create_token(&req.name, req.role, &token, Some("cli"), expires, now).await?;
            tx.audit(&assay::store::AuditEntry {
                at: now,
                actor: Some("cli".into()),
                role: None,
                action: "tokens.create".into(),
                target: Some(format!("token:{}", row.name)),
                outcome: "ok".into(),
                status: 201,
                client: None,
                request_id: uuid::Uuid::new_v4().simple().to_string(),
                detail: Some(format!("role {} (created from the command line, with store access)", row.role)),
            })
            .await?;
            tx.commit().await?;
            eprintln!("created token `{}` (role {}{}); it is shown once, keep it safe:", row.name, row.role, row.expires_at.map(|e| format!(", expires {}", e.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default());
            println!("{token}");
        }
        TokensCommand::List { all, format, server } => {
            let client = Client::from_env(&server, Duration::from_secs(30))?;
            let page: Page<TokenRow> = client.get(if all { "/api/v1/tokens?all=true" } else { "/api/v1/tokens" }).await?;
            match OutputFormat::or_default(format) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&page.items)?),
                OutputFormat::Table => {
                    println!("{:24}  {:9}  {:13}  {:17}  {:17}  STATE", "NAME", "ROLE", "PREFIX", "CREATED", "LAST USED");
                    let now = chrono::Utc::now();
                    for t in page.items {
                        let state = if t.revoked_at.is_some() { "revoked" } else if !t.is_live(now) { "expired" } else { "live" };
                        let day = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into());
                        println!("{:24}  {:9}  {:13}  {:17}  {:17}  {state}", t.name, t.role.as_str(), t.prefix, day(Some(t.created_at)), day(t.last_used_at));
                    }
                }
            }
        }
        TokensCommand::Revoke { name, server } => {
            let client = Client::from_env(&server, Duration::from_secs(30))?;
            client.delete(&format!("/api/v1/tokens/{}", segment(&name))).await?;
            println!("revoked token {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
