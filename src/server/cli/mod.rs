//! The `rapport` command line: the commands and what runs them (`serve`:
//! the server's flags and start; `people`: administrators and accounts).

mod people;
mod serve;

use people::{admin_create, user_command};
pub use people::{AdminCommand, UserCommand};
use serve::serve;
pub use serve::{config_from, ServeArgs};

use super::config::DEFAULT_DATABASE_URL;
use super::db;
use super::understanding::{self, Understanding};
use crate::domain::Password;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: training that builds rapport with customers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(Box<ServeArgs>),
    /// Create or update the database schema, then exit.
    Migrate(DbArgs),
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Check course content: print every problem as file:line:col and each
    /// scenario's score range. Exits 1 if there is any error.
    Check {
        /// Content folders, course folders or single files.
        #[arg(default_value = "content")]
        paths: Vec<PathBuf>,
        /// `text` for people and editors, `json` for tools.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Convert stories from other tools into Rapport scenarios.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Fill a new database with a large generated organisation (teams of
    /// 5–30 with a manager each, assignments, progress, scenario results),
    /// for load tests of the dashboards. Managers sign in as
    /// m00001@scale.test … with the password given.
    Generate {
        #[arg(long, default_value_t = 100_000)]
        employees: usize,
        #[arg(long, default_value_t = 50)]
        courses: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Password of every generated account.
        #[arg(
            long,
            env = "RAPPORT_GENERATE_PASSWORD",
            default_value = "scale-test-password"
        )]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Convert a Twine story (Twee 3 or older Twee, or Twine 2's published
    /// HTML or archive) into a scenario file. `import twee` still works.
    #[command(alias = "twee")]
    Twine {
        /// The .twee or .html file.
        file: PathBuf,
        /// Folder to write the scenario into (printed to stdout without it).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also print, per passage, what was translated and what was dropped.
        #[arg(long)]
        report: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH (default) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve(Box::default())) {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => {
            db::connect(&args.database_url).await?;
            println!(
                "The database at {} is up to date.",
                db::redact(&args.database_url)
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email, name, db }) => {
            admin_create(&email, &name, &db).await
        }
        Command::User(cmd) => user_command(cmd).await,
        Command::Check { paths, format } => check(&paths, format).await,
        Command::Import(ImportCommand::Twine { file, out, report }) => {
            import_twee(&file, out.as_deref(), report)
        }
        Command::Generate {
            employees,
            courses,
            seed,
            password,
            db,
        } => {
            Password::parse(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let hash =
                super::password::hash_blocking(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let db = db::connect(&db.database_url).await?;
            let started = std::time::Instant::now();
            let g = super::generate::generate(
                &db,
                &super::generate::Options {
                    employees,
                    courses,
                    seed,
                    password_hash: hash,
                },
            )
            .await?;
            println!(
                "Generated {} teams, {} employees, {} managers, {} assignments ({} person-course pairs), \
                 {} enrolments, {} certificates, {} scenario results in {:.1} s.",
                g.teams,
                g.employees,
                g.managers,
                g.assignments,
                g.pairs,
                g.enrolments,
                g.certificates,
                g.attempts,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

async fn check(paths: &[PathBuf], format: CheckFormat) -> anyhow::Result<()> {
    let mut reports = crate::content::check_paths(paths);
    let understanding = Understanding::load(&understanding::default_dir()).await;
    for r in &mut reports {
        if r.kind == crate::domain::course::FileKind::Scenario {
            check_typed(&understanding, r).await;
        }
    }
    let out = match format {
        CheckFormat::Text => crate::content::report::text(&reports),
        CheckFormat::Json => crate::content::report::json(&reports) + "\n",
    };
    // A closed pipe (`rapport check | head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    let errors: usize = reports.iter().map(|r| r.errors()).sum();
    if errors > 0 {
        bail!(
            "the content has {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Adds the model's checks of typed replies to a scenario's report.
async fn check_typed(u: &Understanding, report: &mut crate::content::FileReport) {
    let Ok(bytes) = std::fs::read(&report.file) else {
        return;
    };
    let (Some(item), _) =
        crate::content::load_item(report.file.clone(), report.file.clone(), &bytes, None)
    else {
        return;
    };
    let crate::domain::course::ItemBody::Scenario(s) = &item.body else {
        return;
    };
    for f in understanding::check::check_scenario(u, 0, None, s).await {
        report.diagnostics.push(crate::content::source::Diagnostic {
            file: report.file.clone(),
            line: f.line,
            col: f.col,
            severity: crate::content::source::Severity::Warning,
            message: f.message,
            hint: Some(f.hint),
            check: None,
        });
    }
    report.diagnostics.sort_by_key(|d| (d.line, d.col));
}

fn import_twee(
    file: &std::path::Path,
    out: Option<&std::path::Path>,
    report: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", file.display()))?;
    let imported = crate::content::twee::convert(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}", file.display(), e))?;
    for w in &imported.warnings {
        eprintln!("{}:{}: warning: {}", file.display(), w.line, w.message);
    }
    if report {
        for r in &imported.report {
            eprintln!(
                "{}:{}: passage `{}` → scene `{}`: {} way(s) on, {} choice(s)",
                file.display(),
                r.line,
                r.name,
                r.scene,
                r.links,
                r.choices
            );
            for (line, what) in &r.translated {
                eprintln!("{}:{line}:   translated: {what}", file.display());
            }
            for (line, what) in &r.dropped {
                eprintln!("{}:{line}:   dropped: {what}", file.display());
            }
        }
    }
    eprintln!(
        "{} passages → {} scenes; {} ways on → {} choices",
        imported.passages, imported.scenes, imported.links, imported.choices
    );
    match out {
        None => print!("{}", imported.markdown),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(format!("{}.md", imported.id));
            if path.exists() {
                bail!(
                    "{} already exists; remove it or choose another --out",
                    path.display()
                );
            }
            std::fs::write(&path, &imported.markdown)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {} ({} scenes); check it with `rapport check {}`",
                path.display(),
                imported.scenes,
                path.display()
            );
        }
    }
    Ok(())
}
