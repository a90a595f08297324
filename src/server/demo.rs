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
pub fn demo_words() -> crate::domain::organisation::Organisation {
    crate::domain::organisation::Organisation {
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
    use super::accounts::{insert_team, insert_user};
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

/// Assigns the shipped courses to the demo teams with due dates (some
/// already past) and gives the demo employees varied progress: some have
/// not started, some are mid-lesson or mid-conversation, some have finished
/// with a spread of endings and scores. The four sign-in accounts start
/// fresh. Runs once: nothing happens when assignments exist.
pub async fn seed_learning(
    db: &Db,
    catalog: &crate::content::store::Catalog,
) -> anyhow::Result<()> {
    let (assigned,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM assignments")
        .fetch_one(&db.pool)
        .await?;
    if assigned > 0 {
        return Ok(());
    }
    let courses = catalog.courses();
    let t0 = super::now();
    const DAY: i64 = 86_400;
    let teams: Vec<(i64,)> = sqlx::query_as("SELECT id FROM teams ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let admin: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM users WHERE email = 'admin@demo.test'")
            .fetch_optional(&db.pool)
            .await?;
    let offsets = [-10, 21, -3, 14, 30, 7];
    let mut tx = db.begin_write().await?;
    for (i, (team,)) in teams.iter().enumerate() {
        for (j, course) in courses.iter().enumerate() {
            sqlx::query(
                "INSERT INTO assignments (course_id, team_id, due_at, assigned_by, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&course.id)
            .bind(team)
            .bind(t0 + offsets[(i + 2 * j) % offsets.len()] * DAY)
            .bind(admin.map(|a| a.0))
            .bind(t0 - 40 * DAY)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;

    let people: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, u.name FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'employee'
         WHERE u.email LIKE $1 AND u.email <> 'employee@demo.test' ORDER BY u.id",
    )
    .bind(format!("%@{DEMO_DOMAIN}"))
    .fetch_all(&db.pool)
    .await?;
    for (k, (user, name)) in people.iter().enumerate() {
        let mut tx = db.begin_write().await?;
        for (j, course) in courses.iter().enumerate() {
            let mut rng = Seeded((k as u64 + 1) * 1_000_003 + j as u64 * 7_919);
            let profile = rng.below(10);
            if profile < 3 {
                continue;
            }
            let complete = profile >= 6;
            // Finished courses started 10–35 days ago; others in the last week.
            let start = t0
                - if complete {
                    10 + rng.below(25) as i64
                } else {
                    1 + rng.below(7) as i64
                } * DAY;
            let mut t = start;
            let mut last_item = String::new();
            let mut all_done = true;
            for (n, item) in course.items.iter().enumerate() {
                // In-progress learners stop somewhere after the first item.
                if !complete && n > 0 && rng.below(3) == 0 {
                    all_done = false;
                    break;
                }
                t += 600 + rng.below(3600) as i64;
                last_item = item.id.clone();
                let Some(version) = catalog.version(&course.id, &item.id) else {
                    continue;
                };
                let done = demo_item(
                    &mut tx, &mut rng, *user, course, item, version.id, complete, t,
                )
                .await?;
                all_done &= done;
                if !done {
                    break;
                }
            }
            let completed = (complete && all_done).then_some(t);
            sqlx::query(
                "INSERT INTO enrolments (user_id, course_id, started_at, updated_at, last_item, completed_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(user)
            .bind(&course.id)
            .bind(start)
            .bind(t)
            .bind(&last_item)
            .bind(completed)
            .execute(&mut *tx)
            .await?;
            if let Some(at) = completed {
                sqlx::query(
                    "INSERT INTO certificates (code, user_id, course_id, learner_name, course_title, issued_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(format!("DEMO-{:04}-{:04}", user, j + 1))
                .bind(user)
                .bind(&course.id)
                .bind(name)
                .bind(&course.title)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    }
    super::dashboard::rebuild_all(db)
        .await
        .map_err(|e| anyhow::anyhow!("demo: cannot count the dashboards: {e}"))?;
    Ok(())
}

/// A small deterministic generator, so the demo looks the same every time.
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One item of a demo learner's course. Returns whether it ended done.
#[allow(clippy::too_many_arguments)]
async fn demo_item(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rng: &mut Seeded,
    user: i64,
    course: &crate::domain::course::Course,
    item: &crate::domain::course::Item,
    version: i64,
    finish: bool,
    t: i64,
) -> anyhow::Result<bool> {
    use crate::domain::course::ItemBody;
    use crate::domain::play::ScenarioState;
    use crate::domain::quiz_play::QuizState;
    use crate::server::learning::stored::StoredStep;
    let progress = |state: &'static str, score: Option<i64>| {
        sqlx::query(
            "INSERT INTO item_progress (user_id, course_id, item_id, state, best_score, updated_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user)
        .bind(course.id.clone())
        .bind(item.id.clone())
        .bind(state)
        .bind(score)
        .bind(t)
        .bind((state == "done").then_some(t))
    };
    // (kind, steps as requests, state JSON, finished, outcome, score, passed, scores)
    let (kind, requests, state, finished, outcome, score, passed, scores) = match &item.body {
        ItemBody::Lesson(_) => {
            progress("done", None).execute(&mut **tx).await?;
            return Ok(true);
        }
        ItemBody::Scenario(s) => {
            let mut play = ScenarioState::start(s);
            let mut requests = Vec::new();
            // Unfinished learners stop after one to three replies.
            let stop = if finish {
                usize::MAX
            } else {
                1 + rng.below(3) as usize
            };
            while !play.is_finished(s) && requests.len() < stop.min(60) {
                let offered = play.offered(s);
                if offered.is_empty() {
                    break;
                }
                let pick = offered[rng.below(offered.len() as u64) as usize];
                let _ = play.choose(s, pick);
                requests.push(format!("choose {pick}"));
            }
            let result = play.result(s);
            let outcome = result.as_ref().map(|r| r.outcome.key());
            let scores: Vec<(String, i64, Option<i64>)> = result
                .as_ref()
                .map(|r| {
                    r.competencies
                        .iter()
                        .map(|(c, v)| {
                            let share = s.score_ranges.get(c).and_then(|r| r.share(*v));
                            (c.clone(), i64::from(*v), share)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let score = result.as_ref().and_then(|r| r.score).map(i64::from);
            (
                "scenario",
                requests,
                serde_json::to_string(&play)?,
                result.is_some(),
                outcome,
                score,
                None,
                scores,
            )
        }
        ItemBody::Quiz(q) => {
            let mut play = QuizState::start(q, rng.below(u64::MAX));
            let mut requests = Vec::new();
            let stop = if finish {
                usize::MAX
            } else {
                rng.below(play.questions.len() as u64) as usize
            };
            while let Some(pos) = play.current() {
                if requests.len() >= stop {
                    break;
                }
                let qi = play.questions[pos];
                let question = &q.questions[qi];
                let right: Vec<usize> = question
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.correct)
                    .map(|(i, _)| i)
                    .collect();
                // Mostly right: about one answer in eight is wrong.
                let picked = if rng.below(8) == 0 {
                    vec![(0..question.options.len())
                        .find(|i| !right.contains(i))
                        .unwrap_or(0)]
                } else {
                    right
                };
                let _ = play.answer(q, qi, &picked);
                requests.push(format!(
                    "answer {} {}",
                    question.id,
                    picked
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
            let finished = play.is_finished();
            let passed = finished.then(|| play.passed(q));
            let score = finished.then(|| i64::from(play.percent()));
            (
                "quiz",
                requests,
                serde_json::to_string(&play)?,
                finished,
                None,
                score,
                passed,
                Vec::new(),
            )
        }
    };
    let steps = requests.len() as i64;
    let (attempt,): (i64,) = sqlx::query_as(
        "INSERT INTO attempts (user_id, course_id, item_id, version_id, kind, status, step, state, outcome, score, passed, started_at, updated_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(user)
    .bind(&course.id)
    .bind(&item.id)
    .bind(version)
    .bind(kind)
    .bind(if finished { "finished" } else { "active" })
    .bind(steps)
    .bind(&state)
    .bind(outcome)
    .bind(score)
    .bind(passed.map(i64::from))
    .bind(t - 60 * steps)
    .bind(t)
    .bind(finished.then_some(t))
    .fetch_one(&mut **tx)
    .await?;
    for (n, request) in requests.iter().enumerate() {
        let result = StoredStep::new(attempt, n as i64 + 1, finished && n + 1 == requests.len());
        sqlx::query("INSERT INTO attempt_steps (attempt_id, step, request, result, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(attempt)
            .bind(n as i64)
            .bind(request)
            .bind(serde_json::to_string(&result)?)
            .bind(t - 60 * (steps - n as i64))
            .execute(&mut **tx)
            .await?;
    }
    for (c, v, share) in &scores {
        sqlx::query(
            "INSERT INTO attempt_scores (attempt_id, competency, score, share) VALUES ($1, $2, $3, $4)",
        )
        .bind(attempt)
        .bind(c)
        .bind(v)
        .bind(share)
        .execute(&mut **tx)
        .await?;
    }
    let done = finished && passed != Some(false);
    let state = if done { "done" } else { "in_progress" };
    progress(state, score).execute(&mut **tx).await?;
    Ok(done)
}
