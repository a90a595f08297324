//! The statements Rapport writes, as xAPI 1.0.3 JSON.

use super::{ActorMode, Settings, Statement};
use crate::domain::course::{Course, Item, ItemKind, Question};
use crate::domain::scenario::Scene;
use serde_json::{json, Value};

const VERBS: &str = "http://adlnet.gov/expapi/verbs/";
const ACTIVITIES: &str = "http://adlnet.gov/expapi/activities/";

/// Who did it.
pub struct Actor<'a> {
    pub user_id: i64,
    pub email: &'a str,
    pub name: &'a str,
}

/// Builds statements for one moment (`t`).
pub struct Builder<'a> {
    pub(super) settings: &'a Settings,
    pub(super) key: &'a [u8],
    pub(super) t: i64,
    /// For a back-fill: ids derived from the attempt and a counter, so that
    /// a second back-fill of the same attempt makes the same statements.
    pub(super) fixed: Option<(i64, std::cell::Cell<u32>)>,
}

/// A random (version 4) UUID.
pub fn new_uuid() -> String {
    format_uuid(rand::random::<[u8; 16]>())
}

fn format_uuid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// RFC 3339 in UTC.
fn timestamp(t: i64) -> String {
    let (y, m, d) = crate::domain::time::civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn lang(s: &str) -> Value {
    json!({ "en": s })
}

/// Sanitised inline HTML as plain text: tags dropped, entities decoded.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn item_type(item: &Item) -> &'static str {
    match item.kind() {
        ItemKind::Lesson => "lesson",
        ItemKind::Scenario => "simulation",
        ItemKind::Quiz => "assessment",
    }
}

impl Builder<'_> {
    fn actor(&self, a: &Actor) -> Value {
        match self.settings.actor {
            ActorMode::Account => json!({
                "objectType": "Agent",
                "account": { "homePage": self.settings.public_url, "name": a.user_id.to_string() },
            }),
            ActorMode::Email => json!({
                "objectType": "Agent",
                "name": a.name,
                "mbox": format!("mailto:{}", a.email),
            }),
        }
    }

    fn id(&self, parts: &[&str]) -> String {
        let mut out = format!("{}/xapi/activities", self.settings.public_url);
        for p in parts {
            out.push('/');
            out.push_str(&crate::components::encode(p).replace('/', "%2F"));
        }
        out
    }

    fn course_activity(&self, c: &Course) -> Value {
        json!({
            "objectType": "Activity",
            "id": self.id(&[&c.id]),
            "definition": { "type": format!("{ACTIVITIES}course"), "name": lang(&c.title) },
        })
    }

    fn item_activity(&self, c: &Course, i: &Item) -> Value {
        json!({
            "objectType": "Activity",
            "id": self.id(&[&c.id, &i.id]),
            "definition": { "type": format!("{ACTIVITIES}{}", item_type(i)), "name": lang(&i.title) },
        })
    }

    /// The same UUID for every statement of one attempt.
    pub fn registration(&self, attempt_id: i64) -> String {
        let mac = crate::server::mail::hmac(self.key, format!("attempt {attempt_id}").as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&mac[..16]);
        format_uuid(b)
    }

    fn statement(
        &self,
        actor: &Actor,
        verb: &str,
        object: Value,
        result: Option<Value>,
        context: Value,
    ) -> Statement {
        let id = match &self.fixed {
            None => new_uuid(),
            Some((attempt, n)) => {
                let k = n.get();
                n.set(k + 1);
                let mac = crate::server::mail::hmac(
                    self.key,
                    format!("backfill {attempt} {k}").as_bytes(),
                );
                let mut b = [0u8; 16];
                b.copy_from_slice(&mac[..16]);
                format_uuid(b)
            }
        };
        let mut s = json!({
            "id": id,
            "actor": self.actor(actor),
            "verb": { "id": format!("{VERBS}{verb}"), "display": lang(verb) },
            "object": object,
            "context": context,
            "timestamp": timestamp(self.t),
        });
        if let Some(r) = result {
            s["result"] = r;
        }
        Statement {
            id,
            json: s.to_string(),
        }
    }

    fn attempt_context(&self, c: &Course, i: Option<&Item>, attempt: Option<i64>) -> Value {
        let mut ctx = json!({
            "platform": "Rapport",
            "contextActivities": { "grouping": [self.course_activity(c)] },
        });
        if let Some(i) = i {
            ctx["contextActivities"]["parent"] = json!([self.item_activity(c, i)]);
        }
        if let Some(a) = attempt {
            ctx["registration"] = json!(self.registration(a));
        }
        ctx
    }

    /// A scenario or quiz attempt began.
    pub fn attempted(&self, actor: &Actor, attempt: i64, c: &Course, i: &Item) -> Statement {
        let mut ctx = self.attempt_context(c, None, Some(attempt));
        ctx["contextActivities"]["parent"] = json!([self.course_activity(c)]);
        self.statement(actor, "attempted", self.item_activity(c, i), None, ctx)
    }

    /// A reply chosen in a scene: a `choice` interaction listing the replies
    /// on offer. `typed`: the learner typed it and it was understood as the
    /// chosen reply (sent as `long-fill-in` with that reply's text).
    #[allow(clippy::too_many_arguments)]
    pub fn responded(
        &self,
        actor: &Actor,
        attempt: i64,
        c: &Course,
        i: &Item,
        scene: &Scene,
        offered: &[usize],
        chosen: usize,
        typed: bool,
    ) -> Statement {
        let choice_id = |k: usize| {
            scene.choices[k]
                .id
                .clone()
                .unwrap_or_else(|| format!("reply-{}", k + 1))
        };
        let name = if scene.title.is_empty() {
            scene.id.clone()
        } else {
            scene.title.clone()
        };
        let (definition, response) = if typed {
            (
                json!({
                    "type": format!("{ACTIVITIES}cmi.interaction"),
                    "name": lang(&name),
                    "interactionType": "long-fill-in",
                }),
                scene.choices[chosen].text.clone(),
            )
        } else {
            (
                json!({
                    "type": format!("{ACTIVITIES}cmi.interaction"),
                    "name": lang(&name),
                    "interactionType": "choice",
                    "choices": offered.iter().map(|k| json!({
                        "id": choice_id(*k),
                        "description": lang(&scene.choices[*k].text),
                    })).collect::<Vec<_>>(),
                }),
                choice_id(chosen),
            )
        };
        let object = json!({
            "objectType": "Activity",
            "id": self.id(&[&c.id, &i.id, &scene.id]),
            "definition": definition,
        });
        let result = json!({ "response": response });
        self.statement(
            actor,
            "responded",
            object,
            Some(result),
            self.attempt_context(c, Some(i), Some(attempt)),
        )
    }

    /// A scenario reached an ending.
    pub fn ended(
        &self,
        actor: &Actor,
        attempt: i64,
        c: &Course,
        i: &Item,
        outcome: &str,
        score: Option<i64>,
    ) -> Statement {
        let mut result = json!({
            "completion": true,
            "success": outcome == "resolved",
            "extensions": { format!("{}/xapi/extensions/outcome", self.settings.public_url): outcome },
        });
        if let Some(s) = score {
            result["score"] = json!({ "raw": s });
        }
        let mut ctx = self.attempt_context(c, None, Some(attempt));
        ctx["contextActivities"]["parent"] = json!([self.course_activity(c)]);
        self.statement(
            actor,
            "completed",
            self.item_activity(c, i),
            Some(result),
            ctx,
        )
    }

    /// A quiz question answered.
    #[allow(clippy::too_many_arguments)]
    pub fn answered(
        &self,
        actor: &Actor,
        attempt: i64,
        c: &Course,
        i: &Item,
        q: &Question,
        picked: &[usize],
        correct: bool,
    ) -> Statement {
        let ids = |v: &[usize]| {
            v.iter()
                .map(|k| format!("option-{}", k + 1))
                .collect::<Vec<_>>()
                .join("[,]")
        };
        let right: Vec<usize> = q
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.correct)
            .map(|(k, _)| k)
            .collect();
        let object = json!({
            "objectType": "Activity",
            "id": self.id(&[&c.id, &i.id, &q.id]),
            "definition": {
                "type": format!("{ACTIVITIES}cmi.interaction"),
                "name": lang(&plain(&q.prompt_html)),
                "interactionType": "choice",
                "correctResponsesPattern": [ids(&right)],
                "choices": q.options.iter().enumerate().map(|(k, o)| json!({
                    "id": format!("option-{}", k + 1),
                    "description": lang(&plain(&o.html)),
                })).collect::<Vec<_>>(),
            },
        });
        let result = json!({ "response": ids(picked), "success": correct });
        self.statement(
            actor,
            "answered",
            object,
            Some(result),
            self.attempt_context(c, Some(i), Some(attempt)),
        )
    }

    /// A quiz finished: passed or failed, with the share answered right.
    pub fn quiz_result(
        &self,
        actor: &Actor,
        attempt: i64,
        c: &Course,
        i: &Item,
        passed: bool,
        percent: i64,
    ) -> Statement {
        let result = json!({
            "completion": true,
            "success": passed,
            "score": { "scaled": (percent as f64 / 100.0).clamp(0.0, 1.0), "raw": percent, "min": 0, "max": 100 },
        });
        let mut ctx = self.attempt_context(c, None, Some(attempt));
        ctx["contextActivities"]["parent"] = json!([self.course_activity(c)]);
        self.statement(
            actor,
            if passed { "passed" } else { "failed" },
            self.item_activity(c, i),
            Some(result),
            ctx,
        )
    }

    /// A lesson read to the end.
    pub fn experienced(&self, actor: &Actor, c: &Course, i: &Item) -> Statement {
        let mut ctx = self.attempt_context(c, None, None);
        ctx["contextActivities"]["parent"] = json!([self.course_activity(c)]);
        self.statement(actor, "experienced", self.item_activity(c, i), None, ctx)
    }

    /// A course launched: the learner opened its first item (once per
    /// enrolment).
    pub fn launched(&self, actor: &Actor, c: &Course) -> Statement {
        self.statement(
            actor,
            "launched",
            self.course_activity(c),
            None,
            json!({ "platform": "Rapport" }),
        )
    }

    /// A course completed.
    pub fn course_completed(&self, actor: &Actor, c: &Course) -> Statement {
        self.statement(
            actor,
            "completed",
            self.course_activity(c),
            Some(json!({ "completion": true })),
            json!({ "platform": "Rapport" }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_have_version_and_variant() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_ne!(new_uuid(), u);
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain("<em>Tom</em> &amp; <b>Jerry</b> &lt;3"),
            "Tom & Jerry <3"
        );
    }

    #[test]
    fn timestamps_are_rfc_3339() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_795_996_800 + 3723), "2026-11-30T01:02:03Z");
    }

    #[test]
    fn registrations_are_stable_per_attempt() {
        let s = Settings::new("https://lrs/xAPI", "k", "s", "https://r").unwrap();
        let b = Builder {
            settings: &s,
            key: b"key",
            t: 0,
            fixed: None,
        };
        assert_eq!(b.registration(7), b.registration(7));
        assert_ne!(b.registration(7), b.registration(8));
        assert_eq!(&b.registration(7)[14..15], "4");
    }
}
