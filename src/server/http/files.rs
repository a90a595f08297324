//! Routes that are not server functions: the CSV export, Twine uploads and
//! downloads of files and course zips.

use super::{plain_text, request_ctx};
use crate::api::AppError;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The dashboard's current view as CSV, streamed (GET: it changes nothing).
/// The same filters and the same scope as the dashboard page.
pub(super) async fn export_csv(State(state): State<AppState>, req: Request) -> Response {
    use crate::server::dashboard;
    let text = plain_text;
    let Some(user) = request_ctx(&req).and_then(|c| c.user) else {
        let next = format!("/dashboard/export.csv?{}", req.uri().query().unwrap_or(""));
        let to = crate::server::guard::url_with("/login", &[("next", &next)]);
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    };
    let mut filter = crate::api::dashboard::DashFilter::default();
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        match k.as_ref() {
            "team" => filter.team = v,
            "course" => filter.course = v,
            "status" => filter.status = v,
            "from" => filter.from = v,
            "to" => filter.to = v,
            "q" => filter.q = v,
            _ => {}
        }
    }
    let export = async {
        let scope = dashboard::scope(&state.db, &user).await?;
        dashboard::export_query(&state, &scope, &filter).await
    }
    .await;
    let export = match export {
        Ok(e) => e,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return text(status, e.to_string());
        }
    };
    let (send, mut recv) = tokio::sync::mpsc::channel(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = dashboard::export_csv(&db, export, send).await {
            tracing::warn!("export stopped: {e}");
        }
    });
    let stream = futures::stream::poll_fn(move |cx| recv.poll_recv(cx));
    let name = format!(
        "rapport-completion-{}.csv",
        crate::domain::time::format_date(crate::server::now())
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The signed-in trainer or admin, or the answer for anyone else: to the
/// sign-in page (then back to `next`), or 403.
pub(super) fn author(
    req: &Request,
    next: &str,
) -> Result<crate::api::auth::SessionUser, Box<Response>> {
    use crate::domain::Role;
    let Some(user) = request_ctx(req).and_then(|c| c.user) else {
        let to = crate::server::guard::url_with("/login", &[("next", next)]);
        return Err(Box::new(
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response(),
        ));
    };
    if !user.roles.has_any(&[Role::Trainer, Role::Admin]) {
        return Err(Box::new(plain_text(
            StatusCode::FORBIDDEN,
            AppError::Forbidden.to_string(),
        )));
    }
    Ok(user)
}

/// `POST /author/upload` (multipart, so it works without JavaScript): a
/// markdown file or a Twee story, chosen with the file picker or pasted,
/// becomes a draft. Answers with a redirect to its editor, or back to the
/// library with the reason.
pub(super) async fn author_upload(State(state): State<AppState>, req: Request) -> Response {
    use axum::extract::FromRequest;
    let user = match author(&req, "/author") {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let back = |e: AppError| {
        let to = crate::server::guard::url_with("/author", &[("error", &e.to_string())]);
        (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
    };
    let multipart = match axum::extract::Multipart::from_request(req, &state).await {
        Ok(m) => m,
        Err(_) => {
            return back(AppError::BadRequest(
                "The upload could not be read; choose the file again.".into(),
            ))
        }
    };
    match read_upload(multipart).await {
        Ok(u) => {
            let name = if u.name.trim().is_empty() {
                u.file_name.clone()
            } else {
                u.name.clone()
            };
            match crate::server::authoring::import(
                &state, user.id, &u.folder, &name, &u.format, &u.text,
            )
            .await
            {
                Ok(path) => {
                    let to = crate::server::guard::url_with(
                        "/author/edit",
                        &[("path", &path), ("imported", "1")],
                    );
                    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
                }
                Err(e) => back(e),
            }
        }
        Err(e) => back(e),
    }
}

#[derive(Default)]
pub(super) struct Upload {
    pub(super) folder: String,
    pub(super) name: String,
    pub(super) format: String,
    pub(super) text: String,
    pub(super) file_name: String,
}

pub(super) async fn read_upload(
    mut multipart: axum::extract::Multipart,
) -> Result<Upload, AppError> {
    use crate::content::source::MAX_FILE_BYTES;
    let mut u = Upload::default();
    let mut pasted = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable =
        || AppError::BadRequest("The upload was cut short or is not a form; try again.".into());
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let key = field.name().unwrap_or("").to_string();
        if key == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_FILE_BYTES {
                    return Err(AppError::Invalid(format!(
                        "`{file_name}` is larger than 1 MB; a content file may be at most 1 MB. Nothing was imported."
                    )));
                }
            }
            if !file_name.is_empty() || !bytes.is_empty() {
                file = Some((file_name, bytes));
            }
            continue;
        }
        let value = field.text().await.map_err(|_| unreadable())?;
        match key.as_str() {
            "folder" => u.folder = value,
            "name" => u.name = value,
            "format" => u.format = value,
            "source" => pasted = value,
            _ => {}
        }
    }
    match file {
        Some((file_name, bytes)) if !bytes.is_empty() => {
            u.text = String::from_utf8(bytes).map_err(|e| {
                AppError::Invalid(format!(
                    "`{file_name}` is not UTF-8 text (the first bad byte is at position {}); is it a binary file? Save it as UTF-8 markdown or Twee and try again.",
                    e.utf8_error().valid_up_to()
                ))
            })?;
            u.file_name = file_name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .to_string();
        }
        Some((file_name, _)) if pasted.trim().is_empty() => {
            return Err(AppError::Invalid(format!(
                "`{file_name}` is empty; choose a markdown file or a Twee story."
            )))
        }
        _ => u.text = pasted,
    }
    if u.text.trim().is_empty() {
        return Err(AppError::Invalid(
            "Choose a file to upload, or paste its text.".into(),
        ));
    }
    Ok(u)
}

/// `/author/download?path=…[&draft=1]`: one file's markdown, and
/// `/author/course.zip?folder=…`: a course folder as in `content/`.
pub(super) async fn author_download(State(state): State<AppState>, req: Request) -> Response {
    use crate::server::authoring;
    let next = format!("{}?{}", req.uri().path(), req.uri().query().unwrap_or(""));
    if let Err(refused) = author(&req, &next) {
        return *refused;
    }
    let text = plain_text;
    let mut path = String::new();
    let mut folder = String::new();
    let mut want_draft = false;
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "path" => path = v.into_owned(),
            "folder" => folder = v.into_owned(),
            "draft" => want_draft = v == "1",
            _ => {}
        }
    }
    let fail = |e: AppError| {
        text(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
    };
    if req.uri().path().ends_with(".zip") {
        match authoring::course_zip(&state, &folder).await {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{folder}.zip\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => fail(e),
        }
    } else {
        match authoring::download(&state, &path, want_draft).await {
            Ok(source) => {
                let name = path.rsplit('/').next().unwrap_or("file.md").to_string();
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "text/markdown; charset=utf-8".to_string(),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{name}\""),
                        ),
                    ],
                    source,
                )
                    .into_response()
            }
            Err(e) => fail(e),
        }
    }
}
