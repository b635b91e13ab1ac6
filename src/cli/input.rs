//! Reading instance and solution files for the solver commands. Malformed input is reported
//! as `FILE:LINE: PATH: PROBLEM`, one line per problem, and maps to exit code 2.
use std::path::Path;

use ponte_solver::{InputError, Problem};

/// Exit code for malformed input, as `ponte validate` documents it.
pub const EXIT_MALFORMED: u8 = 2;

/// Reads and prepares an instance, printing every problem found on stderr.
pub fn load_problem(path: &Path) -> Result<Problem, ()> {
    let text = read(path)?;
    Problem::from_json(&text).map_err(|errors| report(path, &errors))
}

/// Reads a whole file, printing a message naming the file when it cannot.
pub fn read(path: &Path) -> Result<String, ()> {
    std::fs::read_to_string(path).map_err(|e| eprintln!("{}: {e}", path.display()))
}

/// Prints input errors, each prefixed with the file name.
pub fn report(path: &Path, errors: &[InputError]) {
    for e in errors {
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
