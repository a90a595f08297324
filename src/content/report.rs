//! Output of `rapport check`: lines a trainer's editor can jump to, or JSON
//! for tools.

use super::FileReport;
use crate::domain::course::FileKind;
use serde::Serialize;
use std::fmt::Write;

/// `file:line:col: error: message` lines, then a summary per item and a
/// total. Score ranges are listed for every scenario.
pub fn text(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        for d in &r.diagnostics {
            let _ = writeln!(out, "{d}");
        }
    }
    for r in reports
        .iter()
        .filter(|r| r.kind == FileKind::Scenario && r.errors() == 0)
    {
        let _ = write!(
            out,
            "{}: scenario `{}`: {} scenes, {} endings, {} choices",
            r.file,
            r.id.as_deref().unwrap_or("?"),
            r.counts.scenes,
            r.counts.endings,
            r.counts.choices
        );
        for (comp, range) in &r.scores {
            let _ = write!(out, "; {comp} {}..{}", range.min, range.max);
        }
        out.push('\n');
    }
    let errors: usize = reports.iter().map(FileReport::errors).sum();
    let warnings: usize = reports.iter().map(FileReport::warnings).sum();
    let _ = writeln!(
        out,
        "checked {} file{}: {} error{}, {} warning{}",
        reports.len(),
        plural(reports.len()),
        errors,
        plural(errors),
        warnings,
        plural(warnings)
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[derive(Serialize)]
struct Json<'a> {
    errors: usize,
    warnings: usize,
    items: &'a [FileReport],
}

pub fn json(reports: &[FileReport]) -> String {
    serde_json::to_string_pretty(&Json {
        errors: reports.iter().map(FileReport::errors).sum(),
        warnings: reports.iter().map(FileReport::warnings).sum(),
        items: reports,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
