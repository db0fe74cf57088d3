//! Writing a file without ever leaving half of it behind or losing the user's work: the bytes go
//! to a temporary file beside the destination, which is renamed into place only when complete.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0}: already exists. Pass --force to replace it, or choose another --out.")]
    Exists(PathBuf),
    #[error("{out}: that is {what} itself ({input}); writing there would destroy it. Choose another --out.")]
    SameAsInput { out: PathBuf, what: &'static str, input: PathBuf },
    #[error("{path}: cannot write ({detail}).")]
    Io { path: PathBuf, detail: String },
    #[error("{path}: writing the workbook failed ({detail}); nothing was written.")]
    Write { path: PathBuf, detail: String },
}

/// The temporary file being written, so an interrupt can remove it before the process ends.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes a half-written output on Ctrl-C (and SIGTERM), then exits with the shell's code for it.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(mut pending) = PENDING.lock()
            && let Some(p) = pending.take()
        {
            let _ = std::fs::remove_file(p);
        }
        eprintln!("backprop-sheet: interrupted; no output written.");
        std::process::exit(130);
    });
}

/// A path's identity that survives symbolic links, `..` and other spellings: the canonical
/// path of the file, or of its folder joined with its name when the file does not exist yet.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

/// Refuses `out` when it is one of `inputs` (by identity, not by spelling), or when it exists
/// and `force` is not set.
pub fn check_destination(out: &Path, force: bool, inputs: &[(&'static str, &Path)]) -> Result<(), OutputError> {
    let target = identity(out);
    for (what, input) in inputs {
        if target.is_some() && identity(input) == target {
            return Err(OutputError::SameAsInput { out: out.to_path_buf(), what, input: input.to_path_buf() });
        }
    }
    if !force && out.symlink_metadata().is_ok() {
        return Err(OutputError::Exists(out.to_path_buf()));
    }
    Ok(())
}

/// Runs `write` on a temporary file in `out`'s folder and renames it to `out` when `write`
/// succeeds; on failure (or interrupt) no file is left behind. `force` allows replacing `out`.
pub fn write_atomically<T, E: std::fmt::Display>(
    out: &Path,
    force: bool,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, OutputError> {
    let io = |e: std::io::Error| OutputError::Io { path: out.to_path_buf(), detail: e.to_string() };
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Created as an ordinary file would be (0666 less the umask), not private like a temp file.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o666);
    let mut tmp = tempfile::Builder::new()
        .prefix(".backprop-sheet-")
        .suffix(".tmp")
        .permissions(mode)
        .tempfile_in(dir)
        .map_err(io)?;
    set_pending(Some(tmp.path().to_path_buf()));
    let result = write(tmp.as_file_mut());
    let done = match result {
        Ok(value) => {
            let persisted = if force { tmp.persist(out) } else { tmp.persist_noclobber(out) };
            match persisted {
                Ok(_) => Ok(value),
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(OutputError::Exists(out.to_path_buf()))
                }
                Err(e) => Err(io(e.error)),
            }
        }
        Err(e) => Err(OutputError::Write { path: out.to_path_buf(), detail: e.to_string() }),
    };
    set_pending(None);
    done
}

fn set_pending(path: Option<PathBuf>) {
    if let Ok(mut pending) = PENDING.lock() {
        *pending = path;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        let r = write_atomically(&out, false, |f| {
            use std::io::Write;
            f.write_all(b"half").unwrap();
            Err::<(), _>("boom")
        });
        assert!(matches!(r, Err(OutputError::Write { .. })));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_existing_file_is_kept_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        std::fs::write(&out, b"precious").unwrap();
        assert!(matches!(check_destination(&out, false, &[]), Err(OutputError::Exists(_))));
        let r = write_atomically(&out, false, |_| Ok::<_, String>(()));
        assert!(matches!(r, Err(OutputError::Exists(_))));
        assert_eq!(std::fs::read(&out).unwrap(), b"precious");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        write_atomically(&out, true, |f| {
            use std::io::Write;
            f.write_all(b"new")
        })
        .unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
        assert_eq!(mode & 0o044, 0o044, "readable by others, like any file the user makes: {mode:o}");
    }

    #[test]
    fn the_input_is_recognised_through_links_and_other_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.xlsx");
        std::fs::write(&input, b"x").unwrap();
        let link = dir.path().join("link.xlsx");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let other = dir.path().join("sub/../in.xlsx");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for out in [&input, &link, &other] {
            let r = check_destination(out, true, &[("the template", &input)]);
            assert!(matches!(r, Err(OutputError::SameAsInput { .. })), "{out:?}");
        }
        assert!(check_destination(&dir.path().join("new.xlsx"), false, &[("the template", &input)]).is_ok());
    }
}
