//! Grading a class: every workbook of a list of files and folders, checked in parallel, each
//! outcome kept in input order. One workbook that cannot be used never stops the others.

pub(crate) mod assigned;
pub(crate) mod copies;
pub(crate) mod download;
pub(crate) mod feedback;
pub(crate) mod grades;
pub(crate) mod gradescope;
pub(crate) mod mark;
pub(crate) mod submitter;
pub(crate) mod summary;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::check::{Options, Report, Verdict, check_opened};
use crate::error::Error;
use crate::reader::Workbook;
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

/// A file a class run checks: its path as the system gives it (never respelled; for a zip's
/// entry, the zip's path and the entry's name), the path relative to what was given on the
/// command line (where its marked copy goes), and why it cannot be read when the walk already
/// knows, the student its LMS name names, and where its bytes are.
#[derive(Debug)]
pub(crate) struct Input {
    pub path: PathBuf,
    pub relative: PathBuf,
    pub unreadable: Option<String>,
    pub submitter: Option<submitter::Submitter>,
    pub source: Source,
}

/// Where a workbook's bytes are: a file of its own, or an entry of a download read in place.
#[derive(Debug)]
pub(crate) enum Source {
    File,
    Entry { download: Arc<download::Download>, index: usize },
}

impl Input {
    /// The file the system holds this input in: itself, or the zip it is an entry of.
    pub(crate) fn file(&self) -> &Path {
        match &self.source {
            Source::File => &self.path,
            Source::Entry { download, .. } => &download.path,
        }
    }

    /// The input's bytes, read within the bounds of any workbook.
    pub(crate) fn bytes(&self) -> Result<Vec<u8>, Error> {
        match &self.source {
            Source::File => std::fs::read(&self.path)
                .map_err(|e| Error::Unreadable { file: self.path.clone(), detail: crate::error::io_reason(&e) }),
            Source::Entry { download, index, .. } => download.read(*index, &self.path),
        }
    }

    fn unusable(path: &Path, relative: &Path, error: String) -> Input {
        let (path, relative) = (path.to_path_buf(), relative.to_path_buf());
        Input { path, relative, unreadable: Some(error), submitter: None, source: Source::File }
    }
}

/// The names a folder's submissions may have: what Excel and LibreOffice save. `.xls` and `.ods`
/// are taken too, so that the reader says what it makes of them rather than the walk passing
/// them by.
const WORKBOOK_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// The workbooks that `paths` name: each file as given, each zip's workbook entries (a zip is
/// read as a folder is), and for each folder every workbook in it and below, in sorted order,
/// without Excel's lock files (`~$name.xlsx`). The same file
/// reached twice (two spellings, a link, a hard link) is taken once; a folder in `outputs` (the
/// marked copies' own) found inside a folder given is not walked, so that last run's outputs are
/// not graded as students;
/// a folder that cannot be read is one input that says why. Symbolic links to folders are not
/// followed, so a link cannot make the walk go round. With several paths given, each one's
/// files are placed under its own name, so that `a/x.xlsx` and `b/x.xlsx` stay apart.
pub(crate) fn workbooks(paths: &[PathBuf], outputs: &[PathBuf]) -> Vec<Input> {
    let skip: Vec<(u64, u64)> = outputs.iter().filter_map(|p| crate::sys::output::file_id(p)).collect();
    let mut walk = Walk { skip, seen: crate::sys::output::Inputs::default(), out: Vec::new() };
    for path in paths {
        let base = match (paths.len(), path.file_name()) {
            (1, _) | (_, None) => PathBuf::new(),
            (_, Some(name)) => PathBuf::from(name),
        };
        if path.is_dir() {
            walk.folder(path, &base, true);
        } else if is_zip_name(path.as_os_str()) && path.is_file() {
            walk.zip(path, &base);
        } else {
            let relative = if base.as_os_str().is_empty() { path.file_name().map(PathBuf::from) } else { None };
            walk.file(path.clone(), relative.unwrap_or(base));
        }
    }
    by_student(walk.out)
}

/// The inputs with each student's workbooks together, where the first of them was: a class
/// line says which one grades the student once all are checked, and a download's names seldom
/// part them (`roejane_1_...` and `roejane_LATE_1_...` can).
fn by_student(inputs: Vec<Input>) -> Vec<Input> {
    let key = |i: &Input| i.submitter.as_ref().map(|s| (s.lms, s.id.clone()));
    let mut first: std::collections::HashMap<(submitter::Lms, String), usize> = std::collections::HashMap::new();
    let mut order: Vec<(usize, usize, Input)> = Vec::with_capacity(inputs.len());
    for (k, input) in inputs.into_iter().enumerate() {
        let at = key(&input).map_or(k, |who| *first.entry(who).or_insert(k));
        order.push((at, k, input));
    }
    order.sort_by_key(|(at, k, _)| (*at, *k));
    order.into_iter().map(|(.., input)| input).collect()
}

/// Whether two inputs are the same student's, by the LMS's id in their names.
pub(crate) fn same_student(a: &Input, b: &Input) -> bool {
    match (&a.submitter, &b.submitter) {
        (Some(a), Some(b)) => a.lms == b.lms && a.id == b.id,
        _ => false,
    }
}

struct Walk {
    skip: Vec<(u64, u64)>,
    seen: crate::sys::output::Inputs,
    out: Vec<Input>,
}

impl Walk {
    fn file(&mut self, path: PathBuf, relative: PathBuf) {
        if self.seen.add("a workbook being checked", &path) {
            let submitter = submitter::Submitter::of(&relative);
            self.out.push(Input { path, relative, unreadable: None, submitter, source: Source::File });
        }
    }

    /// A download's entries, each placed under `relative` by its name; a zip inside it is an
    /// input that says why it is not read, and a zip refused whole is one input that says why.
    fn zip(&mut self, path: &Path, relative: &Path) {
        if !self.seen.add("a zip being checked", path) {
            return;
        }
        let (download, entries) = match download::Download::open(path) {
            Ok(found) => found,
            Err(e) => return self.out.push(Input::unusable(path, relative, e.to_string())),
        };
        for entry in entries {
            let (shown, relative) = (path.join(&entry.name), relative.join(&entry.name));
            if entry.nested {
                let error = Error::Content {
                    file: shown.clone(),
                    what: "is a zip inside the zip, which is not opened; unpack it and check its workbooks, or ask for the workbook itself".into(),
                };
                self.out.push(Input::unusable(&shown, &relative, error.to_string()));
                continue;
            }
            let submitter = submitter::Submitter::of(&relative);
            let source = Source::Entry { download: download.clone(), index: entry.index };
            self.out.push(Input { path: shown, relative, unreadable: None, submitter, source });
        }
    }

    /// Walks `dir`; `given` when it was named on the command line, and is walked whatever it is.
    fn folder(&mut self, dir: &Path, relative: &Path, given: bool) {
        if !given && crate::sys::output::file_id(dir).is_some_and(|id| self.skip.contains(&id)) {
            return;
        }
        let unreadable = |e: std::io::Error| Error::Unreadable {
            file: dir.to_path_buf(),
            detail: format!("{}; the rest of the class is checked", crate::error::io_reason(&e)),
        };
        let entries = std::fs::read_dir(dir).and_then(|d| d.collect::<Result<Vec<_>, _>>());
        let mut entries = match entries {
            Ok(entries) => entries,
            Err(e) => {
                return self.out.push(Input::unusable(dir, relative, unreadable(e).to_string()));
            }
        };
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let (path, name) = (entry.path(), entry.file_name());
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                self.folder(&path, &relative.join(&name), false);
            } else if is_workbook_name(&name) {
                self.file(path, relative.join(&name));
            }
        }
    }
}

pub(crate) fn is_zip_name(name: &std::ffi::OsStr) -> bool {
    Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn is_workbook_name(name: &std::ffi::OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let bytes = name.as_bytes();
    let extension = Path::new(name).extension().map(|e| e.to_string_lossy().to_lowercase());
    !bytes.starts_with(b"~$") && extension.is_some_and(|e| WORKBOOK_EXTENSIONS.contains(&e.as_str()))
}

/// What became of one input of a class run: graded (its outcome, and what `then` said of it),
/// or left out as a marked copy an earlier `--annotate` wrote, which is no student's work.
pub(crate) enum Turn<T> {
    Graded(Outcome, Option<T>),
    MarkedCopy {
        file: String,
        of: String,
    },
    /// Stopped by an interrupt before its check was done: nothing to say of it.
    Interrupted,
}

/// Checks every workbook on `jobs` threads at once, does `then` with each report on the same
/// thread (holding it to its student's values, gathering its evidence, marking a copy: work
/// that should not wait its turn), and hands each turn to
/// `each` in input order, as soon as it and those before it are done. Each thread holds one
/// workbook at a time, and an outcome is kept only until its turn: memory is bounded by the
/// workbooks in flight, not by the class.
pub(crate) fn check_all<T: Send>(
    files: &[Input],
    options: &Options,
    jobs: usize,
    then: impl Fn(usize, &Input, &mut Report) -> T + Sync,
    mut each: impl FnMut(Turn<T>) -> bool + Send,
) {
    let work = |k: usize| {
        let input = &files[k];
        let file = &input.path;
        if let Some(error) = &input.unreadable {
            return Turn::Graded(Outcome::Unusable { file: file.display().to_string(), error: error.clone() }, None);
        }
        // A panic in the checker is a bug, but one workbook must not stop the class.
        let mut outcome = match crate::sys::panics::contained(|| opened(input, options)) {
            Ok(Ok(Opened::Checked(report))) => Outcome::Checked(report),
            Ok(Ok(Opened::MarkedCopy(of))) => return Turn::MarkedCopy { file: file.display().to_string(), of },
            Ok(Err(Error::Interrupted)) => return Turn::Interrupted,
            Ok(Err(e)) => Outcome::Unusable { file: file.display().to_string(), error: e.to_string() },
            Err(_) => Outcome::Unusable {
                file: file.display().to_string(),
                error: format!("{}: the checker failed on this workbook; please report it", file.display()),
            },
        };
        let after = match &mut outcome {
            Outcome::Checked(report) => Some(then(k, input, report)),
            Outcome::Unusable { .. } => None,
        };
        Turn::Graded(outcome, after)
    };
    run_ordered(files.len(), jobs, work, |_, turn| each(turn));
}

/// A workbook of the class once opened: checked, or a marked copy, which is not.
enum Opened {
    Checked(Report),
    MarkedCopy(String),
}

fn opened(input: &Input, options: &Options) -> Result<Opened, Error> {
    let file = input.path.as_path();
    // A zip's entry is read once, and opened from memory.
    let bytes = match &input.source {
        Source::File => None,
        Source::Entry { .. } => Some(input.bytes()?),
    };
    let open = || match &bytes {
        None => Workbook::open(file),
        Some(bytes) => Workbook::from_bytes(file, bytes),
    };
    let book = open()?;
    match book.stamp.marked_copy_of.clone() {
        Some(of) => Ok(Opened::MarkedCopy(of)),
        None => check_opened(book, file, &open, options).map(Opened::Checked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_in_order_without_lock_files_outputs_or_the_same_file_twice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/inner")).unwrap();
        std::fs::create_dir_all(root.join("b/marked")).unwrap();
        for name in
            ["b/inner/z.xlsx", "b/a.XLSX", "b/~$a.xlsx", "b/notes.txt", "b/m.xlsm", "b/old.xls", "b/lo.ods", "c.xlsx"]
        {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        std::fs::write(root.join("b/marked/a.XLSX"), b"last run's marked copy").unwrap();
        std::os::unix::fs::symlink(root.join("b"), root.join("b/loop")).unwrap();
        std::fs::hard_link(root.join("c.xlsx"), root.join("b/same-as-c.xlsx")).unwrap();
        let found = workbooks(&[root.join("b"), root.join("c.xlsx"), root.join("b/m.xlsm")], &[root.join("b/marked")]);
        let names: Vec<String> = found.iter().map(|i| i.relative.display().to_string()).collect();
        assert_eq!(
            names,
            ["b/a.XLSX", "b/inner/z.xlsx", "b/lo.ods", "b/m.xlsm", "b/old.xls", "b/same-as-c.xlsx"],
            "c.xlsx is b/same-as-c.xlsx, and b/m.xlsm was found already"
        );
        assert!(found.iter().all(|i| i.unreadable.is_none() && i.path.starts_with(root)));
    }

    #[test]
    fn one_folder_s_files_are_relative_to_it_and_names_stay_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"Ren\xe9e.xlsx");
        std::fs::create_dir(dir.path().join("late")).unwrap();
        std::fs::write(dir.path().join("late").join(name), b"x").unwrap();
        let found = workbooks(&[dir.path().to_path_buf()], &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].relative, Path::new("late").join(name));
        assert_eq!(found[0].path.file_name(), Some(name), "the name as the system gave it");
    }
}
