//! The demo organisation: one login per role plus about fifty employees in
//! five teams, so that every page has something real to show.
//!
//! Seeding is idempotent: a second start keeps all data and only resets the
//! passwords of the demo accounts to the password printed for this run.

use super::{db::Db, now, password::Hasher};
use crate::domain::{Email, PersonName, Role, Roles, TeamName};
use anyhow::Context;

pub const DEMO_DOMAIN: &str = "demo.test";

/// (team, manager email, manager name)
const TEAMS: [(&str, &str, &str); 5] = [
    ("Contact Centre", "manager@demo.test", "Morgan Reyes"),
    ("Front Desk", "manager@demo.test", "Morgan Reyes"),
    ("Retail Floor", "priya.nair@demo.test", "Priya Nair"),
    ("Field Service", "tomas.berg@demo.test", "Tomás Berg"),
    ("Online Support", "aisha.okafor@demo.test", "Aisha Okafor"),
];

const FIRST: [&str; 25] = [
    "Dana", "Luca", "Mei", "Omar", "Sofia", "Jonas", "Amara", "Kenji", "Elena", "Mateo", "Nia",
    "Arjun", "Freya", "Hugo", "Leila", "Rafael", "Ingrid", "Kwame", "Yuki", "Zara", "Pavel",
    "Chloe", "Idris", "Marta", "Theo",
];
const LAST: [&str; 20] = [
    "Almeida",
    "Brennan",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "O'Connor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Sato",
    "Walsh",
];

pub struct DemoLogins {
    pub password: String,
    pub generated: bool,
}

/// A readable random password of four short words joined by dashes.
fn generate_password() -> String {
    use rand::seq::SliceRandom;
    const WORDS: [&str; 32] = [
        "amber", "brisk", "cedar", "delta", "ember", "fable", "grove", "harbor", "ivory", "jolly",
        "kettle", "lunar", "maple", "nimble", "orbit", "pepper", "quartz", "raven", "saffron",
        "tidal", "umber", "velvet", "willow", "xenon", "yonder", "zephyr", "copper", "meadow",
        "summit", "lantern", "pebble", "thistle",
    ];
    let mut rng = rand::rngs::OsRng;
    let words: Vec<&str> = (0..4)
        .filter_map(|_| WORDS.choose(&mut rng).copied())
        .collect();
    format!(
        "{}-{}",
        words.join("-"),
        rand::Rng::gen_range(&mut rng, 10..100)
    )
}

pub async fn seed(
    db: &Db,
    hasher: &Hasher,
    password: Option<String>,
) -> anyhow::Result<DemoLogins> {
    let (password, generated) = match password.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (generate_password(), true),
    };
    crate::domain::Password::parse(&password)
        .map_err(|e| anyhow::anyhow!("RAPPORT_DEMO_PASSWORD: {e}"))?;
    // One hash for every demo account: they share the password, and fifty
    // hashes would add seconds to every start.
    let hash = hasher
        .hash(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let mut tx = db
        .pool
        .begin()
        .await
        .context("demo: cannot start a transaction")?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@demo.test'")
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        insert_org(&mut tx, &hash).await?;
    }
    sqlx::query("UPDATE users SET password_hash = $1 WHERE email LIKE $2")
        .bind(&hash)
        .bind(format!("%@{DEMO_DOMAIN}"))
        .execute(&mut *tx)
        .await?;
    tx.commit()
        .await
        .context("demo: cannot save the demo organisation")?;
    // The demo company's own words, unless an admin has already changed them.
    crate::content::store::save_organisation(db, None, &demo_words(), true)
        .await
        .map_err(|e| anyhow::anyhow!("demo: {e}"))?;
    Ok(DemoLogins {
        password,
        generated,
    })
}

/// The mission, vision and values of the demo company, a chain of home
/// and garden stores, so the brand-values course has real words to show.
pub fn demo_words() -> crate::api::organisation::Organisation {
    crate::api::organisation::Organisation {
        name: "Harbour & Field".into(),
        mission: "We help people make their homes and gardens work for the way they live, with honest advice and things that last.".into(),
        vision: "To be the store people trust most for their home: the place they come back to because we listened last time.".into(),
        values: "- **Listen first.** We find out what someone needs before we suggest anything.\n\
- **Straight talk.** We say what we know, what we don't, and who can help.\n\
- **Own it.** If something goes wrong, whoever hears about it first sees it through.\n\
- **Built to last.** We sell what we would buy ourselves, and we stand behind it.".into(),
        updated_at: 0,
    }
}

async fn insert_org(tx: &mut sqlx::Transaction<'_, sqlx::Any>, hash: &str) -> anyhow::Result<()> {
    use super::store::{insert_team, insert_user};
    let err = |e: crate::api::AppError| anyhow::anyhow!("demo: {e}");
    let p = |s: &str| PersonName::parse(s).map_err(|e| anyhow::anyhow!("{e}"));
    let e = |s: &str| Email::parse(s).map_err(|e| anyhow::anyhow!("{e}"));

    let mut team_ids = Vec::new();
    for (name, _, _) in TEAMS {
        let t = TeamName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
        team_ids.push(insert_team(tx, &t).await.map_err(err)?);
    }
    let contact_centre = team_ids[0];

    let fixed: [(&str, &str, &[Role], Option<i64>); 4] = [
        (
            "employee@demo.test",
            "Dana Whitfield",
            &[Role::Employee],
            Some(contact_centre),
        ),
        ("trainer@demo.test", "Sam Okoye", &[Role::Trainer], None),
        ("manager@demo.test", "Morgan Reyes", &[Role::Manager], None),
        ("admin@demo.test", "Alex Morgan", &[Role::Admin], None),
    ];
    for (email, name, roles, team) in fixed {
        insert_user(
            tx,
            &e(email)?,
            &p(name)?,
            Some(hash),
            team,
            &Roles::new(roles.iter().copied()),
        )
        .await
        .map_err(err)?;
    }

    let mut seen = std::collections::HashSet::new();
    for (i, (_, mgr_email, mgr_name)) in TEAMS.iter().enumerate() {
        let manager_id: i64 =
            match sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
                .bind(*mgr_email)
                .fetch_optional(&mut **tx)
                .await?
            {
                Some(id) => id,
                None => insert_user(
                    tx,
                    &e(mgr_email)?,
                    &p(mgr_name)?,
                    Some(hash),
                    None,
                    &Roles::new([Role::Manager]),
                )
                .await
                .map_err(err)?,
            };
        sqlx::query("INSERT INTO team_managers (team_id, user_id) VALUES ($1, $2)")
            .bind(team_ids[i])
            .bind(manager_id)
            .execute(&mut **tx)
            .await?;
    }

    // Ten employees per team (the Contact Centre's ten include employee@demo.test).
    let mut n = 0usize;
    for (i, team_id) in team_ids.iter().enumerate() {
        let count = if i == 0 { 9 } else { 10 };
        for _ in 0..count {
            let first = FIRST[n % FIRST.len()];
            let last = LAST[(n * 7 + i) % LAST.len()];
            n += 1;
            let local: String = format!("{first}.{last}")
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    'á' | 'à' => Some('a'),
                    'é' => Some('e'),
                    'í' => Some('i'),
                    'ó' => Some('o'),
                    'ú' => Some('u'),
                    c if c.is_ascii_alphanumeric() || c == '.' => Some(c),
                    _ => None,
                })
                .collect();
            let mut email = format!("{local}@{DEMO_DOMAIN}");
            if !seen.insert(email.clone()) {
                email = format!("{local}{n}@{DEMO_DOMAIN}");
                seen.insert(email.clone());
            }
            insert_user(
                tx,
                &e(&email)?,
                &p(&format!("{first} {last}"))?,
                Some(hash),
                Some(*team_id),
                &Roles::new([Role::Employee]),
            )
            .await
            .map_err(err)?;
        }
    }
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, subject) VALUES ($1, NULL, 'demo.seeded', '')")
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
