//! The `rapport` command line: clear one-line errors for bad configuration,
//! and the administrator commands.
#![cfg(feature = "ssr")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rapport() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
    c.env_remove("DATABASE_URL").env("RAPPORT_LOG", "error");
    c
}

/// Runs `rapport ARGS` with `input` on standard input.
fn run_with_stdin(args: &[&str], input: &str) -> std::process::Output {
    let mut child = rapport()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn fails_with(args: &[&str], expected: &str) {
    let out = rapport().args(args).output().expect("runs");
    assert!(!out.status.success(), "{args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, no stack trace: {stderr}");
    assert!(
        lines[0].starts_with("rapport: ") && lines[0].contains(expected),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unreachable_database_is_one_clear_line() {
    fails_with(
        &[
            "migrate",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/nothing",
        ],
        "cannot connect to the database",
    );
}

#[test]
fn unwritable_database_folder_is_one_clear_line() {
    fails_with(
        &[
            "migrate",
            "--database-url",
            "sqlite:///proc/rapport-cannot-write/x.db",
        ],
        "cannot create the database folder",
    );
}

#[test]
fn unknown_database_kind_is_one_clear_line() {
    fails_with(
        &["migrate", "--database-url", "mysql://root@localhost/x"],
        "unsupported database URL",
    );
}

#[test]
fn port_in_use_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    fails_with(
        &["serve", "--addr", &addr, "--database-url", &db],
        "cannot listen on",
    );
}

#[test]
fn admin_create_then_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    let out = run_with_stdin(
        &[
            "admin",
            "create",
            "--email",
            "Boss@Example.com",
            "--name",
            "The Boss",
            "--database-url",
            &db,
        ],
        "a long enough password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let list = rapport()
        .args(["user", "list", "--database-url", &db])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("boss@example.com")
            && text.contains("Administrator")
            && text.contains("active"),
        "{text}"
    );

    // The operator can disable, re-enable and reset the password from the shell.
    for args in [["user", "disable"], ["user", "enable"]] {
        let out = rapport()
            .args(args)
            .args(["--email", "boss@example.com", "--database-url", &db])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run_with_stdin(
        &[
            "user",
            "set-password",
            "--email",
            "boss@example.com",
            "--database-url",
            &db,
        ],
        "another long password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rapport()
        .args([
            "user",
            "disable",
            "--email",
            "nobody@example.com",
            "--database-url",
            &db,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody has an account"));

    // A too-short password is refused and nothing is created.
    let out = run_with_stdin(
        &[
            "admin",
            "create",
            "--email",
            "two@example.com",
            "--name",
            "Two",
            "--database-url",
            &db,
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
}

#[test]
fn a_fresh_database_explains_how_to_create_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    let mut child = rapport()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &db])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let started = Instant::now();
    let mut seen = String::new();
    let mut line = String::new();
    while started.elapsed() < Duration::from_secs(30) && !seen.contains("is listening") {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.contains("No administrator exists yet")
            && seen.contains("rapport admin create --email"),
        "{seen}"
    );
}

#[test]
fn migrate_creates_a_missing_postgres_database() {
    let admin = std::env::var("RAPPORT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = &admin[..admin.rfind('/').expect("database URL has a path")];
    let name = format!("rapport_cli_{}", std::process::id());
    let url = format!("{base}/{name}");
    for _ in 0..2 {
        let out = rapport()
            .args(["migrate", "--database-url", &url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date"));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::migrate::MigrateDatabase;
        sqlx::any::install_default_drivers();
        sqlx::Any::drop_database(&url)
            .await
            .expect("drop the test database");
    });
}

/// A copy of a shipped course folder in a temporary directory.
fn course_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let course = dir.path().join("empathetic-listening");
    std::fs::create_dir_all(&course).unwrap();
    for entry in std::fs::read_dir("content/empathetic-listening").unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), course.join(entry.file_name())).unwrap();
    }
    (dir, course)
}

#[test]
fn check_reports_deep_conditions_and_markup_without_crashing() {
    let (_dir, course) = course_copy();
    let file = course.join("03-the-third-call.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let deep = format!("{{if {}visited notes}} **Dana:**", "(".repeat(300_000));
    let text = text.replacen("**Dana:**", &deep, 1)
        + "\n<table>stray text<tr><td>a</td></tr></table>\n\n"
        + &"> ".repeat(5_000)
        + "deep quote\n";
    std::fs::write(&file, text).unwrap();
    let out = rapport()
        .env_remove("RAPPORT_LOG")
        .args(["check", course.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("03-the-third-call.md:")
            && stdout.contains(": error: conditions may nest at most 16 levels"),
        "{stdout}"
    );
    assert!(
        stdout.contains("may nest at most 32 levels"),
        "the deep quote is reported: {stdout}"
    );
    assert!(!stderr.contains("overflow"), "{stderr}");
    assert!(
        !stderr.contains("foster parenting"),
        "only diagnostics reach the trainer: {stderr}"
    );
}

#[test]
fn check_on_a_folder_without_courses_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "# Notes\n").unwrap();
    let out = rapport()
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("no course folder found") && stdout.contains("no `course.md`"),
        "{stdout}"
    );
    assert!(!stdout.contains("checked 0 files"), "{stdout}");
}

/// Secrets never come from a flag (anyone on the machine reads flags in the
/// process list), and the LRS's secret never travels in clear to another host.
#[test]
fn secrets_are_not_taken_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    let serve = [
        "serve",
        "--database-url",
        &db,
        "--addr",
        "127.0.0.1:0",
        "--no-model",
    ];
    fn with<'a>(serve: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
        [serve, more].concat()
    }
    fails_with(
        &with(
            &serve,
            &[
                "--smtp-url",
                "smtp://user:secret@mail.example.com:587",
                "--mail-from",
                "Rapport <r@example.com>",
                "--public-url",
                "https://r.example.com",
            ],
        ),
        "RAPPORT_SMTP_URL",
    );
    fails_with(
        &with(
            &serve,
            &[
                "--xapi-endpoint",
                "http://lrs.example.com/xAPI",
                "--xapi-key",
                "k",
                "--public-url",
                "https://r.example.com",
            ],
        ),
        "https://",
    );
    let out = rapport()
        .args(with(&serve, &["--xapi-secret", "s"]))
        .output()
        .expect("runs");
    assert!(!out.status.success(), "--xapi-secret is not a flag");
    // From a file it is taken (the server then starts: it is stopped at once).
    let file = dir.path().join("xapi-secret");
    std::fs::write(&file, "s3cret\n").unwrap();
    let mut child = rapport()
        .args(with(
            &serve,
            &[
                "--xapi-endpoint",
                "https://lrs.example.com/xAPI",
                "--xapi-key",
                "k",
                "--xapi-secret-file",
                file.to_str().unwrap(),
                "--public-url",
                "https://r.example.com",
            ],
        ))
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let still_running = child.try_wait().expect("wait").is_none();
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    assert!(
        still_running,
        "the server starts with the secret from a file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
