//! A scenario being played: transcript, meters, choices, ending.

use super::item::{next_link, ItemHeader, StepFields};
use super::row_class;
use super::typed::TypedReply;
use crate::api::learn::*;
use crate::domain::scenario::ScoreRange;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub(super) fn Meters(meters: Vec<Meter>) -> impl IntoView {
    view! {
        <section class="meters" aria-labelledby="meters-title">
            <h2 id="meters-title" class="small-heading">"Your skills in this conversation"</h2>
            <p class="hint">"Each bar runs from the worst to the best this conversation allows. In brackets: the points your last reply gained or lost."</p>
            <ul>
                {meters.into_iter().map(|m| {
                    // The share of what this conversation makes possible
                    // (0%: the worst route's total, 100%: the best's), so a
                    // meter means the same in every scenario.
                    let share = ScoreRange { min: m.min, max: m.max }.share(m.total);
                    let shown = match share {
                        Some(p) => format!("{p}%"),
                        None => format!("{}", m.total),
                    };
                    let delta = match m.delta {
                        0 => String::new(),
                        d if d > 0 => format!(" (+{d})"),
                        d => format!(" ({d})"),
                    };
                    let class = match m.delta { d if d > 0 => "delta up", d if d < 0 => "delta down", _ => "delta" };
                    view! {
                        <li>
                            <span class="meter-name">{m.competency.clone()}</span>
                            <meter min=m.min max=m.max value=m.total aria-label=format!("{} score", m.competency)></meter>
                            <span class="meter-value">{shown}<span class=class>{delta}</span></span>
                            <span class="visually-hidden">{format!("{} points, on a range from {} to {}", m.total, m.min, m.max)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub(super) fn ScenarioBody(v: ScenarioData) -> impl IntoView {
    let start = ServerAction::<StartScenario>::new();
    let choose = ServerAction::<Choose>::new();
    let back = ServerAction::<StepBack>::new();
    let place = v.place.clone();
    let persona = view! {
        <aside class="card persona" aria-labelledby="persona-title">
            <h2 id="persona-title">{v.persona.clone()}</h2>
            <dl class="facts">
                <dt>"Channel"</dt><dd>{v.channel.clone()}</dd>
                <dt>"Mood"</dt><dd>{v.mood.clone()}</dd>
                <dt>"Situation"</dt><dd>{v.situation.clone()}</dd>
            </dl>
        </aside>
    };
    let start_form = |label: &'static str| {
        let place = place.clone();
        view! {
            <ActionForm action=start attr:class="inline">
                <input type="hidden" name="course" value=place.course_id.clone() />
                <input type="hidden" name="item" value=place.item_id.clone() />
                <button type="submit" class="button primary">{label}</button>
            </ActionForm>
        }
    };
    let Some(attempt) = v.attempt else {
        return view! {
            <ItemHeader place=v.place.clone() kind="Role-play" />
            <div class="player">
                {persona}
                <div class="conversation">
                    <div class="card prose" inner_html=v.intro_html.clone()></div>
                    <p>"Read what the customer says, then choose your reply. Each reply has consequences; you will see how it landed and, at the end, the route you took beside the best one."</p>
                    {start_form("Start the conversation")}
                </div>
            </div>
        }
        .into_any();
    };
    let transcript = v.transcript.into_iter().map(|t| {
        if t.mine {
            view! { <li class="turn mine"><span class="who">"You"</span><div class="bubble" inner_html=t.html></div></li> }.into_any()
        } else if let Some(s) = t.speaker {
            view! { <li class="turn them"><span class="who">{s}</span><div class="bubble prose" inner_html=t.html></div></li> }.into_any()
        } else {
            view! { <li class="turn narration"><div class="prose" inner_html=t.html></div></li> }.into_any()
        }
    }).collect_view();
    // Where a keyboard user continues after a step: the feedback on it, or
    // the text box when a typed reply was not understood.
    let retrying = v.typed.as_ref().is_some_and(|t| t.why.is_some());
    let feedback = v.feedback.clone().map(|f| {
        view! {
            <section class="feedback-panel" id="now" data-arrival=(!retrying).then_some("") aria-labelledby="feedback-title" tabindex="-1">
                <h2 id="feedback-title" class="small-heading">"How your reply landed"</h2>
                <p class="said">{format!("You said: “{}”", f.said)}</p>
                {f.understood_as.map(|u| view! { <p class="understood-as">{format!("We understood this as: “{u}”")}</p> })}
                <div class="prose" inner_html=f.html></div>
            </section>
        }
    });
    let ending = v.ending.clone().map(|e| {
        let score = match (e.score, e.best) {
            (Some(s), Some(b)) => format!("Your score: {s} (the best route scores {b})."),
            (Some(s), None) => format!("Your score: {s}."),
            _ => "This scenario is for practice: it has no score.".into(),
        };
        view! {
            <section class=format!("card ending ending-{}", e.outcome.key()) aria-labelledby="ending-title">
                <h2 id="ending-title">{format!("Outcome: {}", e.outcome.label())}</h2>
                <p class="score">{score}</p>
                <div class="debrief prose">
                    {e.debrief.into_iter().map(|html| view! { <div inner_html=html></div> }).collect_view()}
                </div>
                <h3>"Your route beside the best one"</h3>
                <table>
                    <caption class="visually-hidden">"Each reply you chose, and the better reply where you lost points"</caption>
                    <thead><tr><th scope="col">"Moment"</th><th scope="col">"You said"</th><th scope="col">"Better reply"</th><th scope="col">"Points lost"</th></tr></thead>
                    <tbody>
                        {e.review.into_iter().map(|r| view! {
                            <tr class=row_class(r.lost)>
                                <th scope="row">{r.scene}</th>
                                <td>{match r.typed {
                                    Some(t) => view! { {format!("“{t}”")}<br /><span class="hint">{format!("understood as: {}", r.chosen)}</span> }.into_any(),
                                    None => view! { {r.chosen} }.into_any(),
                                }}</td>
                                <td>{r.better.unwrap_or_else(|| "Yours was the best reply here.".into())}</td>
                                <td>{r.lost}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h3>"The best route"</h3>
                <ol class="best-route">{e.best_route.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ol>
            </section>
        }
    });
    let finished = v.ending.is_some();
    let choices = (!finished).then(|| {
        let place = place.clone();
        let list = view! {
            <ul>
                {v.choices.into_iter().map(|c| {
                    let place = place.clone();
                    view! {
                        <li>
                            <ActionForm action=choose attr:class="choice-form">
                                <StepFields place=place attempt=attempt />
                                <input type="hidden" name="choice" value=c.index />
                                <button type="submit" class="choice">{c.text}</button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        };
        view! {
            <section class="choices" aria-labelledby="choices-title">
                <h2 id="choices-title" class="small-heading">"What do you say?"</h2>
                {v.typed_unavailable.then(|| view! {
                    <p class="hint typed-notice">"This conversation lets you answer in your own words, but that is not available here yet. Choose the reply closest to what you would say."</p>
                })}
                {match v.typed {
                    Some(typed) => view! { <TypedReply place=place.clone() attempt=attempt typed=typed list=list.into_any() /> }.into_any(),
                    None => list.into_any(),
                }}
                {v.can_go_back.then(|| {
                    let place = place.clone();
                    view! {
                        <ActionForm action=back attr:class="inline">
                            <StepFields place=place attempt=attempt />
                            <button type="submit" class="link-button">"Take back my last reply"</button>
                        </ActionForm>
                    }
                })}
            </section>
        }
    });
    view! {
        <ItemHeader place=v.place.clone() kind="Role-play" />
        <div class="player">
            <div class="side">
                {persona}
                <Meters meters=v.meters />
            </div>
            <div class="conversation">
                <ol class="transcript" aria-label="The conversation so far">{transcript}</ol>
                {feedback}
                {(!v.scene_title.is_empty() && !finished).then(|| view! { <p class="hint scene-title">{v.scene_title.clone()}</p> })}
                {choices}
                {ending}
                {finished.then(|| view! {
                    <div class="actions">
                        {start_form("Try again (new attempt)")}
                        {next_link(&place)}
                    </div>
                })}
            </div>
        </div>
    }
    .into_any()
}
