//! A course certificate.

use crate::api::learn::*;
use crate::components::{encode, loading, ErrorNotice};
use crate::domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
