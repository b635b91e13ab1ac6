//! Reading instance and solution files for the solver commands. Malformed input is reported
//! as `FILE:LINE: PATH: PROBLEM` (or `FILE: PATH: PROBLEM` when the line is not known), one
//! line per problem, and maps to exit code 2.
use std::path::Path;

use ponte_solver::{InputError, Problem};

/// Exit code for malformed input, as `ponte validate` documents it.
pub const EXIT_MALFORMED: u8 = 2;

/// The problems have been printed on stderr; the caller exits with [`EXIT_MALFORMED`].
#[derive(Debug)]
pub struct Reported;

/// Reads and prepares an instance, printing every problem found on stderr.
pub fn load_problem(path: &Path) -> Result<Problem, Reported> {
    let text = read(path)?;
    Problem::from_json(&text).map_err(|errors| {
        report(path, &locate(&text, errors));
        Reported
    })
}

/// Reads a whole file, printing a message naming the file when it cannot.
pub fn read(path: &Path) -> Result<String, Reported> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("{}: {e}", path.display());
        Reported
    })
}

/// Printed problems per file at most: past that, a count (a wrong file can have thousands).
const MAX_REPORTED: usize = 50;

/// Prints input errors, each prefixed with the file name (and line when known).
pub fn report(path: &Path, errors: &[InputError]) {
    if errors.len() > MAX_REPORTED {
        eprintln!(
            "{}: {} problems; the first {MAX_REPORTED}:",
            path.display(),
            errors.len()
        );
    }
    for e in errors.iter().take(MAX_REPORTED) {
        match e.line {
            Some(line) => eprintln!(
                "{}:{line}: {}",
                path.display(),
                InputError {
                    line: None,
                    ..e.clone()
                }
            ),
            None => eprintln!("{}: {e}", path.display()),
        }
    }
}

/// Gives semantic errors (found after parsing, so without a line) the line of the JSON
/// value their path names, so that a person can jump to it.
fn locate(text: &str, errors: Vec<InputError>) -> Vec<InputError> {
    errors
        .into_iter()
        .map(|mut e| {
            if e.line.is_none() {
                e.line = line_of(text, &e.path);
            }
            e
        })
        .collect()
}

/// Line of the value at a path like `requests[3].pinned` in JSON text. serde_json's values
/// keep no positions, so this walks the text itself, skipping whole values by bracket depth.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let steps = parse_path(path)?;
    let bytes = text.as_bytes();
    let mut i = 0;
    for step in steps {
        i = skip_ws(bytes, i);
        match step {
            Step::Key(key) => {
                if bytes.get(i) != Some(&b'{') {
                    return None;
                }
                i += 1;
                loop {
                    i = skip_ws(bytes, i);
                    if bytes.get(i) != Some(&b'"') {
                        return None;
                    }
                    let (k, after) = read_string(bytes, i)?;
                    i = skip_ws(bytes, after);
                    if bytes.get(i) != Some(&b':') {
                        return None;
                    }
                    i = skip_ws(bytes, i + 1);
                    if k == key {
                        break;
                    }
                    i = skip_value(bytes, i)?;
                    i = skip_ws(bytes, i);
                    if bytes.get(i) != Some(&b',') {
                        return None;
                    }
                    i += 1;
                }
            }
            Step::Index(n) => {
                if bytes.get(i) != Some(&b'[') {
                    return None;
                }
                i += 1;
                for _ in 0..n {
                    i = skip_ws(bytes, i);
                    i = skip_value(bytes, i)?;
                    i = skip_ws(bytes, i);
                    if bytes.get(i) != Some(&b',') {
                        return None;
                    }
                    i += 1;
                }
                i = skip_ws(bytes, i);
            }
        }
    }
    Some(
        bytes[..i.min(bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
}

enum Step {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = match part.find('[') {
            Some(b) => (&part[..b], &part[b..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            steps.push(Step::Index(idx.trim_end_matches(']').parse().ok()?));
        }
    }
    Some(steps)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn read_string(b: &[u8], i: usize) -> Option<(String, usize)> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => {
                let s = serde_json::from_slice::<String>(&b[i..=j]).ok()?;
                return Some((s, j + 1));
            }
            _ => j += 1,
        }
    }
    None
}

fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => read_string(b, i).map(|(_, j)| j),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = read_string(b, j)?.1;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn finds_the_line_of_a_nested_value() {
        let text = "{\n \"a\": 1,\n \"requests\": [\n  {\"id\": \"R1\"},\n  {\"id\": \"R2\",\n   \"pinned\": null}\n ]\n}";
        assert_eq!(line_of(text, "requests[1].pinned"), Some(6));
        assert_eq!(line_of(text, "requests[0]"), Some(4));
        assert_eq!(line_of(text, "a"), Some(2));
        assert_eq!(line_of(text, "missing"), None);
    }
}
