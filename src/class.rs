//! Grading a class: every workbook of a list of files and folders, checked in parallel, each
//! outcome kept in input order. One workbook that cannot be used never stops the others.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::check::{Options, Report, check_file};
use crate::workbook::InputError;

/// One workbook's outcome: its report, or why it could not be used.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Checked(Report),
    Unusable { file: String, error: String },
}

impl Outcome {
    pub fn file(&self) -> &str {
        match self {
            Outcome::Checked(r) => &r.file,
            Outcome::Unusable { file, .. } => file,
        }
    }

    pub fn verdict(&self) -> &'static str {
        match self {
            Outcome::Checked(r) => r.verdict(),
            Outcome::Unusable { .. } => "UNUSABLE",
        }
    }
}

/// The workbooks that `paths` name: each file as given, and for each folder every `.xlsx` and
/// `.xlsm` in it and below, in sorted order, without Excel's lock files (`~$name.xlsx`).
/// Symbolic links to folders are not followed, so a link cannot make the walk go round.
pub fn workbooks(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let unreadable = |e: std::io::Error| InputError::Unreadable { file: dir.to_path_buf(), detail: e.to_string() };
    let mut entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir).map_err(unreadable)?.collect::<Result<_, _>>().map_err(unreadable)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if (name.ends_with(".xlsx") || name.ends_with(".xlsm")) && !name.starts_with("~$") {
            out.push(path);
        }
    }
    Ok(())
}

/// Outcomes done before their turn to be handed on, by input position.
type Waiting<T> = std::collections::BTreeMap<usize, (Outcome, Option<T>)>;

/// Checks every workbook on `jobs` threads at once, does `then` with each report on the same
/// thread (marking a copy, say: work that should not wait its turn), and hands each outcome with
/// what `then` said to `each` in input order, as soon as it and those before it are done. Each thread holds one workbook at a
/// time, and an outcome is kept only until its turn: memory is bounded by the workbooks in
/// flight, not by the class.
pub fn check_all<T: Send>(
    files: &[PathBuf],
    options: &Options,
    jobs: usize,
    then: impl Fn(&Report) -> T + Sync,
    each: impl FnMut(Outcome, Option<T>) + Send,
) {
    let next = AtomicUsize::new(0);
    // The outcomes done before their turn, the index whose turn it is, and the receiver.
    let pending: Mutex<(Waiting<T>, usize, _)> = Mutex::new((Waiting::new(), 0, each));
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(k) else { break };
                    // A panic in the checker is a bug, but one workbook must not stop the class.
                    let outcome = match crate::panics::contained(|| check_file(file, options)) {
                        Ok(Ok(report)) => Outcome::Checked(report),
                        Ok(Err(e)) => Outcome::Unusable { file: file.display().to_string(), error: e.to_string() },
                        Err(_) => Outcome::Unusable {
                            file: file.display().to_string(),
                            error: format!("{}: the checker failed on this workbook; please report it", file.display()),
                        },
                    };
                    let after = match &outcome {
                        Outcome::Checked(report) => Some(then(report)),
                        Outcome::Unusable { .. } => None,
                    };
                    if let Ok(mut state) = pending.lock() {
                        let (done, turn, each) = &mut *state;
                        done.insert(k, (outcome, after));
                        while let Some((outcome, after)) = done.remove(turn) {
                            each(outcome, after);
                            *turn += 1;
                        }
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_in_order_without_lock_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/inner")).unwrap();
        for name in ["b/inner/z.xlsx", "b/a.XLSX", "b/~$a.xlsx", "b/notes.txt", "b/m.xlsm", "c.xlsx"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        std::os::unix::fs::symlink(root.join("b"), root.join("b/loop")).unwrap();
        let found = workbooks(&[root.join("b"), root.join("c.xlsx")]).unwrap();
        let names: Vec<String> = found.iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect();
        assert_eq!(names, ["b/a.XLSX", "b/inner/z.xlsx", "b/m.xlsm", "c.xlsx"]);
    }
}
