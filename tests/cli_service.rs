//! The service commands as a user runs them: `migrate` up and down, `user add` and
//! `token issue`, `fixtures` into a database and as a solver instance, and `demo` (the
//! README's first command) answering over HTTP with the logins it prints.
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("ponte runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(name).display())
}

#[test]
fn migrate_up_down_and_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path(), "p.db");
    let out = ponte(&["migrate", "--database-url", &url]);
    ok(&out);
    let status = ok(&ponte(&["migrate", "--database-url", &url, "--status"]));
    assert!(
        status.contains("m20261130_000001_foundation\tApplied"),
        "{status}"
    );
    ok(&ponte(&["migrate", "--database-url", &url, "--down", "1"]));
    let status = ok(&ponte(&["migrate", "--database-url", &url, "--status"]));
    assert!(status.contains("Pending"), "{status}");

    // A requester needs an organisation: a clear error, not a panic.
    let out = ponte(&[
        "user",
        "add",
        "--database-url",
        &url,
        "--email",
        "a@b.example",
        "--role",
        "requester",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--organisation"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args([
            "user",
            "add",
            "--database-url",
            &url,
            "--email",
            "Coord@Ponte.example",
            "--role",
            "coordinator",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(ok(&out).trim(), "1");
    let token = ok(&ponte(&[
        "token",
        "issue",
        "--database-url",
        &url,
        "--email",
        "coord@ponte.example",
    ]));
    assert!(
        token.trim().starts_with("pt_") && token.trim().len() == 46,
        "{token}"
    );
    let out = ponte(&[
        "token",
        "issue",
        "--database-url",
        &url,
        "--email",
        "nobody@ponte.example",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no user with email nobody@ponte.example")
    );
}

#[test]
fn fixtures_into_a_database_and_as_an_instance() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path(), "f.db");
    let out = ponte(&[
        "fixtures",
        "--requests",
        "120",
        "--mediators",
        "25",
        "--seed",
        "7",
        "--start",
        "2027-03-22",
        "--database-url",
        &url,
    ]);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("25 mediators, 120 requests"), "{said}");

    let instance = dir.path().join("i.json");
    let out = ponte(&[
        "fixtures",
        "--requests",
        "120",
        "--mediators",
        "25",
        "--seed",
        "7",
        "--start",
        "2027-03-22",
        "--instance",
        instance.to_str().unwrap(),
    ]);
    ok(&out);
    let plan = dir.path().join("p.json");
    ok(&ponte(&[
        "solve",
        instance.to_str().unwrap(),
        "-o",
        plan.to_str().unwrap(),
        "--time-limit",
        "2",
    ]));
    let metrics: serde_json::Value = serde_json::from_str(&ok(&ponte(&[
        "validate",
        instance.to_str().unwrap(),
        plan.to_str().unwrap(),
    ])))
    .unwrap();
    assert_eq!(metrics["feasible"], true, "{metrics}");

    let out = ponte(&["fixtures", "--requests", "10"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-url URL or --instance FILE"));
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_serves_its_data_to_the_logins_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_ponte"))
            .args(["demo", "--bind", "127.0.0.1:0", "--file"])
            .arg(dir.path().join("demo.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut address = None;
    let mut tokens = std::collections::HashMap::new();
    let mut feeds = Vec::new();
    let mut plan_line = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) {
        if line.starts_with("plan:") {
            plan_line = Some(line.clone());
        }
        if let Some(rest) = line.strip_prefix("feed:") {
            feeds.extend(rest.split_whitespace().last().map(str::to_string));
        }
        if let Some(rest) = line.strip_prefix("serving:") {
            address = rest
                .split_whitespace()
                .next()
                .map(|a| a.trim_end_matches('/').to_string());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 4 && words[2] == "token" {
            tokens.insert(words[0].to_string(), words[3].to_string());
        }
        if line.starts_with("stop with") {
            break;
        }
    }
    let address = address.expect("the demo prints its address");
    for role in ["admin", "coordinator", "requester", "mediator"] {
        assert!(
            tokens.contains_key(role),
            "no {role} login printed: {tokens:?}"
        );
    }
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{address}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let list: serde_json::Value = client
        .get(format!("{address}/api/v1/requests?limit=200"))
        .bearer_auth(&tokens["coordinator"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().expect("a page of requests");
    assert_eq!(items.len(), 200, "the demo week holds about 300 requests");
    assert!(list["next_cursor"].is_string());
    let mediators: serde_json::Value = client
        .get(format!("{address}/api/v1/mediators?limit=200"))
        .bearer_auth(&tokens["coordinator"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mediators["items"].as_array().map(Vec::len), Some(60));

    // The week is planned and published: live assignments, feeds with events, and the
    // notices written as .eml files into the mail folder.
    let plan_line = plan_line.expect("the demo prints its published plan");
    assert!(plan_line.contains("published"), "{plan_line}");
    let assignments: serde_json::Value = client
        .get(format!("{address}/api/v1/assignments?limit=5"))
        .bearer_auth(&tokens["coordinator"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        assignments["items"].as_array().map(Vec::len),
        Some(5),
        "published assignments: {assignments}"
    );
    assert_eq!(feeds.len(), 2, "a feed for the requester and the mediator");
    for url in &feeds {
        let feed = client.get(url).send().await.unwrap();
        assert_eq!(feed.status(), 200, "{url}");
        let body = feed.text().await.unwrap();
        assert!(body.starts_with("BEGIN:VCALENDAR"), "{url}");
    }
    let mail = dir.path().join("ponte-demo-mail");
    let mut emails = 0;
    for _ in 0..100 {
        emails = std::fs::read_dir(&mail)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0);
        if emails > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(emails > 0, "no notice written into {}", mail.display());
}
