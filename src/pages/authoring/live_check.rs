//! The editor's live check: shortly after the last key press the text is
//! checked and previewed on the server (without saving), and copied to
//! this browser's storage so nothing typed is lost.

use super::backup;
use crate::api::authoring::{author_check, CheckResult};
use leptos::prelude::*;

/// The textarea's `input` handler. A check answered after a newer key
/// press is thrown away; `status` says where the preview stands.
pub(super) fn live_check(
    path: String,
    backup_key: String,
    live: RwSignal<Option<CheckResult>>,
    status: RwSignal<String>,
) -> impl Fn(leptos::ev::Event) + Clone + 'static {
    let generation = StoredValue::new(0u64);
    let timer: StoredValue<Option<leptos::prelude::TimeoutHandle>> = StoredValue::new(None);
    move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        // A copy in this browser, so nothing typed is lost if a save cannot
        // reach the server.
        backup::store(&backup_key, &text);
        let path = path.clone();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        status.set("Checking…".into());
        let handle = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let result = author_check(path, text).await;
                    if generation.get_value() != mine {
                        return;
                    }
                    match result {
                        Ok(r) => {
                            live.set(Some(r));
                            status.set("Preview up to date (not saved yet).".into());
                        }
                        Err(crate::api::AppError::Invalid(msg)) => status.set(msg),
                        Err(_) => status.set(
                            "The server could not be reached, so the preview is paused. Your text is safe here; keep typing, or save when the connection is back."
                                .into(),
                        ),
                    }
                });
            },
            std::time::Duration::from_millis(400),
        );
        timer.set_value(handle.ok());
    }
}
