//! Every static SQL statement of the product, prepared against both
//! databases on a freshly migrated schema, so a typo in a rarely used query
//! (a misspelt column, a missing table, a syntax one database rejects)
//! fails CI instead of a user's request.
//!
//! The statements are read from the source: every string literal under
//! `src/` that starts with `SELECT`, `INSERT`, `UPDATE`, `DELETE` or `WITH`
//! and holds no `format!` placeholder. Statements built at run time (the
//! dashboards' filters, `IN (…)` lists, multi-row inserts completed by the
//! generator) are covered by the tests of the features that build them.
#![cfg(feature = "ssr")]

mod common;

use common::{Backend, TestApp};
use sqlx::Executor;
use std::path::{Path, PathBuf};

/// A statement and where it is written.
#[derive(Debug)]
struct Statement {
    at: String,
    sql: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of a Rust file with the line each starts on, with
/// escapes resolved. Comments, char literals and lifetimes are skipped.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                if b[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            // 'x', '\n', '\'' are chars; 'a without a closing quote is a lifetime.
            if b.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c == 'r'
            && (b.get(i + 1) == Some(&'"') || b.get(i + 1) == Some(&'#'))
            && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            let start_line = line;
            j += 1;
            let mut s = String::new();
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if b[j] == '\n' {
                    line += 1;
                }
                s.push(b[j]);
                j += 1;
            }
            out.push((start_line, s));
            i = j;
        } else if c == '"' {
            let start_line = line;
            let mut j = i + 1;
            let mut s = String::new();
            while j < b.len() && b[j] != '"' {
                if b[j] == '\\' {
                    match b.get(j + 1) {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some('\\') => s.push('\\'),
                        Some('"') => s.push('"'),
                        Some('\'') => s.push('\''),
                        Some('\n') => {
                            // A line continuation: the newline and the
                            // next line's leading whitespace go.
                            line += 1;
                            j += 2;
                            while j < b.len() && b[j].is_whitespace() {
                                if b[j] == '\n' {
                                    line += 1;
                                }
                                j += 1;
                            }
                            continue;
                        }
                        Some(other) => {
                            s.push('\\');
                            s.push(*other);
                        }
                        None => {}
                    }
                    j += 2;
                    continue;
                }
                if b[j] == '\n' {
                    line += 1;
                }
                s.push(b[j]);
                j += 1;
            }
            out.push((start_line, s));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn statements() -> Vec<Statement> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read a source file");
        // A unit test module's SQL (scratch tables) is not the product's.
        let text = match text.find("\n#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text[..],
        };
        let rel = f.strip_prefix(root).unwrap_or(&f).display().to_string();
        for (line, s) in string_literals(text) {
            let t = s.trim_start();
            let head = t
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let is_sql = matches!(
                head.as_str(),
                "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH"
            ) && t.len() > head.len()
                && (t.contains(" FROM ")
                    || t.contains("\nFROM")
                    || head == "INSERT"
                    || head == "UPDATE"
                    || t.contains("DELETE FROM"));
            // Multi-row inserts are written as a prefix that code completes
            // with its `VALUES` rows; those prefixes are not statements.
            let upper = t.trim_end().to_ascii_uppercase();
            let fragment = upper.ends_with("VALUES")
                || (head == "INSERT" && !upper.contains("VALUES") && !upper.contains("SELECT"));
            if is_sql && !fragment && !s.contains('{') {
                out.push(Statement {
                    at: format!("{rel}:{line}"),
                    sql: s,
                });
            }
        }
    }
    out
}

#[test]
fn the_source_reader_finds_statements() {
    let lits = string_literals(
        "let a = 'x'; fn f<'a>() {} // \"no\"\n/* \"no\" */ q(\"SELECT 1 \\\n     FROM t\", r#\"DELETE FROM \"u\"\"#);",
    );
    let texts: Vec<&str> = lits.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(texts, ["SELECT 1 FROM t", "DELETE FROM \"u\""]);
    assert_eq!(lits[0].0, 2);
    // The product has well over a hundred static statements; far fewer
    // means the reader has stopped finding them.
    let found = statements();
    assert!(found.len() > 100, "only {} statements found", found.len());
}

async fn every_statement_prepares(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let found = statements();
    let mut conn = app.db.pool.acquire().await.expect("a connection");
    let mut failures = Vec::new();
    for s in &found {
        if let Err(e) = (&mut *conn).prepare(s.sql.as_str()).await {
            failures.push(format!("{}: {e}\n    {}", s.at, s.sql.trim()));
        }
    }
    drop(conn);
    app.cleanup().await;
    assert!(
        failures.is_empty(),
        "{} of {} statements do not prepare on {backend:?}:\n{}",
        failures.len(),
        found.len(),
        failures.join("\n")
    );
}

on_both_backends!(every_statement_prepares);
