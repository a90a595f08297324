//! `rapport admin` and `rapport user`: administrators and accounts from
//! the command line, for operators.

use super::DbArgs;
use crate::domain::{Email, Password, PersonName, Role, Roles};
use crate::server::{accounts, db, password::Hasher};
use anyhow::{bail, Context};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};

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

pub(super) async fn admin_create(email: &str, name: &str, db: &DbArgs) -> anyhow::Result<()> {
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

pub(super) async fn user_command(cmd: UserCommand) -> anyhow::Result<()> {
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
