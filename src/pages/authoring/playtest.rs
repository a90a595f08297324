//! Play-testing a draft.

use super::edit_href;
use crate::api::authoring::*;
use crate::components::{encode, escape_html, loading, ErrorNotice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Plays a draft as a learner would; nothing is recorded.
#[component]
pub fn AuthorPlayPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("path").unwrap_or_default(),
                    q.get("moves").unwrap_or_default(),
                    q.get("said"),
                )
            })
        },
        |(p, m, s)| author_playtest(p, m, s),
    );
    view! {
        <Title text="Play-test" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match data.await {
                    Ok(p) => p,
                    Err(e) => return view! {
                        <ErrorNotice error=e />
                    }.into_any(),
                };
                let base = format!("/author/play?path={}", encode(&p.path));
                let restart = base.clone();
                let back = p.back.clone().map(|b| format!("{base}&moves={b}"));
                view! {
                    <p class="breadcrumb"><a href=edit_href(&p.path)>{format!("← Edit {}", p.path)}</a></p>
                    <div class="page-heading">
                        <h1>{format!("Play-test: {}", p.title)}</h1>
                        <p class="lead">{if p.from_draft { "Playing the draft. Nothing you choose here is recorded or counted." } else { "Playing the published version (there is no draft). Nothing you choose here is recorded or counted." }}</p>
                    </div>
                    <section class="card persona" aria-labelledby="pt-persona">
                        <h2 id="pt-persona">{p.persona.clone()}</h2>
                        <p>{p.situation.clone()}</p>
                    </section>
                    <section class="card" aria-labelledby="pt-conversation">
                        <h2 id="pt-conversation">"Conversation"</h2>
                        <ol class="transcript">
                            {p.transcript.into_iter().map(|l| view! {
                                <li class=if l.mine { "line mine" } else { "line" }>
                                    {l.speaker.clone().map(|s| view! { <p class="speaker">{s}</p> })}
                                    {l.mine.then(|| view! { <p class="speaker">"You"</p> })}
                                    <div class="said prose" inner_html=l.html></div>
                                </li>
                            }).collect_view()}
                        </ol>
                        {p.feedback_html.map(|f| view! {
                            <aside class="feedback" aria-label="Feedback on your last reply"><div class="prose" inner_html=f></div></aside>
                        })}
                        <p class="hint">{p.totals.iter().map(|(k, v)| format!("{k} {v:+}")).collect::<Vec<_>>().join(" · ")}</p>
                    </section>
                    {match p.ending {
                        Some(e) => view! {
                            <section class="card" aria-labelledby="pt-end">
                                <h2 id="pt-end">{format!("Ending: {}", e.label())}</h2>
                                {p.score.map(|s| view! { <p>{format!("Score {s}{}", p.best.map(|b| format!(" of a best possible {b}")).unwrap_or_default())}</p> })}
                                <p><a href=restart.clone() class="button">"Play again from the start"</a></p>
                            </section>
                        }.into_any(),
                        None => view! {
                            <section class="card" aria-labelledby="pt-choose">
                                <h2 id="pt-choose">{format!("{}: what do you say?", p.scene_title)}</h2>
                                {if p.choices.is_empty() {
                                    view! { <p class="bad">"No choice is on offer here: learners would be stuck. Fix this scene in the editor."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="choices plain">
                                            {p.choices.into_iter().map(|(_, text, moves)| view! {
                                                <li><a class="button choice" href=format!("{base}&moves={moves}")>{text}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                {p.typed.clone().map(|t| view! { <TypedTry path=p.path.clone() moves=p.moves.clone() t=t /> })}
                            </section>
                        }.into_any(),
                    }}
                    <p class="actions-row">
                        {back.map(|b| view! { <a href=b>"Take back the last reply"</a> })}
                        <a href=restart>"Start again"</a>
                    </p>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Try a typed reply in a play-test: how close it comes to each reply.
#[component]
fn TypedTry(path: String, moves: String, t: PlayTyped) -> impl IntoView {
    let base = format!("/author/play?path={}", encode(&path));
    view! {
        <div class="typed-try">
            <h3>"Try a typed reply"</h3>
            {(!t.available).then(|| view! { <p class="hint">"The language model is not installed here, so typed text cannot be matched (run scripts/setup)."</p> })}
            <form method="get" action="/author/play">
                <input type="hidden" name="path" value=path.clone() />
                <input type="hidden" name="moves" value=moves.clone() />
                <label for="pt-said">"What a learner might type"</label>
                <textarea id="pt-said" name="said" rows="2" maxlength="1000" inner_html=escape_html(&t.said)></textarea>
                <button type="submit" class="button">"See how it is read"</button>
            </form>
            {(!t.scores.is_empty()).then(|| {
                let links = t.scores.iter().map(|(_, _, m)| Some(format!("{base}&moves={m}"))).collect();
                view! { <Closeness t=t.clone() links /> }
            })}
        </div>
    }
}

/// How close a typed text came to each reply (a bar and a number), and the
/// reply it would be understood as. `links`: where each reply leads, if
/// anywhere.
#[component]
pub(super) fn Closeness(t: PlayTyped, links: Vec<Option<String>>) -> impl IntoView {
    let verdict = match t.understood {
        Some(i) => format!("Understood as: “{}”", t.scores[i].0),
        None => "Not understood: the learner would be asked to say it another way.".to_string(),
    };
    view! {
        <p class="typed-verdict" role="status">{verdict}</p>
        <table class="closeness">
            <caption class="visually-hidden">"How close the typed text came to each reply"</caption>
            <thead><tr><th scope="col">"Reply"</th><th scope="col">"Closeness"</th></tr></thead>
            <tbody>
                {t.scores.into_iter().zip(links).enumerate().map(|(i, ((text, score, _), link))| {
                    let pct = (score.clamp(0.0, 1.0) * 100.0).round() as u32;
                    let reply = match link {
                        Some(href) => view! { <a href=href>{text}</a> }.into_any(),
                        None => view! { <span>{text}</span> }.into_any(),
                    };
                    view! {
                        <tr class=if t.understood == Some(i) { "chosen" } else { "" }>
                            <td>{reply}</td>
                            <td><meter min="0" max="100" value=pct aria-label="closeness"></meter>{format!(" {score:.2}")}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
