//! The solver commands as a user runs them: `ponte solve`, `ponte validate` (exit 0, 1, 2),
//! `ponte bench insert`; malformed input names the file and the line.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ponte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(args)
        .output()
        .expect("ponte runs")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/instances/{name}.json"))
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ponte-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn solve_then_validate_round_trip() {
    let out_path = temp("m.sol.json", "");
    let inst = sample("tuscany-M");
    let out = ponte(&["solve", s(&inst), "-o", s(&out_path), "--time-limit", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sol: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    for key in ["solve_ms", "upper_bound", "gap", "objective"] {
        assert!(
            sol["stats"].get(key).is_some(),
            "stats.{key} missing: {}",
            sol["stats"]
        );
    }
    assert!(sol["stats"]["solve_ms"].as_u64().unwrap() <= 3000);
    let n =
        sol["assignments"].as_array().unwrap().len() + sol["unassigned"].as_array().unwrap().len();
    assert_eq!(
        n, 300,
        "every request is either assigned or listed with a reason"
    );

    let out = ponte(&["validate", s(&inst), s(&out_path)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(metrics["feasible"], true);
    assert_eq!(metrics["objective"], sol["stats"]["objective"]);
}

#[test]
fn validate_reports_violations_with_exit_1() {
    let inst = sample("tuscany-S");
    let out = ponte(&["solve", s(&inst), "--time-limit", "1", "--no-bound"]);
    let mut sol: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Give the first assignment to another mediator at a time outside its window.
    sol["assignments"][0]["start"] = serde_json::json!("2026-03-02T23:00:00+01:00");
    let path = temp("broken.json", &sol.to_string());
    let out = ponte(&["validate", s(&inst), s(&path)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rule 4"), "{stderr}");
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(metrics["feasible"], false);
    assert!(!metrics["violations"].as_array().unwrap().is_empty());
}

#[test]
fn malformed_input_exits_2_naming_file_and_line() {
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample("tuscany-S")).unwrap()).unwrap();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "unknown-location",
            Box::new(|v| v["requests"][0]["location"] = "L999".into()),
            "unknown location id",
        ),
        (
            "duplicate-id",
            Box::new(|v| v["mediators"][1]["id"] = v["mediators"][0]["id"].clone()),
            "duplicate mediator id",
        ),
        (
            "shift-end",
            Box::new(|v| {
                v["mediators"][0]["shifts"][0]["end"] = "2026-03-02T07:00:00+01:00".into()
            }),
            "shift ends",
        ),
        (
            "latest-before",
            Box::new(|v| v["requests"][0]["latest_start"] = "2026-03-01T07:00:00+01:00".into()),
            "before earliest_start",
        ),
        (
            "modality",
            Box::new(|v| v["requests"][0]["modality"] = "telepathy".into()),
            "unknown variant",
        ),
        (
            "urgency",
            Box::new(|v| v["requests"][0]["urgency"] = "asap".into()),
            "unknown variant",
        ),
        (
            "offset",
            Box::new(|v| v["requests"][0]["earliest_start"] = "2026-03-02T09:00:00+25:00".into()),
            "requests[0].earliest_start",
        ),
        (
            "pin",
            Box::new(
                |v| v["requests"][0]["pinned"] = serde_json::json!({"mediator": "M9", "start": v["requests"][0]["earliest_start"].clone()}),
            ),
            "pinned",
        ),
    ];
    for (name, edit, expected) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let path = temp(
            &format!("{name}.json"),
            &serde_json::to_string_pretty(&v).unwrap(),
        );
        let out = ponte(&["solve", s(&path), "--time-limit", "1"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(s(&path)), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        // FILE:LINE: …
        let after = &stderr[stderr.find(s(&path)).unwrap() + s(&path).len()..];
        assert!(
            after.starts_with(':') && after[1..].starts_with(|c: char| c.is_ascii_digit()),
            "{name}: no line in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}");
    }
    let out = ponte(&["validate", s(&sample("tuscany-S")), "/nonexistent.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bench_insert_prints_latencies() {
    let out = ponte(&[
        "bench",
        "insert",
        s(&sample("tuscany-M")),
        "--count",
        "50",
        "--time-limit",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["count"], 50);
    assert!(v["p50_ms"].as_f64().unwrap() <= v["p99_ms"].as_f64().unwrap());
}
