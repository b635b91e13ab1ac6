//! The README's command lines checked against the command line itself, so that the two
//! cannot drift: every `ponte …` line in a `sh` block names a real (sub)command and only
//! flags it has, and every command appears in the README.
use clap::CommandFactory;

use super::Cli;

const README: &str = include_str!("../../README.md");

/// The `ponte …` lines of the README's `sh` blocks, continuation lines joined, comments cut.
fn readme_command_lines() -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in README.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = trimmed.split(" # ").next().unwrap_or("").trim();
        let (code, continued) = match code.strip_suffix('\\') {
            Some(c) => (c.trim(), true),
            None => (code, false),
        };
        let current = match pending.take() {
            Some((n, mut text)) => {
                text.push(' ');
                text.push_str(code);
                (n, text)
            }
            None if code.starts_with("ponte ") => (i + 1, code.to_string()),
            None => continue,
        };
        if continued {
            pending = Some(current);
        } else {
            lines.push(current);
        }
    }
    lines
}

/// The subcommand path of a line (`ponte bench plan --requests …` → `["bench", "plan"]`)
/// and the long flags it mentions.
fn parse(line: &str) -> (Vec<&str>, Vec<&str>) {
    let words: Vec<&str> = line.split_whitespace().skip(1).collect();
    let path = words
        .iter()
        .take_while(|w| {
            w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-')
        })
        .copied()
        .collect();
    let flags = line
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .collect();
    (path, flags)
}

fn leaf_commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix}{} ", sub.get_name());
        if sub.has_subcommands() {
            leaf_commands(sub, &path, out);
        } else {
            out.push(path.trim_end().to_string());
        }
    }
}

#[test]
fn every_readme_command_line_matches_the_command_line() {
    let root = Cli::command();
    let lines = readme_command_lines();
    assert!(
        lines.len() >= 10,
        "README command lines not found: {lines:?}"
    );
    let mut problems = Vec::new();
    for (n, line) in &lines {
        let (path, flags) = parse(line);
        let mut cmd = &root;
        for word in &path {
            match cmd.find_subcommand(word) {
                Some(sub) => cmd = sub,
                None => {
                    problems.push(format!(
                        "README.md:{n}: `ponte {}` is no command",
                        path.join(" ")
                    ));
                    break;
                }
            }
        }
        if cmd.has_subcommands() {
            problems.push(format!("README.md:{n}: `{line}` names no complete command"));
            continue;
        }
        let known: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
        for flag in flags {
            let name = &flag[2..];
            if !known.contains(&name) && name != "help" {
                problems.push(format!(
                    "README.md:{n}: `ponte {}` has no {flag} (it has: --{})",
                    path.join(" "),
                    known.join(", --")
                ));
            }
        }
    }
    let mut leaves = Vec::new();
    leaf_commands(&root, "", &mut leaves);
    for leaf in leaves {
        let listed = lines.iter().any(|(_, l)| {
            let (path, _) = parse(l);
            path.join(" ") == leaf
        });
        if !listed {
            problems.push(format!(
                "`ponte {leaf}` is not in the README's command lines"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_parser_sees_flags_and_paths() {
    let (path, flags) = parse("ponte bench plan --requests 1500 [--database-url URL]");
    assert_eq!(path, ["bench", "plan"]);
    assert_eq!(flags, ["--requests", "--database-url"]);
    let (path, _) = parse("ponte solve INSTANCE.json [-o PLAN.json]");
    assert_eq!(path, ["solve"]);
}
