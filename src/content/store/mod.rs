//! Content in the database and in memory.
//!
//! At start every instance loads `content/`, then records each item's
//! version: an unchanged file (same SHA-256) maps to the version already
//! stored, a changed one becomes version n+1. Several instances starting
//! at once agree, because versions are keyed by hash and a clash is
//! retried. The parsed courses stay in memory in a [`Catalog`]; requests
//! never parse or render markdown.

mod import;
mod organisation;
mod versions;

use super::{markdown, FileReport, Library};
use crate::api::AppError;
use crate::domain::course::{Course, Item, ItemBody};
use crate::domain::organisation::Organisation;
use crate::server::db::Db;
use crate::server::sql::internal;
pub use import::{current_epoch, import_folder, published_tree};
pub use organisation::{organisation, save_organisation};
use sqlx::FromRow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
pub use versions::{ensure_version, load, sync};

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
    /// Scenarios and quizzes with the organisation's words filled in,
    /// keyed like `rendered`.
    filled: Mutex<HashMap<(String, i64), Arc<Item>>>,
    /// `content_epoch` when this catalog was built.
    pub epoch: i64,
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
        if let Some(html) = recall(&self.rendered, &key) {
            return html;
        }
        let html: Arc<str> = Arc::from(markdown::render_template(md, &item.title, |name| {
            org.field(name)
        }));
        remember(&self.rendered, key, &html);
        html
    }
}

/// Puts a rendering in a cache that forgets everything past 1,000 entries
/// (content and the organisation's words change rarely; a burst of
/// versions only costs one re-render each).
fn remember<K: std::hash::Hash + Eq, V: Clone>(cache: &Mutex<HashMap<K, V>>, key: K, value: &V) {
    if let Ok(mut m) = cache.lock() {
        if m.len() > 1000 {
            m.clear();
        }
        m.insert(key, value.clone());
    }
}

fn recall<K: std::hash::Hash + Eq, V: Clone>(cache: &Mutex<HashMap<K, V>>, key: &K) -> Option<V> {
    cache.lock().ok().and_then(|m| m.get(key).cloned())
}

impl Catalog {
    /// Whether a scenario or quiz uses organisation placeholders such as
    /// `{{values}}` (lessons have [`Catalog::lesson_html`]).
    pub fn is_templated(&self, item: &Item) -> bool {
        match &item.body {
            ItemBody::Lesson(_) => false,
            ItemBody::Scenario(s) => s.templated,
            ItemBody::Quiz(q) => q.templated,
        }
    }

    /// A scenario or quiz with the organisation's words in place of its
    /// placeholders, built once per change of those words.
    pub fn with_organisation(&self, item: Arc<Item>, org: &Organisation) -> Arc<Item> {
        let key = (item.hash.clone(), org.updated_at);
        if let Some(done) = recall(&self.filled, &key) {
            return done;
        }
        let filled = match fill_item(&item, org) {
            Some(body) => Arc::new(Item {
                body,
                ..(*item).clone()
            }),
            None => item,
        };
        remember(&self.filled, key, &filled);
        filled
    }
}

/// The item's texts with placeholders filled: every string field, as HTML
/// when its name ends in `html`, as plain text otherwise. The typed-reply
/// phrasings stay as written (the model compares with what was loaded).
fn fill_item(item: &Item, org: &Organisation) -> Option<ItemBody> {
    fn walk(v: &mut serde_json::Value, key: &str, org: &Organisation) {
        match v {
            serde_json::Value::String(s) if s.contains("{{") && key != "phrasings" => {
                *s = markdown::fill_placeholders(s, key.ends_with("html"), |n| org.field(n));
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, org)),
            serde_json::Value::Object(o) => o.iter_mut().for_each(|(k, x)| walk(x, k, org)),
            _ => {}
        }
    }
    let mut json = serde_json::to_value(&item.body).ok()?;
    walk(&mut json, "", org);
    serde_json::from_value(json).ok()
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
        .await?;
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
pub struct Content {
    current: Arc<RwLock<Arc<Catalog>>>,
    /// Problems with files in `content/` that could not be imported at all
    /// (not UTF-8, too large): shown with every catalog built afterwards.
    folder_problems: Arc<RwLock<Vec<FileReport>>>,
    /// One reload at a time per instance, so an older catalog never
    /// replaces a newer one.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl Content {
    pub fn get(&self) -> Arc<Catalog> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, catalog: Catalog) {
        let new = Arc::new(catalog);
        match self.current.write() {
            Ok(mut c) => *c = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    fn folder_problems(&self) -> Vec<FileReport> {
        self.folder_problems
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Imports `content/` into the database (files changed there since the
    /// last import), then builds the catalog from the database.
    pub async fn load_folder(&self, db: &Db, dir: &std::path::Path) -> Result<(), AppError> {
        let problems = import_folder(db, dir).await?;
        if let Ok(mut p) = self.folder_problems.write() {
            *p = problems;
        }
        self.reload(db).await
    }

    /// Rebuilds the catalog from the published sources in the database.
    pub async fn reload(&self, db: &Db) -> Result<(), AppError> {
        let _one = self.reloading.lock().await;
        let epoch = current_epoch(db).await?;
        let files = published_tree(db).await?;
        let mut library = tokio::task::spawn_blocking(move || super::load_tree(&files))
            .await
            .map_err(internal)?;
        library.files.extend(self.folder_problems());
        let mut catalog = sync(db, library).await?;
        catalog.epoch = epoch;
        self.replace(catalog);
        Ok(())
    }

    /// Reloads when another instance published since this one last loaded.
    pub async fn reload_if_changed(&self, db: &Db) -> Result<bool, AppError> {
        if current_epoch(db).await? == self.get().epoch {
            return Ok(false);
        }
        self.reload(db).await?;
        Ok(true)
    }
}
