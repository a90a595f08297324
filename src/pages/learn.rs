//! The learner's pages: My learning, a course's outline, and each item
//! (lesson, role-play scenario, quiz), plus the certificate.
//!
//! Every action is a form that posts to a server function. Without
//! JavaScript the browser posts it and follows the redirect; once hydrated,
//! `ActionForm` sends it in the background and the router moves to the
//! same redirect without reloading the page.

use crate::api::learn::*;
use crate::components::{encode, loading, ErrorNotice, Flash};
use crate::domain::completion::{CourseStatus, ItemState};
use crate::domain::time::format_date;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_class(s: CourseStatus) -> &'static str {
    match s {
        CourseStatus::NotStarted => "status status-new",
        CourseStatus::InProgress => "status status-progress",
        CourseStatus::Completed => "status status-done",
        CourseStatus::Overdue => "status status-overdue",
    }
}

fn item_class(s: ItemState) -> &'static str {
    match s {
        ItemState::NotStarted => "status status-new",
        ItemState::InProgress => "status status-progress",
        ItemState::Done => "status status-done",
        ItemState::Failed => "status status-overdue",
    }
}

fn row_class(lost: i32) -> &'static str {
    if lost > 0 {
        "lost"
    } else {
        ""
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "lesson" => "Lesson",
        "scenario" => "Role-play",
        "quiz" => "Quiz",
        _ => "Item",
    }
}

/// A progress bar that reads the same without colour: the number is written.
#[component]
fn ProgressBar(percent: u32, label: String) -> impl IntoView {
    view! {
        <div class="progress">
            <progress max="100" value=percent aria-label=label></progress>
            <span class="progress-text">{format!("{percent}% done")}</span>
        </div>
    }
}

#[component]
fn CourseCardView(card: CourseCard, now: i64) -> impl IntoView {
    let heading = format!("course-{}", card.id);
    let labelled = heading.clone();
    let href = format!("/learn/{}", card.id);
    let action = match (&card.resume, card.started) {
        (Some(item), true) => Some(("Resume", format!("/learn/{}/{}", card.id, item))),
        (Some(item), false) => Some(("Start", format!("/learn/{}/{}", card.id, item))),
        (None, _) => None,
    };
    let due = card.due_at.map(|d| {
        let when = format_date(d);
        if card.status == CourseStatus::Overdue {
            format!("Was due {when}")
        } else if card.status == CourseStatus::Completed {
            format!("Due {when}")
        } else {
            let days = (d - now).div_euclid(86_400);
            match days {
                0 => format!("Due today, {when}"),
                1 => format!("Due tomorrow, {when}"),
                n => format!("Due {when} (in {n} days)"),
            }
        }
    });
    view! {
        <li class="card course-card" aria-labelledby=labelled>
            <h3 id=heading><a href=href>{card.title.clone()}</a></h3>
            <p>{card.summary.clone()}</p>
            <p class="meta">
                <span class=status_class(card.status)>{card.status.label()}</span>
                {due.map(|d| view! { <span class="due">{d}</span> })}
                <span>{format!("About {} minutes", card.minutes)}</span>
            </p>
            <ProgressBar percent=card.percent label=format!("Progress in {}", card.title) />
            <p class="actions">
                {action.map(|(label, href)| view! { <a class="button primary" href=href>{label}<span class="visually-hidden">{format!(": {}", card.title)}</span></a> })}
                {card.certificate.clone().map(|code| view! { <a class="button" href=format!("/certificates/{code}")>"Certificate"<span class="visually-hidden">{format!(" for {}", card.title)}</span></a> })}
            </p>
        </li>
    }
}

#[component]
pub fn MyLearningPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_learning());
    view! {
        <Title text="My learning" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let me = match data.await {
                    Ok(m) => m,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let now = me.now;
                let overdue = me.assigned.iter().filter(|c| c.status == CourseStatus::Overdue).count();
                view! {
                    <div class="page-heading">
                        <h1>"My learning"</h1>
                        <p class="lead">{if overdue > 0 {
                            format!("{overdue} of your assigned courses {} overdue.", if overdue == 1 { "is" } else { "are" })
                        } else {
                            "Your courses, where you left off and what is due.".to_string()
                        }}</p>
                    </div>
                    <Flash />
                    {(!me.notices.is_empty()).then(|| view! {
                        <section class="card notices" aria-labelledby="notices-title">
                            <h2 id="notices-title">"Notifications"</h2>
                            <ul>
                                {me.notices.into_iter().map(|n| view! {
                                    <li><span class="hint">{format_date(n.created_at)}": "</span>{n.message}</li>
                                }).collect_view()}
                            </ul>
                            <form method="post" action="/api/dismiss_notices" class="inline">
                                <button type="submit" class="button">"Mark all as read"</button>
                            </form>
                        </section>
                    })}
                    <section aria-labelledby="assigned-title">
                        <h2 id="assigned-title">"Assigned to me"</h2>
                        {if me.assigned.is_empty() {
                            view! { <p>"Nothing is assigned to you right now. You can take any course below."</p> }.into_any()
                        } else {
                            view! { <ul class="course-list">{me.assigned.into_iter().map(|c| view! { <CourseCardView card=c now=now /> }).collect_view()}</ul> }.into_any()
                        }}
                    </section>
                    {(!me.other.is_empty()).then(|| view! {
                        <section aria-labelledby="other-title">
                            <h2 id="other-title">"Other courses you can take"</h2>
                            <ul class="course-list">{me.other.into_iter().map(|c| view! { <CourseCardView card=c now=now /> }).collect_view()}</ul>
                        </section>
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn CourseOutlinePage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("course").unwrap_or_default(),
        course_view,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let c = match data.await {
                    Ok(c) => c,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let course_id = c.card.id.clone();
                let required: Vec<String> = c.items.iter().filter(|i| i.required).map(|i| i.title.clone()).collect();
                let resume = c.card.resume.clone().map(|item| {
                    let label = if c.card.started { "Resume" } else { "Start the course" };
                    view! { <a class="button primary" href=format!("/learn/{course_id}/{item}")>{label}</a> }
                });
                view! {
                    <Title text=c.card.title.clone() />
                    <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/learn">"My learning"</a></nav>
                    <div class="page-heading">
                        <h1>{c.card.title.clone()}</h1>
                        <p class="lead">{c.card.summary.clone()}</p>
                    </div>
                    <p class="meta">
                        <span class=status_class(c.card.status)>{c.card.status.label()}</span>
                        {c.card.due_at.map(|d| view! { <span class="due">{format!("Due {}", format_date(d))}</span> })}
                        <span>{format!("About {} minutes", c.card.minutes)}</span>
                    </p>
                    <ProgressBar percent=c.card.percent label=format!("Progress in {}", c.card.title) />
                    <p class="actions">
                        {resume}
                        {c.card.certificate.clone().map(|code| view! { <a class="button" href=format!("/certificates/{code}")>"View your certificate"</a> })}
                    </p>
                    <div class="prose card" inner_html=c.description_html></div>
                    <section class="card" aria-labelledby="outline-title">
                        <h2 id="outline-title">"Outline"</h2>
                        <ol class="outline">
                            {c.items.into_iter().map(|i| {
                                let href = format!("/learn/{}/{}", course_id, i.id);
                                view! {
                                    <li>
                                        <a href=href>{i.title.clone()}</a>
                                        <span class="kind">{kind_label(&i.kind)}</span>
                                        {i.minutes.map(|m| view! { <span class="hint">{format!("{m} min")}</span> })}
                                        <span class=item_class(i.state)>{i.state.label()}</span>
                                        {(!i.required).then(|| view! { <span class="hint">"Optional"</span> })}
                                        {i.best_score.filter(|_| i.kind == "quiz").map(|s| view! { <span class="hint">{format!("Best: {s}%")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <p class="hint">{format!("To complete the course: {}. The quiz must be passed.", required.join(", "))}</p>
                        {(!c.competencies.is_empty()).then(|| view! { <p class="hint">{format!("Trains: {}.", c.competencies.join(", "))}</p> })}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The page of one item: lesson, scenario or quiz.
#[component]
pub fn LearnItemPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let p = params.read();
            let q = query.read();
            (
                p.get("course").unwrap_or_default(),
                p.get("item").unwrap_or_default(),
                q.get("s").unwrap_or_default(),
                q.get("error").unwrap_or_default(),
            )
        },
        |(course, item, _, _)| learn_item(course, item),
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ItemData::Lesson(v)) => view! { <LessonBody v=v /> }.into_any(),
                    Ok(ItemData::Scenario(v)) => view! { <ScenarioBody v=v /> }.into_any(),
                    Ok(ItemData::Quiz(v)) => view! { <QuizBody v=v /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ItemHeader(place: ItemPlace, kind: &'static str) -> impl IntoView {
    view! {
        <Title text=place.title.clone() />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/learn">"My learning"</a>" › "
            <a href=format!("/learn/{}", place.course_id)>{place.course_title.clone()}</a>
        </nav>
        <div class="page-heading">
            <p class="eyebrow">{format!("{kind} · {} of {}", place.position, place.count)}</p>
            <h1>{place.title.clone()}</h1>
        </div>
        <Flash />
    }
}

fn next_link(place: &ItemPlace) -> impl IntoView {
    match &place.next {
        Some((id, title)) => view! {
            <a class="button" href=format!("/learn/{}/{id}", place.course_id)>{format!("Next: {title}")}</a>
        }
        .into_any(),
        None => view! {
            <a class="button" href=format!("/learn/{}", place.course_id)>"Back to the course"</a>
        }
        .into_any(),
    }
}

#[component]
fn LessonBody(v: LessonData) -> impl IntoView {
    let done = ServerAction::<CompleteLesson>::new();
    let place = v.place.clone();
    let label = if v.done {
        "Done · go on"
    } else if place.next.is_some() {
        "Mark as done and go on"
    } else {
        "Mark as done"
    };
    let next = v.done.then(|| next_link(&place));
    view! {
        <ItemHeader place=v.place.clone() kind="Lesson" />
        <article class="card prose lesson" inner_html=v.html></article>
        <div class="actions">
            <ActionForm action=done attr:class="inline">
                <input type="hidden" name="course" value=place.course_id.clone() />
                <input type="hidden" name="item" value=place.item_id.clone() />
                <button type="submit" class="button primary">{label}</button>
            </ActionForm>
            {next}
        </div>
    }
}

/// Once hydrated, a step replaces the button that was pressed; focus moves
/// to the feedback on that step (when the URL says a step was just taken),
/// so keyboard and screen-reader users continue from there, not from the
/// top of the page.
fn focus_on_arrival() -> NodeRef<leptos::html::Section> {
    let node = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let arrived = window().location().hash().is_ok_and(|h| h == "#now");
            if arrived {
                let _ = el.focus();
            }
        }
    });
    node
}

/// Hidden fields every step of an attempt carries.
#[component]
fn StepFields(place: ItemPlace, attempt: AttemptRef) -> impl IntoView {
    view! {
        <input type="hidden" name="course" value=place.course_id />
        <input type="hidden" name="item" value=place.item_id />
        <input type="hidden" name="attempt" value=attempt.id />
        <input type="hidden" name="step" value=attempt.step />
    }
}

#[component]
fn Meters(meters: Vec<Meter>) -> impl IntoView {
    view! {
        <section class="meters" aria-labelledby="meters-title">
            <h2 id="meters-title" class="small-heading">"Your skills in this conversation"</h2>
            <ul>
                {meters.into_iter().map(|m| {
                    let span = (m.max - m.min).max(1);
                    let pct = ((m.total - m.min).clamp(0, span) * 100 / span) as u32;
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
                            <span class="meter-value">{format!("{}", m.total)}<span class=class>{delta}</span></span>
                            <span class="visually-hidden">{format!("{pct}% of the range {} to {}", m.min, m.max)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ScenarioBody(v: ScenarioData) -> impl IntoView {
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
    let now = focus_on_arrival();
    let feedback = v.feedback.clone().map(|f| {
        view! {
            <section class="feedback-panel" id="now" node_ref=now aria-labelledby="feedback-title" tabindex="-1">
                <h2 id="feedback-title" class="small-heading">"How your reply landed"</h2>
                <p class="said">{format!("You said: “{}”", f.said)}</p>
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
            <section class=format!("card ending ending-{}", e.outcome_key) aria-labelledby="ending-title">
                <h2 id="ending-title">{format!("Outcome: {}", e.outcome)}</h2>
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
                                <td>{r.chosen}</td>
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
        view! {
            <section class="choices" aria-labelledby="choices-title">
                <h2 id="choices-title" class="small-heading">"What do you say?"</h2>
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

#[component]
fn QuizBody(v: QuizData) -> impl IntoView {
    let start = ServerAction::<StartQuiz>::new();
    let answer = ServerAction::<Answer>::new();
    let place = v.place.clone();
    let rules = format!(
        "{} question{}. Pass mark: {}%.{}",
        v.questions_per_attempt,
        if v.questions_per_attempt == 1 {
            ""
        } else {
            "s"
        },
        v.pass_percent,
        match v.attempts_max {
            Some(m) => format!(" Attempts used: {} of {m}.", v.attempts_used),
            None => String::new(),
        }
    );
    let start_form = |label: String| {
        let place = place.clone();
        view! {
            <ActionForm action=start attr:class="inline">
                <input type="hidden" name="course" value=place.course_id.clone() />
                <input type="hidden" name="item" value=place.item_id.clone() />
                <button type="submit" class="button primary">{label}</button>
            </ActionForm>
        }
    };
    let now = focus_on_arrival();
    let answered = v.answered.clone().map(|a| view! {
        <section class=if a.correct { "card answered right" } else { "card answered wrong" } id="now" node_ref=now tabindex="-1" aria-labelledby="answered-title">
            <h2 id="answered-title">{format!("Question {}: {}", a.position, if a.correct { "right" } else { "not quite" })}</h2>
            <p inner_html=a.prompt_html></p>
            <ul class="answered-options">
                {a.options.into_iter().map(|o| view! {
                    <li class=if o.correct { "option correct" } else { "option" }>
                        <p>
                            <strong>{match (o.picked, o.correct) {
                                (true, true) => "Your answer, right: ",
                                (true, false) => "Your answer, wrong: ",
                                (false, true) => "Right answer: ",
                                (false, false) => "",
                            }}</strong>
                            <span inner_html=o.html></span>
                        </p>
                        {(!o.feedback_html.is_empty()).then(|| view! { <div class="prose feedback" inner_html=o.feedback_html></div> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    });
    let question = v.question.clone().zip(v.attempt).map(|(q, attempt)| {
        let place = place.clone();
        let legend_id = format!("q-{}", q.id);
        let labelled = legend_id.clone();
        view! {
            <ActionForm action=answer attr:class="card question">
                <StepFields place=place attempt=attempt />
                <input type="hidden" name="question" value=q.id.clone() />
                <fieldset aria-labelledby=labelled>
                    <legend id=legend_id>
                        <span class="eyebrow">{format!("Question {} of {}", q.position, v.questions_per_attempt)}</span>
                        <span class="prompt" inner_html=q.prompt_html></span>
                    </legend>
                    {(!q.detail_html.is_empty()).then(|| view! { <div class="prose" inner_html=q.detail_html></div> })}
                    {q.multiple.then(|| view! { <p class="hint">"Choose every answer that applies."</p> })}
                    // `prop:checked=false`: once hydrated, the next question
                    // reuses these inputs, and must not inherit the last answer.
                    {q.options.into_iter().enumerate().map(|(n, o)| {
                        let id = format!("opt-{}", o.index);
                        let name = if q.multiple { format!("picked[{n}]") } else { "picked[0]".to_string() };
                        view! {
                            <div class="option-row">
                                <input type=if q.multiple { "checkbox" } else { "radio" } id=id.clone() name=name value=o.index required=!q.multiple prop:checked=false />
                                <label for=id inner_html=o.html></label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button primary">"Answer"</button>
            </ActionForm>
        }
    });
    let result = v.result.clone().map(|r| view! {
        <section class=if r.passed { "card result passed" } else { "card result failed" } aria-labelledby="result-title">
            <h2 id="result-title">{if r.passed { "Passed" } else { "Not passed yet" }}</h2>
            <p class="score">{format!("{} of {} right: {}% (pass mark {}%).", r.right, r.total, r.percent, v.pass_percent)}</p>
        </section>
    });
    let finished = v.result.is_some();
    let not_started = v.attempt.is_none();
    view! {
        <ItemHeader place=v.place.clone() kind="Quiz" />
        {not_started.then(|| view! { <div class="card prose" inner_html=v.intro_html.clone()></div> })}
        <p class="hint">{rules}</p>
        {v.passed_before.then(|| view! { <p class="status status-done">"You have passed this quiz."</p> })}
        {answered}
        {question}
        {result}
        <div class="actions">
            {(not_started || finished).then(|| {
                if v.can_retry {
                    start_form(if not_started { "Start the quiz".into() } else { "Try again (new attempt)".into() }).into_any()
                } else {
                    view! { <p>"You have used every attempt at this quiz. Your manager can help you with what comes next."</p> }.into_any()
                }
            })}
            {finished.then(|| next_link(&place))}
        </div>
    }
}

#[component]
pub fn CertificatePage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        certificate,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let c = match data.await {
                    Ok(c) => c,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let verify = format!("/certificates/{}", encode(&c.code));
                view! {
                    <Title text=format!("Certificate: {}", c.course) />
                    <article class="certificate" aria-labelledby="cert-title">
                        <p class="eyebrow">"Certificate of completion"</p>
                        <h1 id="cert-title">{c.learner.clone()}</h1>
                        <p>"has completed the course"</p>
                        <p class="cert-course">{c.course.clone()}</p>
                        <p>{format!("on {}", format_date(c.issued_at))}</p>
                        <p class="hint">{format!("Verification code {} · check it at {verify}", c.code)}</p>
                    </article>
                    {c.mine.then(|| view! {
                        <p class="actions no-print">
                            <a class="button" href="/learn">"Back to My learning"</a>
                        </p>
                        <p class="hint no-print">"Use your browser's Print command to print this certificate or save it as a PDF."</p>
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}
