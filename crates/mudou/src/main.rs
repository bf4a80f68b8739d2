//! `mudou`: the one binary. Serves the web app and API, runs migrations, makes
//! the first admin, starts a demo, and aggregates labels from CSV files.

mod aggregate;
mod config;
mod demo;
mod import;
mod simulate;

/// mimalloc: glibc's allocator spent a tenth of the server's time in its free lists under
/// load (many threads), and kept far more memory than was live.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use mudou_app::users::NewUserRequest;
use mudou_domain::Role;

#[derive(Parser, Debug)]
#[command(
    name = "mudou",
    version,
    about = "木豆 Mudou: data annotation for rural AI-trainer centres"
)]
struct Cli {
    /// Log format: `text` or `json`.
    #[arg(long, env = "MUDOU_LOG_FORMAT", default_value = "text", global = true)]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(config::ServerArgs),
    /// Bring the database schema up to date and exit.
    Migrate(config::ServerArgs),
    /// Create the first administrator (password from --password-stdin or MUDOU_ADMIN_PASSWORD).
    CreateAdmin {
        #[command(flatten)]
        server: config::ServerArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "管理员")]
        display_name: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Start a demo: a fresh database with a centre, people and pictures, on 127.0.0.1:8080.
    Demo(demo::DemoArgs),
    /// Aggregate crowd labels from a CSV file (`task,worker,label`).
    Aggregate(aggregate::AggregateArgs),
    /// Import a folder of pictures, a ZIP, a manifest or text items into a dataset
    /// (the local database, or a server with --server and --token); resumable.
    Import(import::ImportArgs),
}

fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MUDOU_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init()
    } else {
        builder.init()
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Aggregate(args) = &cli.command {
        return aggregate::run(args);
    }
    init_tracing(&cli.log_format);
    // Before the runtime starts, so its threads inherit where they may run.
    if let Command::Serve(args) = &cli.command
        && args.wants_writer_core()?
        && let Some(core) = mudou_app::affinity::reserve_writer_core()
    {
        tracing::info!(core, "CPU reserved for the SQLite writer");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => {
                let app = mudou_server::build(args.resolve()?).await?;
                app.state.store.close().await;
                eprintln!("database is up to date");
                Ok(())
            }
            Command::CreateAdmin { server, username, display_name, password_stdin } => {
                let password = if password_stdin {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s).context("reading the password")?;
                    s.trim_end_matches(['\r', '\n']).to_owned()
                } else {
                    std::env::var("MUDOU_ADMIN_PASSWORD")
                        .context("give the password on standard input with --password-stdin, or in MUDOU_ADMIN_PASSWORD")?
                };
                let app = mudou_server::build(server.resolve()?).await?;
                let req = NewUserRequest {
                    username: Some(username),
                    display_name,
                    role: Role::Admin,
                    password: Some(password),
                    pin: None,
                    centre_id: None,
                    org_id: None,
                    skill_level: None,
                };
                let user = mudou_app::users::create_user(&app.state, req).await?;
                eprintln!("created admin {} (id {})", user.username.unwrap_or_default(), user.id);
                Ok(())
            }
            Command::Demo(args) => demo::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Aggregate(_) => unreachable!("handled before the runtime starts"),
        }
    })
}

async fn serve(args: config::ServerArgs) -> anyhow::Result<()> {
    let settings = args.resolve()?;
    let listen = settings.listen;
    let metrics_listen = settings.metrics_listen;
    let mut app = mudou_server::build(settings).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    if addr.port() == 0 {
        bail!("could not bind a port");
    }
    if let Some(m) = metrics_listen {
        let l = tokio::net::TcpListener::bind(m)
            .await
            .with_context(|| format!("listening on {m} for /metrics"))?;
        tracing::info!(addr = %l.local_addr()?, "/metrics alone, without a token");
        app = app.with_metrics_listener(l);
    }
    tracing::info!(%addr, backend = ?app.state.store.backend(), "mudou is serving");
    println!("ready: http://{addr}");
    mudou_server::serve(listener, app, mudou_server::shutdown_signal()).await
}
