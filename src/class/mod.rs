//! Grading a class: every workbook of a list of files and folders, checked in parallel, each
//! outcome kept in input order. One workbook that cannot be used never stops the others.

pub(crate) mod mark;
pub(crate) mod summary;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::{Options, Report, Verdict, check_file};
use crate::error::Error;
use crate::sys::parallel::run_ordered;

/// One workbook's outcome: its report, or why it could not be used.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Outcome {
    Checked(Report),
    Unusable { file: String, error: String },
}

impl Outcome {
    pub(crate) fn file(&self) -> &str {
        match self {
            Outcome::Checked(r) => &r.file,
            Outcome::Unusable { file, .. } => file,
        }
    }

    pub(crate) fn verdict(&self) -> Verdict {
        match self {
            Outcome::Checked(r) => r.verdict,
            Outcome::Unusable { .. } => Verdict::Unusable,
        }
    }
}

/// The workbooks that `paths` name: each file as given, and for each folder every `.xlsx` and
/// `.xlsm` in it and below, in sorted order, without Excel's lock files (`~$name.xlsx`).
/// Symbolic links to folders are not followed, so a link cannot make the walk go round.
pub(crate) fn workbooks(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
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

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let unreadable = |e: std::io::Error| Error::Unreadable { file: dir.to_path_buf(), detail: e.to_string() };
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

/// Checks every workbook on `jobs` threads at once, does `then` with each report on the same
/// thread (marking a copy, say: work that should not wait its turn), and hands each outcome with
/// what `then` said to `each` in input order, as soon as it and those before it are done. Each
/// thread holds one workbook at a time, and an outcome is kept only until its turn: memory is
/// bounded by the workbooks in flight, not by the class.
pub(crate) fn check_all<T: Send>(
    files: &[PathBuf],
    options: &Options,
    jobs: usize,
    then: impl Fn(&Report) -> T + Sync,
    mut each: impl FnMut(Outcome, Option<T>) + Send,
) {
    let work = |k: usize| {
        let file = &files[k];
        // A panic in the checker is a bug, but one workbook must not stop the class.
        let outcome = match crate::sys::panics::contained(|| check_file(file, options)) {
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
        (outcome, after)
    };
    run_ordered(files.len(), jobs, work, |_, (outcome, after)| {
        each(outcome, after);
        true
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
