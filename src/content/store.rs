//! Content in the database and in memory.
//!
//! At start every instance loads `content/`, then records each item's
//! version: an unchanged file (same SHA-256) maps to the version already
//! stored, a changed one becomes version n+1. Several instances starting
//! at once agree, because versions are keyed by hash and a clash is
//! retried. The parsed courses stay in memory in a [`Catalog`]; requests
//! never parse or render markdown.

use super::{markdown, FileReport, Library};
use crate::api::organisation::Organisation;
use crate::api::AppError;
use crate::domain::course::{Course, Item, ItemBody};
use crate::server::db::Db;
use crate::server::now;
use sqlx::FromRow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

fn internal(e: sqlx::Error) -> AppError {
    tracing::error!(error = %e, "database error");
    AppError::Internal
}

/// The stored version of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Row id in `content_versions`: what attempts refer to.
    pub id: i64,
    /// 1, 2, 3… per item.
    pub number: i64,
}

/// What the server serves: the loaded courses, the version of each item,
/// and the problems found while loading.
#[derive(Default)]
pub struct Catalog {
    pub library: Library,
    pub versions: HashMap<(String, String), Version>,
    /// Template lessons rendered with the organisation's words, keyed by
    /// item hash and the organisation's `updated_at`.
    rendered: Mutex<HashMap<(String, i64), Arc<str>>>,
    /// Items by `content_versions` id, for attempts pinned to a version:
    /// the current ones come from the library, older ones are parsed from
    /// their stored source once per instance.
    pinned: Mutex<HashMap<i64, Arc<Item>>>,
}

impl Catalog {
    pub fn courses(&self) -> &[Course] {
        &self.library.courses
    }

    pub fn course(&self, id: &str) -> Option<&Course> {
        self.library.course(id)
    }

    pub fn problems(&self) -> impl Iterator<Item = &FileReport> {
        self.library
            .files
            .iter()
            .filter(|f| !f.diagnostics.is_empty())
    }

    pub fn version(&self, course: &str, item: &str) -> Option<Version> {
        self.versions
            .get(&(course.to_string(), item.to_string()))
            .copied()
    }

    /// A lesson's HTML; template lessons get the organisation's words,
    /// rendered once per change of those words.
    pub fn lesson_html(&self, item: &Item, org: &Organisation) -> Arc<str> {
        let ItemBody::Lesson(lesson) = &item.body else {
            return Arc::from("");
        };
        let Some(md) = &lesson.markdown else {
            return Arc::from(lesson.html.as_str());
        };
        let key = (item.hash.clone(), org.updated_at);
        if let Ok(cache) = self.rendered.lock() {
            if let Some(html) = cache.get(&key) {
                return html.clone();
            }
        }
        let html: Arc<str> = Arc::from(markdown::render_template(md, |name| org.field(name)));
        if let Ok(mut cache) = self.rendered.lock() {
            if cache.len() > 1000 {
                cache.clear();
            }
            cache.insert(key, html.clone());
        }
        html
    }
}

impl Catalog {
    /// The item an attempt is pinned to, by `content_versions` id.
    pub async fn item_at_version(
        &self,
        db: &Db,
        course: &str,
        version_id: i64,
    ) -> Result<Arc<Item>, AppError> {
        if let Some(item) = self
            .pinned
            .lock()
            .ok()
            .and_then(|m| m.get(&version_id).cloned())
        {
            return Ok(item);
        }
        let current = self.course(course).and_then(|c| {
            c.items.iter().find(|i| {
                self.version(course, &i.id)
                    .is_some_and(|v| v.id == version_id)
            })
        });
        let item = match current {
            Some(i) => Arc::new(i.clone()),
            None => Arc::new(self.parse_stored(db, course, version_id).await?),
        };
        if let Ok(mut m) = self.pinned.lock() {
            if m.len() > 500 {
                m.clear();
            }
            m.insert(version_id, item.clone());
        }
        Ok(item)
    }

    /// An older version, from the rendered body stored in the database.
    async fn parse_stored(&self, db: &Db, course: &str, version_id: i64) -> Result<Item, AppError> {
        #[derive(FromRow)]
        struct Row {
            course_id: String,
            item_id: String,
            title: String,
            file: String,
            hash: String,
            body: String,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT course_id, item_id, title, file, hash, body FROM content_versions WHERE id = $1",
        )
        .bind(version_id)
        .fetch_optional(&db.pool)
        .await
        .map_err(internal)?;
        let Some(row) = row.filter(|r| r.course_id == course) else {
            return Err(AppError::not_found("This version of the item"));
        };
        let body = serde_json::from_str(&row.body).map_err(|e| {
            tracing::error!(version_id, error = %e, "a stored content version does not decode");
            AppError::Internal
        })?;
        Ok(Item {
            id: row.item_id,
            title: row.title,
            minutes: None,
            file: row.file,
            hash: row.hash,
            body,
        })
    }
}

/// The catalog shared by all requests; replaced whole when content reloads.
#[derive(Clone, Default)]
pub struct Content(Arc<RwLock<Arc<Catalog>>>);

impl Content {
    pub fn get(&self) -> Arc<Catalog> {
        match self.0.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, catalog: Catalog) {
        let new = Arc::new(catalog);
        match self.0.write() {
            Ok(mut c) => *c = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

#[derive(FromRow)]
struct VersionRow {
    id: i64,
    version: i64,
}

async fn find_version(
    db: &Db,
    course: &str,
    item: &str,
    hash: &str,
) -> Result<Option<VersionRow>, AppError> {
    sqlx::query_as::<_, VersionRow>(
        "SELECT id, version FROM content_versions WHERE course_id = $1 AND item_id = $2 AND hash = $3",
    )
    .bind(course)
    .bind(item)
    .bind(hash)
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)
}

/// The stored version of an item, created when the file is new or changed.
pub async fn ensure_version(db: &Db, course: &str, item: &Item) -> Result<Version, AppError> {
    for _ in 0..5 {
        if let Some(v) = find_version(db, course, &item.id, &item.hash).await? {
            return Ok(Version {
                id: v.id,
                number: v.version,
            });
        }
        let body = serde_json::to_string(&item.body).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise content");
            AppError::Internal
        })?;
        let inserted = sqlx::query_as::<_, VersionRow>(
            "INSERT INTO content_versions (course_id, item_id, kind, version, hash, file, title, body, created_at)
             VALUES ($1, $2, $3,
                     (SELECT COALESCE(MAX(version), 0) + 1 FROM content_versions WHERE course_id = $1 AND item_id = $2),
                     $4, $5, $6, $7, $8)
             RETURNING id, version",
        )
        .bind(course)
        .bind(&item.id)
        .bind(item.kind().as_str())
        .bind(&item.hash)
        .bind(&item.file)
        .bind(&item.title)
        .bind(body)
        .bind(now())
        .fetch_one(&db.pool)
        .await;
        match inserted {
            Ok(v) => {
                if v.version > 1 {
                    tracing::info!(course, item = %item.id, version = v.version, "content changed: new version stored");
                }
                return Ok(Version {
                    id: v.id,
                    number: v.version,
                });
            }
            // Another instance stored this hash or took this number first.
            Err(sqlx::Error::Database(_)) => continue,
            Err(e) => return Err(internal(e)),
        }
    }
    tracing::error!(course, item = %item.id, "could not store a content version after 5 tries");
    Err(AppError::Internal)
}

/// Records the loaded library in the database and returns the catalog.
pub async fn sync(db: &Db, library: Library) -> Result<Catalog, AppError> {
    let mut versions = HashMap::new();
    for course in &library.courses {
        let mut ids = Vec::new();
        for item in &course.items {
            let v = ensure_version(db, &course.id, item).await?;
            versions.insert((course.id.clone(), item.id.clone()), v);
            ids.push((item.id.clone(), v.id));
        }
        let header = serde_json::json!({
            "title": course.title,
            "summary": course.summary,
            "minutes": course.minutes,
            "competencies": course.competencies,
            "required": course.required,
            "file": course.file,
        })
        .to_string();
        let mut tx = db.pool.begin().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO courses (id, title, body, active, updated_at) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, active = 1, updated_at = excluded.updated_at",
        )
        .bind(&course.id)
        .bind(&course.title)
        .bind(header)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("DELETE FROM course_items WHERE course_id = $1")
            .bind(&course.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        for (pos, (item, vid)) in ids.iter().enumerate() {
            sqlx::query("INSERT INTO course_items (course_id, position, item_id, version_id) VALUES ($1, $2, $3, $4)")
                .bind(&course.id)
                .bind(pos as i64)
                .bind(item)
                .bind(vid)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
    }
    // Courses whose folder is gone stay for history, marked inactive.
    let active: Vec<String> = library.courses.iter().map(|c| c.id.clone()).collect();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT id FROM courses WHERE active = 1")
        .fetch_all(&db.pool)
        .await
        .map_err(internal)?;
    for (id,) in stored.into_iter().filter(|(id,)| !active.contains(id)) {
        sqlx::query("UPDATE courses SET active = 0, updated_at = $2 WHERE id = $1")
            .bind(&id)
            .bind(now())
            .execute(&db.pool)
            .await
            .map_err(internal)?;
        tracing::warn!(course = %id, "course no longer in the content folder: marked inactive");
    }
    Ok(Catalog {
        library,
        versions,
        rendered: Mutex::new(HashMap::new()),
        pinned: Mutex::new(HashMap::new()),
    })
}

/// Loads the content folder, logs every problem, stores versions.
pub async fn load(db: &Db, dir: &std::path::Path) -> Result<Catalog, AppError> {
    let dir_owned = dir.to_path_buf();
    let library = tokio::task::spawn_blocking(move || super::load_dir(&dir_owned))
        .await
        .map_err(|_| AppError::Internal)?;
    for f in &library.files {
        for d in &f.diagnostics {
            match d.severity {
                super::source::Severity::Error => tracing::error!("{d}"),
                super::source::Severity::Warning => tracing::warn!("{d}"),
            }
        }
    }
    let items: usize = library.courses.iter().map(|c| c.items.len()).sum();
    tracing::info!(
        courses = library.courses.len(),
        items,
        errors = library.errors(),
        warnings = library.warnings(),
        "content loaded from {}",
        dir.display()
    );
    sync(db, library).await
}

#[derive(FromRow)]
struct OrgRow {
    name: String,
    mission: String,
    vision: String,
    values_md: String,
    updated_at: i64,
}

pub async fn organisation(db: &Db) -> Result<Organisation, AppError> {
    let row = sqlx::query_as::<_, OrgRow>(
        "SELECT name, mission, vision, values_md, updated_at FROM organisation WHERE id = 1",
    )
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)?;
    Ok(match row {
        Some(r) => Organisation {
            name: r.name,
            mission: r.mission,
            vision: r.vision,
            values: r.values_md,
            updated_at: r.updated_at,
        },
        None => Organisation::unset(),
    })
}

/// Saves the organisation's words; `only_if_unset` is for seeding.
pub async fn save_organisation(
    db: &Db,
    actor: Option<i64>,
    org: &Organisation,
    only_if_unset: bool,
) -> Result<(), AppError> {
    let sql = if only_if_unset {
        "INSERT INTO organisation (id, name, mission, vision, values_md, updated_at, updated_by)
         VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO organisation (id, name, mission, vision, values_md, updated_at, updated_by)
         VALUES (1, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, mission = excluded.mission, vision = excluded.vision,
            values_md = excluded.values_md, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    };
    let mut tx = db.pool.begin().await.map_err(internal)?;
    // A later save in the same second must still look new to the cache.
    let previous: Option<(i64,)> =
        sqlx::query_as("SELECT updated_at FROM organisation WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    let at = now().max(previous.map_or(0, |p| p.0 + 1));
    sqlx::query(sql)
        .bind(&org.name)
        .bind(&org.mission)
        .bind(&org.vision)
        .bind(&org.values)
        .bind(at)
        .bind(actor)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    if !only_if_unset {
        crate::server::store::audit(&mut tx, actor, "organisation.updated", &org.name).await?;
    }
    tx.commit().await.map_err(internal)?;
    Ok(())
}
