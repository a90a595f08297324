//! `rapport generate`: fills a database with a large, realistic
//! organisation for load tests and benchmarks of the dashboards: teams of
//! 5–30 people each with a manager, courses assigned per team with due
//! dates (some recurring), progress (not started, in progress, completed
//! over the last two years with certificates) and scenario results.
//!
//! Deterministic for a given seed. Writes with multi-row inserts of
//! generated values (numbers and names from fixed lists, quoted), then
//! counts the dashboards' aggregates once. `admin@scale.test` sees every
//! team; `m00001@scale.test` … each manage one.

use super::db::{Backend, Db};
use super::now;
use crate::domain::rng::SplitMix64;
use anyhow::{bail, Context};

pub struct Options {
    pub employees: usize,
    pub courses: usize,
    pub seed: u64,
    /// The argon2 hash every generated account gets (so a benchmark can
    /// sign in as any manager).
    pub password_hash: String,
}

#[derive(Debug, Default)]
pub struct Generated {
    pub teams: usize,
    pub employees: usize,
    pub managers: usize,
    pub assignments: usize,
    pub pairs: usize,
    pub enrolments: usize,
    pub certificates: usize,
    pub attempts: usize,
}

pub const DOMAIN: &str = "scale.test";

const FIRST: [&str; 24] = [
    "Ada", "Bea", "Carl", "Dana", "Emil", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo",
    "Nia", "Omar", "Pia", "Quin", "Rosa", "Sami", "Tom", "Uma", "Vik", "Wen", "Zoe",
];
const LAST: [&str; 20] = [
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jansen",
    "Kowalski", "Lopez", "Murphy", "Nakamura", "O'Brien", "Patel", "Rossi", "Silva", "Tanaka",
    "Weber",
];
const PLACES: [&str; 12] = [
    "Leeds", "Lyon", "Porto", "Graz", "Malmö", "Cork", "Turin", "Ghent", "Bergen", "Brno",
    "Seville", "Utrecht",
];
const UNITS: [&str; 6] = [
    "Contact Centre",
    "Store",
    "Field Service",
    "Billing",
    "Returns",
    "Online Chat",
];
const TOPICS: [&str; 10] = [
    "Listening",
    "Complaints",
    "Brand values",
    "Channels",
    "Apologies",
    "De-escalation",
    "Follow-up",
    "Tone in writing",
    "Phone manner",
    "Ownership",
];
const COMPETENCIES: [&str; 3] = ["empathy", "ownership", "honesty"];

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Collects rows and sends them as multi-row INSERTs of `batch` rows.
struct Bulk<'a> {
    tx: &'a mut sqlx::Transaction<'static, sqlx::Any>,
    head: String,
    rows: Vec<String>,
    written: usize,
}

impl<'a> Bulk<'a> {
    fn new(tx: &'a mut sqlx::Transaction<'static, sqlx::Any>, head: &str) -> Self {
        Bulk {
            tx,
            head: head.to_owned(),
            rows: Vec::with_capacity(1000),
            written: 0,
        }
    }

    async fn push(&mut self, row: String) -> anyhow::Result<()> {
        self.rows.push(row);
        if self.rows.len() >= 1000 {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        sqlx::query(&sql)
            .execute(&mut **self.tx)
            .await
            .with_context(|| format!("generate: {}", self.head))?;
        self.written += self.rows.len();
        self.rows.clear();
        Ok(())
    }
}

async fn max_id(db: &Db, table: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

pub async fn generate(db: &Db, o: &Options) -> anyhow::Result<Generated> {
    if o.employees == 0 || o.courses == 0 || o.courses > 500 || o.employees > 2_000_000 {
        bail!("choose 1 to 2,000,000 employees and 1 to 500 courses");
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(format!("e0000001@{DOMAIN}"))
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        bail!("this database already holds a generated organisation (@{DOMAIN}); use a new one");
    }
    let mut rng = SplitMix64::new(o.seed);
    let mut g = Generated::default();
    let t0 = now();
    const DAY: i64 = 86_400;
    let hash = q(&o.password_hash);

    let mut tx = db.begin_write().await?;
    // Courses (titles for the dashboards) and one scenario version each,
    // which generated attempts point at.
    let course_ids: Vec<String> = (1..=o.courses).map(|i| format!("scale-{i:03}")).collect();
    let mut version_ids = Vec::new();
    let v0 = max_id(db, "content_versions").await?;
    {
        let mut c = Bulk::new(
            &mut tx,
            "INSERT INTO courses (id, title, body, active, updated_at)",
        );
        for (i, id) in course_ids.iter().enumerate() {
            let title = format!("{} {}", TOPICS[i % TOPICS.len()], i / TOPICS.len() + 1);
            c.push(format!("({}, {}, '', 0, {t0})", q(id), q(&title)))
                .await?;
        }
        c.flush().await?;
    }
    {
        let mut c = Bulk::new(
            &mut tx,
            "INSERT INTO content_versions (id, course_id, item_id, kind, version, hash, file, title, body, created_at)",
        );
        for (i, id) in course_ids.iter().enumerate() {
            let vid = v0 + 1 + i as i64;
            version_ids.push(vid);
            c.push(format!(
                "({vid}, {}, 'role-play', 'scenario', 1, 'generated', '', 'Role-play', '', {t0})",
                q(id)
            ))
            .await?;
        }
        c.flush().await?;
    }

    // Teams and their people.
    let team0 = max_id(db, "teams").await?;
    let user0 = max_id(db, "users").await?;
    let mut teams: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut next_user = user0;
    let mut left = o.employees;
    while left > 0 {
        let size = (rng.range(5, 30) as usize).min(left);
        left -= size;
        let id = team0 + 1 + teams.len() as i64;
        let members = (0..size)
            .map(|_| {
                next_user += 1;
                next_user
            })
            .collect();
        teams.push((id, members));
    }
    {
        let mut b = Bulk::new(&mut tx, "INSERT INTO teams (id, name, created_at)");
        for (i, (id, _)) in teams.iter().enumerate() {
            let name = format!(
                "{} {} {:05}",
                PLACES[i % PLACES.len()],
                UNITS[(i / PLACES.len()) % UNITS.len()],
                i + 1
            );
            b.push(format!("({id}, {}, {t0})", q(&name))).await?;
        }
        b.flush().await?;
        g.teams = b.written;
    }
    {
        let mut u = Bulk::new(
            &mut tx,
            "INSERT INTO users (id, email, name, password_hash, team_id, disabled, created_at)",
        );
        let mut n = 0usize;
        for (team, members) in &teams {
            for id in members {
                n += 1;
                let name = format!(
                    "{} {}",
                    FIRST[rng.below(FIRST.len() as u64) as usize],
                    LAST[rng.below(LAST.len() as u64) as usize]
                );
                u.push(format!(
                    "({id}, {}, {}, {hash}, {team}, 0, {t0})",
                    q(&format!("e{n:07}@{DOMAIN}")),
                    q(&name)
                ))
                .await?;
            }
        }
        // One manager per team, outside the teams they manage.
        for (i, _) in teams.iter().enumerate() {
            next_user += 1;
            u.push(format!(
                "({next_user}, {}, {}, {hash}, NULL, 0, {t0})",
                q(&format!("m{:05}@{DOMAIN}", i + 1)),
                q(&format!("Manager {:05}", i + 1))
            ))
            .await?;
        }
        // An administrator, who sees every team.
        next_user += 1;
        u.push(format!(
            "({next_user}, {}, 'Scale Admin', {hash}, NULL, 0, {t0})",
            q(&format!("admin@{DOMAIN}"))
        ))
        .await?;
        u.flush().await?;
        g.employees = n;
        g.managers = teams.len();
    }
    {
        let mut r = Bulk::new(&mut tx, "INSERT INTO user_roles (user_id, role)");
        for id in user0 + 1..=user0 + g.employees as i64 {
            r.push(format!("({id}, 'employee')")).await?;
        }
        for id in user0 + g.employees as i64 + 1..next_user {
            r.push(format!("({id}, 'manager')")).await?;
        }
        r.push(format!("({next_user}, 'admin')")).await?;
        r.flush().await?;
        let mut m = Bulk::new(&mut tx, "INSERT INTO team_managers (team_id, user_id)");
        for (i, (team, _)) in teams.iter().enumerate() {
            m.push(format!(
                "({team}, {})",
                user0 + g.employees as i64 + 1 + i as i64
            ))
            .await?;
        }
        m.flush().await?;
    }
    tx.commit().await?;

    // Assignments and progress, a few thousand people per transaction.
    let assign0 = max_id(db, "assignments").await?;
    let attempt0 = max_id(db, "attempts").await?;
    let mut next_assignment = assign0;
    let mut next_attempt = attempt0;
    for chunk in teams.chunks(200) {
        let mut tx = db.begin_write().await?;
        let mut assignments = Vec::new();
        let mut enrol = Vec::new();
        let mut certs = Vec::new();
        let mut attempts = Vec::new();
        let mut scores = Vec::new();
        for (team, members) in chunk {
            // Each team has 10–30 of the courses (all of them if fewer).
            let k = (rng.range(10, 30) as usize).min(o.courses);
            let mut picked: Vec<usize> = (0..o.courses).collect();
            for i in 0..k {
                let j = i + rng.below((o.courses - i) as u64) as usize;
                picked.swap(i, j);
            }
            picked.truncate(k);
            for &c in &picked {
                next_assignment += 1;
                let due = t0 + rng.range(-120, 90) * DAY;
                let renew = if rng.below(5) == 0 { "12" } else { "NULL" };
                assignments.push(format!(
                    "({next_assignment}, {}, {team}, NULL, {due}, {renew}, NULL, {})",
                    q(&course_ids[c]),
                    t0 - 200 * DAY
                ));
                g.pairs += members.len();
                for (n, user) in members.iter().enumerate() {
                    let roll = rng.below(100);
                    if roll < 25 {
                        continue;
                    }
                    let started = t0 - rng.range(1, 720) * DAY;
                    let completed =
                        (roll >= 50).then(|| (started + rng.range(0, 30) * DAY).min(t0));
                    enrol.push(format!(
                        "({user}, {}, {started}, {}, 'role-play', {})",
                        q(&course_ids[c]),
                        completed.unwrap_or(started),
                        completed
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "NULL".into())
                    ));
                    if let Some(done) = completed {
                        certs.push(format!(
                            "({}, {user}, {}, 'Generated', 'Generated', {done})",
                            q(&format!("G{user}-{c}")),
                            q(&course_ids[c])
                        ));
                        // Scenario results for some of the completions.
                        if (n + c) % 4 == 0 {
                            next_attempt += 1;
                            let outcome =
                                ["resolved", "partly_resolved", "lost"][rng.below(3) as usize];
                            let score = rng.range(-2, 12);
                            attempts.push(format!(
                                "({next_attempt}, {user}, {}, 'role-play', {}, 'scenario', 'finished', 6, '{{}}', '{outcome}', {score}, NULL, {started}, {done}, {done})",
                                q(&course_ids[c]),
                                version_ids[c]
                            ));
                            // Totals in -2..=6, so shares of that range.
                            for comp in COMPETENCIES {
                                let total = rng.range(-2, 6);
                                scores.push(format!(
                                    "({next_attempt}, '{comp}', {total}, {})",
                                    (total + 2) * 100 / 8
                                ));
                            }
                        }
                    }
                }
            }
        }
        for (head, rows) in [
            (
                "INSERT INTO assignments (id, course_id, team_id, user_id, due_at, renew_months, assigned_by, created_at)",
                &assignments,
            ),
            (
                "INSERT INTO enrolments (user_id, course_id, started_at, updated_at, last_item, completed_at)",
                &enrol,
            ),
            (
                "INSERT INTO certificates (code, user_id, course_id, learner_name, course_title, issued_at)",
                &certs,
            ),
            (
                "INSERT INTO attempts (id, user_id, course_id, item_id, version_id, kind, status, step, state, outcome, score, passed, started_at, updated_at, finished_at)",
                &attempts,
            ),
            (
                "INSERT INTO attempt_scores (attempt_id, competency, score, share)",
                &scores,
            ),
        ] {
            let mut b = Bulk::new(&mut tx, head);
            for r in rows {
                b.push(r.clone()).await?;
            }
            b.flush().await?;
        }
        tx.commit().await?;
        g.assignments += assignments.len();
        g.enrolments += enrol.len();
        g.certificates += certs.len();
        g.attempts += attempts.len();
    }

    if db.backend == Backend::Postgres {
        // Explicit ids leave the identity sequences behind.
        for table in [
            "teams",
            "users",
            "assignments",
            "attempts",
            "content_versions",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(&db.pool)
            .await?;
        }
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    } else {
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    super::dashboard::rebuild_all(db)
        .await
        .map_err(|e| anyhow::anyhow!("generate: cannot count the dashboards: {e}"))?;
    if db.backend == super::db::Backend::Postgres {
        // After a bulk load, as autovacuum would in time: statistics for the
        // planner and the visibility map for index-only scans of the
        // aggregates (overview sums 189 ms -> 27 ms measured).
        sqlx::query("VACUUM ANALYZE").execute(&db.pool).await?;
    }
    Ok(g)
}
