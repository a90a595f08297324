//! Typed replies: what a learner typed, matched to the scene's authored
//! replies by meaning. See ARCHITECTURE.md ("Understanding typed replies").
//!
//! A sentence-embedding model turns text into unit vectors; the closeness
//! of two texts is the dot product of their vectors (cosine similarity).
//! Each authored reply is its text plus its `Also:` phrasings; a typed reply
//! is as close to an authored reply as to the nearest of those. It is
//! understood when the best is close enough and clearly ahead of the next
//! reply; otherwise the learner is asked to say more, and nothing is saved.
//!
//! Authored phrasings are embedded once per model and stored
//! (`reply_vectors`); a learner's reply costs one embedding and a few dot
//! products, on the blocking pool, one at a time per instance.

pub mod check;
pub mod gate;
mod model;
mod store;

pub use model::{default_dir, MiniLm};

use crate::api::AppError;
use crate::domain::scenario::Scene;
use crate::server::db::Db;
use crate::server::sql::internal;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use gate::Who;

/// A sentence-embedding model.
pub trait Embed: Send + Sync {
    /// Names the model and its weights; stored beside every vector.
    fn id(&self) -> &str;
    /// One unit-length vector per text.
    fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>>;
}

/// The longest reply a learner may type, in characters.
pub const MAX_CHARS: usize = 1000;

/// When a typed reply counts as understood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// The best reply must be at least this close (cosine similarity).
    pub min_similarity: f32,
    /// …and at least this much closer than the second-best reply.
    pub min_margin: f32,
}

impl Thresholds {
    /// Calibrated on the labelled set (`cargo bench --bench understanding`).
    pub const DEFAULT: Thresholds = Thresholds {
        min_similarity: 0.50,
        min_margin: 0.04,
    };
}

/// How close a typed reply came to one authored reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Closeness {
    /// The reply's index in its scene.
    pub choice: usize,
    /// Cosine similarity to its nearest phrasing, -1..=1.
    pub score: f32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Understood(usize),
    /// Not close enough to any reply, or as close to two of them.
    Unsure,
}

/// Decides from the closeness to each offered reply.
pub fn decide(scores: &[Closeness], t: Thresholds) -> Verdict {
    let mut sorted: Vec<&Closeness> = scores.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    match sorted.as_slice() {
        [] => Verdict::Unsure,
        [best] if best.score >= t.min_similarity => Verdict::Understood(best.choice),
        [best, second, ..]
            if best.score >= t.min_similarity && best.score - second.score >= t.min_margin =>
        {
            Verdict::Understood(best.choice)
        }
        _ => Verdict::Unsure,
    }
}

/// The text a learner typed, made fit to store: control characters go
/// (line breaks become spaces), runs of spaces become one, ends trimmed.
/// Errors say what to change.
pub fn clean_reply(raw: &str) -> Result<String, AppError> {
    let mut out = String::with_capacity(raw.len().min(4 * MAX_CHARS + 4));
    let mut chars = 0usize;
    let mut space = false;
    for c in raw.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        out.push(c);
        chars += 1;
        if chars > MAX_CHARS {
            let total = raw.chars().count();
            return Err(AppError::Invalid(format!(
                "Your reply is too long ({total} characters): keep it under {MAX_CHARS}, as you would say it."
            )));
        }
    }
    if out.is_empty() {
        return Err(AppError::Invalid(
            "Type what you would say to the customer, or choose one of the replies.".into(),
        ));
    }
    Ok(out)
}

/// Format characters that change nothing a reader sees (zero-width spaces,
/// direction marks, byte-order marks).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// The phrasings of a reply: its text and its `Also:` lines.
pub fn phrasings_of(scene: &Scene, choice: usize) -> Vec<String> {
    scene
        .choices
        .get(choice)
        .map(|c| {
            std::iter::once(c.text.clone())
                .chain(c.phrasings.iter().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The model of a running server, or none (then typed-reply scenes offer
/// the list of replies).
#[derive(Clone, Default)]
pub struct Understanding {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    model: Arc<dyn Embed>,
    /// The model's arithmetic runs here: one thread at a low CPU priority
    /// (nice 10: about a tenth of a core's share against normal work), so
    /// pages are served first when both cores are busy, and a reply still
    /// finishes when something else keeps the CPU busy.
    threads: rayon::ThreadPool,
    /// One inference at a time per instance (the other core stays free),
    /// shared fairly between people (see `gate`).
    gate: gate::Gate,
    /// Phrasing vectors already read or computed, by text.
    cache: Mutex<HashMap<String, Arc<[f32]>>>,
}

/// Vectors kept in memory per instance (1.5 KB each).
const CACHE_ENTRIES: usize = 20_000;
/// A reply waits at most this long for its turn; then the learner is
/// offered the list rather than a spinner.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Why a reply could not be matched right now.
#[derive(Debug)]
pub enum Unavailable {
    NoModel,
    Busy,
}

impl Understanding {
    pub fn new(model: Arc<dyn Embed>) -> Understanding {
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "rapport-model".into())
            .start_handler(|_| lowest_priority())
            .build()
            .expect("a thread for the model");
        Understanding {
            inner: Some(Arc::new(Inner {
                model,
                threads,
                gate: gate::Gate::default(),
                cache: Mutex::new(HashMap::new()),
            })),
        }
    }

    /// Loads the model in `dir`, once per process (tests start many
    /// servers). `None`, logged once, when it cannot be loaded.
    pub async fn load(dir: &Path) -> Understanding {
        static LOADED: OnceLock<Mutex<HashMap<std::path::PathBuf, Option<Arc<MiniLm>>>>> =
            OnceLock::new();
        let loaded = LOADED.get_or_init(Default::default);
        if let Some(found) = loaded.lock().map(|m| m.get(dir).cloned()).ok().flatten() {
            return found.map_or_else(Understanding::default, |m| Understanding::new(m));
        }
        let path = dir.to_path_buf();
        let started = std::time::Instant::now();
        let model = tokio::task::spawn_blocking(move || MiniLm::load(&path))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r);
        let model = match model {
            Ok(m) => {
                tracing::info!(
                    "typed replies: model {} loaded in {} ms",
                    m.id(),
                    started.elapsed().as_millis()
                );
                Some(Arc::new(m))
            }
            Err(e) => {
                tracing::warn!(
                    "typed replies are off: the model in {} cannot be loaded ({e:#}); scenes offer their list of replies",
                    dir.display()
                );
                None
            }
        };
        if let Ok(mut m) = loaded.lock() {
            m.insert(dir.to_path_buf(), model.clone());
        }
        model.map_or_else(Understanding::default, |m| Understanding::new(m))
    }

    pub fn available(&self) -> bool {
        self.inner.is_some()
    }

    pub fn model_id(&self) -> Option<&str> {
        self.inner.as_ref().map(|i| i.model.id())
    }

    /// Embeds `texts` on the blocking pool, in turn with other people's
    /// requests: `who` waits at most once at a time (see `gate`).
    pub async fn embed(&self, who: Who, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let inner = self
            .inner
            .clone()
            .ok_or(EmbedError::Unavailable(Unavailable::NoModel))?;
        let turn = inner
            .gate
            .turn(who, QUEUE_WAIT)
            .await
            .map_err(|_| EmbedError::Unavailable(Unavailable::Busy))?;
        let out = run_model(&inner, texts).await;
        drop(turn);
        out
    }

    /// The vectors of `texts` (authored phrasings): from memory, then the
    /// database, then the model (and stored for next time).
    pub async fn phrasing_vectors(
        &self,
        who: Who,
        db: Option<&Db>,
        texts: &[String],
    ) -> Result<Vec<Arc<[f32]>>, EmbedError> {
        self.vectors_with(who, db, texts, None)
            .await
            .map(|(found, _)| found)
    }

    /// The phrasing vectors of `texts` and, when `said` is given, its own
    /// vector, with at most one turn of the model: a request waits in the
    /// line once, however many texts it needs embedded.
    async fn vectors_with(
        &self,
        who: Who,
        db: Option<&Db>,
        texts: &[String],
        said: Option<&str>,
    ) -> Result<(Vec<Arc<[f32]>>, Option<Vec<f32>>), EmbedError> {
        let inner = self
            .inner
            .clone()
            .ok_or(EmbedError::Unavailable(Unavailable::NoModel))?;
        let model = inner.model.id().to_string();
        let mut found = inner.cached(texts);
        let missing: Vec<String> = unique(texts.iter().filter(|t| !found.contains_key(*t)));
        if !missing.is_empty() {
            if let Some(db) = db {
                found.extend(store::read(db, &model, &missing).await?);
            }
        }
        let mut to_embed: Vec<String> = missing
            .iter()
            .filter(|t| !found.contains_key(*t))
            .cloned()
            .collect();
        let mut said_vector = None;
        if !to_embed.is_empty() || said.is_some() {
            let turn = inner
                .gate
                .turn(who, QUEUE_WAIT)
                .await
                .map_err(|_| EmbedError::Unavailable(Unavailable::Busy))?;
            // Another request may have embedded them while this one waited.
            found.extend(inner.cached(&to_embed));
            to_embed.retain(|t| !found.contains_key(t));
            let mut batch = to_embed.clone();
            batch.extend(said.map(str::to_string));
            let mut vectors = run_model(&inner, batch).await?;
            if said.is_some() {
                said_vector =
                    Some(vectors.pop().ok_or_else(|| {
                        EmbedError::Failed(internal("the model returned no vector"))
                    })?);
            }
            for (t, v) in to_embed.iter().zip(&vectors) {
                found.insert(t.clone(), v.as_slice().into());
            }
            // In memory before the next in line looks.
            inner.remember(&missing, &found);
            drop(turn);
            if let (Some(db), false) = (db, to_embed.is_empty()) {
                store::write(db, &model, &to_embed, &vectors).await?;
            }
        } else {
            inner.remember(&missing, &found);
        }
        let vectors = texts
            .iter()
            .map(|t| {
                found
                    .get(t)
                    .cloned()
                    .ok_or_else(|| EmbedError::Failed(internal("a phrasing has no vector")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((vectors, said_vector))
    }

    /// How close `said` comes to each of the `offered` replies of `scene`.
    pub async fn closeness(
        &self,
        who: Who,
        db: &Db,
        scene: &Scene,
        offered: &[usize],
        said: &str,
    ) -> Result<Vec<Closeness>, EmbedError> {
        self.closeness_in(who, Some(db), scene, offered, said).await
    }

    /// [`Self::closeness`] with phrasing vectors kept in memory only.
    pub async fn closeness_without_db(
        &self,
        scene: &Scene,
        offered: &[usize],
        said: &str,
    ) -> Result<Vec<Closeness>, EmbedError> {
        self.closeness_in(0, None, scene, offered, said).await
    }

    async fn closeness_in(
        &self,
        who: Who,
        db: Option<&Db>,
        scene: &Scene,
        offered: &[usize],
        said: &str,
    ) -> Result<Vec<Closeness>, EmbedError> {
        let groups: Vec<(usize, Vec<String>)> = offered
            .iter()
            .map(|&i| (i, phrasings_of(scene, i)))
            .collect();
        let all: Vec<String> = groups.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
        let (vectors, said) = self.vectors_with(who, db, &all, Some(said)).await?;
        let said = said.ok_or_else(|| EmbedError::Failed(internal("no vector for the reply")))?;
        let mut at = 0;
        Ok(groups
            .into_iter()
            .map(|(choice, p)| {
                let score = vectors[at..at + p.len()]
                    .iter()
                    .map(|v| dot(&said, v))
                    .fold(f32::MIN, f32::max);
                at += p.len();
                Closeness { choice, score }
            })
            .collect())
    }
}

/// Runs the model on its thread, from the blocking pool.
async fn run_model(inner: &Arc<Inner>, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
    let work = inner.clone();
    let out =
        tokio::task::spawn_blocking(move || work.threads.install(|| work.model.embed(&texts)))
            .await
            .map_err(internal)?;
    out.map_err(|e| EmbedError::Failed(internal(format!("the model failed: {e:#}"))))
}

impl Inner {
    /// The vectors of `texts` kept in memory.
    fn cached(&self, texts: &[String]) -> HashMap<String, Arc<[f32]>> {
        let mut found = HashMap::new();
        if let Ok(cache) = self.cache.lock() {
            for t in texts {
                if let Some(v) = cache.get(t) {
                    found.insert(t.clone(), v.clone());
                }
            }
        }
        found
    }

    /// Keeps the vectors of `texts` found in `found` in memory.
    fn remember(&self, texts: &[String], found: &HashMap<String, Arc<[f32]>>) {
        if texts.is_empty() {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() + texts.len() > CACHE_ENTRIES {
                cache.clear();
            }
            for t in texts {
                if let Some(v) = found.get(t) {
                    cache.insert(t.clone(), v.clone());
                }
            }
        }
    }
}

/// Lowers the calling thread's CPU priority to nice 10 (Linux: nice is per
/// thread). Inference then takes mostly the CPU that pages leave.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and id 0 changes only the
    // calling thread's nice value; it touches no memory.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

fn unique<'a>(texts: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    texts.filter(|t| seen.insert(*t)).cloned().collect()
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[derive(Debug)]
pub enum EmbedError {
    /// No model, or too many replies waiting: offer the list.
    Unavailable(Unavailable),
    Failed(AppError),
}

impl From<AppError> for EmbedError {
    fn from(e: AppError) -> Self {
        EmbedError::Failed(e)
    }
}

/// A small deterministic stand-in for the model, for unit tests: words
/// hashed into 256 buckets. Texts that share words are close.
pub struct HashedWords;

impl Embed for HashedWords {
    fn id(&self) -> &str {
        "hashed-words/256"
    }

    fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0f32; 256];
                for w in t
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                {
                    let h = crc32fast::hash(w.to_lowercase().as_bytes());
                    v[(h % 256) as usize] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                v.iter_mut().for_each(|x| *x /= n);
                v
            })
            .collect())
    }
}

#[cfg(test)]
mod tests;
