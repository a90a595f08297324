//! The `rapport` binary. See `rapport --help`.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: under load the server's many small,
/// short-lived allocations (request parts, rendered HTML, rows) spent a
/// quarter of the CPU in glibc's arena locking and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,html5ever=error")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = rapport::server::cli::Cli::parse();
    match rapport::server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, every cause: "cannot connect to the database at …: connection refused".
            eprintln!("rapport: {e:#}");
            ExitCode::FAILURE
        }
    }
}
