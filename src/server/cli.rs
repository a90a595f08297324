//! The `rapport` command line.

use super::config::{Config, DEFAULT_DATABASE_URL};
use super::understanding::{self, Understanding};
use super::{accounts, db, demo, password::Hasher, Server};
use crate::domain::{Email, Password, PersonName, Role, Roles};
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
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

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RAPPORT_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Folder of course content.
    #[arg(long = "content", env = "RAPPORT_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Folder of the built site (wasm, CSS, assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Create the demo organisation (idempotent) and print its logins.
    #[arg(long)]
    pub demo: bool,
    /// The address people use, e.g. https://rapport.example.com. With https,
    /// cookies are Secure and carry the __Host- prefix.
    #[arg(long, env = "RAPPORT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Trust X-Forwarded-For from a reverse proxy in front of Rapport: the
    /// client address is the one the proxy appended (the right end).
    #[arg(long, env = "RAPPORT_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// How many proxies in a row append to X-Forwarded-For (implies
    /// --trust-proxy): the client address is this many entries from the right.
    #[arg(long, env = "RAPPORT_PROXY_HOPS", value_parser = clap::value_parser!(u8).range(1..=16))]
    pub proxy_hops: Option<u8>,
    /// Folder of the sentence-embedding model for typed replies (installed
    /// by scripts/setup; default: ~/.cache/rapport/models/all-MiniLM-L6-v2).
    #[arg(long, env = "RAPPORT_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Do not load the model: typed-reply scenes offer their list of replies.
    #[arg(long)]
    pub no_model: bool,
    /// The SMTP server for email: smtp://user:pass@host:587 (STARTTLS
    /// required), smtps://user:pass@host:465 (TLS); plain smtp:// only to a
    /// loopback host. Needs --mail-from and --public-url. Without it no
    /// email is sent.
    #[arg(long, env = "RAPPORT_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Who email comes from, e.g. "Rapport <training@example.com>".
    #[arg(long, env = "RAPPORT_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Days before a due date when a learner is reminded by email.
    #[arg(long, env = "RAPPORT_DUE_REMINDER_DAYS", default_value_t = 3,
          value_parser = clap::value_parser!(i64).range(1..=60))]
    pub due_reminder_days: i64,
    /// A learning record store's xAPI endpoint, e.g.
    /// https://lrs.example.com/xAPI: learners' statements are sent there.
    /// Needs --xapi-key, --xapi-secret and --public-url.
    #[arg(long, env = "RAPPORT_XAPI_ENDPOINT")]
    pub xapi_endpoint: Option<String>,
    #[arg(long, env = "RAPPORT_XAPI_KEY", default_value = "")]
    pub xapi_key: String,
    #[arg(
        long,
        env = "RAPPORT_XAPI_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub xapi_secret: String,
    /// Single sign-on providers for automated deployments: a JSON file with
    /// a list of providers (label, issuer, client_id, client_secret,
    /// domains, passwords_off, allow_create, trust_email, sync_mapping,
    /// default_role, map_claim, map_rules), saved at start; the admin page
    /// shows them read-only.
    #[arg(long, env = "RAPPORT_SSO_CONFIG")]
    pub sso_config: Option<PathBuf>,
    /// The xAPI version sent to the LRS.
    #[arg(long, env = "RAPPORT_XAPI_VERSION", default_value = "1.0.3")]
    pub xapi_version: String,
    /// Who statements name: `account` (this server and the person's id) or
    /// `email` (their address and name).
    #[arg(long, env = "RAPPORT_XAPI_ACTOR", default_value = "account",
          value_parser = ["account", "email"])]
    pub xapi_actor: String,
}

/// `rapport` with no subcommand serves with the defaults (and environment).
#[derive(Parser, Debug)]
struct ServeDefaults {
    #[command(flatten)]
    args: ServeArgs,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeDefaults::parse_from(["rapport"]).args
    }
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an administrator. The password is asked for, or read from
    /// standard input when it is not a terminal.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// List everyone with an account.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a person's password (asked for, or read from standard input).
    SetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DbArgs,
    },
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
    for f in understanding::check::check_scenario(u, None, s).await {
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

pub fn config_from(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut cfg = Config::new(args.addr, args.db.database_url.clone());
    cfg.content_dir = args.content.clone();
    cfg.site_root = args.site_root.clone();
    cfg.model_dir = (!args.no_model).then(|| {
        args.model_dir
            .clone()
            .unwrap_or_else(crate::server::understanding::default_dir)
    });
    cfg.proxy_hops = match (args.proxy_hops, args.trust_proxy) {
        (Some(n), _) => usize::from(n),
        (None, true) => 1,
        (None, false) => 0,
    };
    if let Some(url) = &args.public_url {
        let parsed =
            url::Url::parse(url).with_context(|| format!("--public-url {url:?} is not a URL"))?;
        cfg.secure_cookies = parsed.scheme() == "https";
        cfg.public_url = Some(url.trim_end_matches('/').to_owned());
    }
    if let Some(path) = &args.sso_config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--sso-config {}: cannot read the file", path.display()))?;
        cfg.sso_providers = serde_json::from_str(&text).with_context(|| {
            format!(
                "--sso-config {}: not a JSON list of providers (label, issuer, client_id, client_secret, domains, …)",
                path.display()
            )
        })?;
    }
    if let Some(smtp) = &args.smtp_url {
        let Some(from) = &args.mail_from else {
            bail!("--smtp-url needs --mail-from (who email comes from, e.g. \"Rapport <training@example.com>\")");
        };
        let Some(public) = &args.public_url else {
            bail!("--smtp-url needs --public-url (the address people use, for the links in email)");
        };
        let mut mail = crate::server::mail::Settings::new(smtp, from, public)?;
        mail.due_soon_days = args.due_reminder_days;
        cfg.mail = Some(mail);
    }
    if let Some(endpoint) = &args.xapi_endpoint {
        let Some(public) = &args.public_url else {
            bail!(
                "--xapi-endpoint needs --public-url (this server's address names its activities)"
            );
        };
        let mut x = crate::server::xapi::Settings::new(
            endpoint,
            &args.xapi_key,
            &args.xapi_secret,
            public,
        )?;
        x.version = args.xapi_version.clone();
        if args.xapi_actor == "email" {
            x.actor = crate::server::xapi::ActorMode::Email;
        }
        cfg.xapi = Some(x);
    }
    Ok(cfg)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = config_from(&args)?;
    if !cfg.site_root.join("pkg").exists() {
        tracing::warn!(
            "the site folder {} has no pkg/: pages will work without JavaScript and styles; build the site with `scripts/build`",
            cfg.site_root.display()
        );
    }
    let server = Server::build(cfg).await?;
    if args.demo {
        let logins = demo::seed(
            &server.state.db,
            &server.state.passwords,
            std::env::var("RAPPORT_DEMO_PASSWORD").ok(),
        )
        .await?;
        demo::seed_learning(&server.state.db, &server.state.content.get()).await?;
        println!(
            "\nDemo organisation ready. Sign in at http://{}/login with:",
            server.addr
        );
        for role in ["employee", "trainer", "manager", "admin"] {
            println!("  {role:<9} {role}@demo.test");
        }
        println!(
            "  password  {}{}\n",
            logins.password,
            if logins.generated {
                "   (generated for this run; set RAPPORT_DEMO_PASSWORD to choose it)"
            } else {
                ""
            }
        );
    } else if accounts::count_admins(&server.state.db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        == 0
    {
        println!(
            "\nNo administrator exists yet. Create one with:\n  rapport admin create --email you@example.com --name \"Your Name\"{}\n",
            if args.db.database_url == DEFAULT_DATABASE_URL { String::new() } else { " --database-url …".to_owned() }
        );
    }
    println!("Rapport is listening on http://{}", server.addr);
    server.run().await
}

/// Reads a new password: twice at a terminal prompt, or one line from stdin.
fn read_password() -> anyhow::Result<Password> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again =
            rpassword::prompt_password("Password again: ").context("cannot read the password")?;
        if first != again {
            bail!("the two passwords are not the same");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Password::parse(&raw).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn admin_create(email: &str, name: &str, db: &DbArgs) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = PersonName::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let password = read_password()?;
    let db = db::connect(&db.database_url).await?;
    let hash = Hasher::new()?.hash(password.expose().to_owned()).await?;
    let mut tx = db.begin_write().await?;
    let id = accounts::insert_user(
        &mut tx,
        &email,
        &name,
        Some(&hash),
        None,
        &Roles::new([Role::Admin]),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    accounts::audit(&mut tx, None, "admin.created_cli", email.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    println!("Created administrator {email} (id {id}). Sign in at /login.");
    Ok(())
}

async fn user_id(db: &db::Db, email: &str) -> anyhow::Result<i64> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    accounts::credentials(db, email.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map(|c| c.id)
        .with_context(|| format!("nobody has an account with the email {email}"))
}

async fn user_command(cmd: UserCommand) -> anyhow::Result<()> {
    let e = |e: crate::api::AppError| anyhow::anyhow!("{e}");
    match cmd {
        UserCommand::List { db } => {
            let db = db::connect(&db.database_url).await?;
            let mut page = 1;
            loop {
                let f = crate::api::admin::UserFilter {
                    page: Some(page.to_string()),
                    ..Default::default()
                };
                let list = accounts::list_users(&db, &f).await.map_err(e)?;
                for u in &list.users {
                    println!(
                        "{:>6}  {:<32} {:<28} {:<30} {}",
                        u.id,
                        u.email,
                        u.name,
                        u.roles.labels(),
                        if u.disabled {
                            "disabled"
                        } else if u.has_password {
                            "active"
                        } else {
                            "invited"
                        }
                    );
                }
                if page * list.per_page >= list.total {
                    break;
                }
                page += 1;
            }
        }
        UserCommand::SetPassword { email, db } => {
            let password = read_password()?;
            let db = db::connect(&db.database_url).await?;
            let id = user_id(&db, &email).await?;
            let hash = Hasher::new()?.hash(password.expose().to_owned()).await?;
            accounts::set_password(&db, id, &hash, None)
                .await
                .map_err(e)?;
            println!("Password set for {email}; their sessions have been ended.");
        }
        UserCommand::Disable { email, db } => {
            let db = db::connect(&db.database_url).await?;
            let id = user_id(&db, &email).await?;
            accounts::set_disabled(&db, None, id, true)
                .await
                .map_err(e)?;
            println!("Disabled {email} and ended their sessions.");
        }
        UserCommand::Enable { email, db } => {
            let db = db::connect(&db.database_url).await?;
            let id = user_id(&db, &email).await?;
            accounts::set_disabled(&db, None, id, false)
                .await
                .map_err(e)?;
            println!("Enabled {email}.");
        }
    }
    Ok(())
}
