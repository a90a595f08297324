//! A quiz being taken: the question, the answer given, the result.

use super::item::{next_link, ItemHeader, StepFields};
use crate::api::learn::*;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub(super) fn QuizBody(v: QuizData) -> impl IntoView {
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
    let answered = v.answered.clone().map(|a| view! {
        <section class=if a.correct { "card answered right" } else { "card answered wrong" } id="now" data-arrival="" tabindex="-1" aria-labelledby="answered-title">
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
