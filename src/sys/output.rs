//! Writing a file without ever leaving half of it behind or losing the user's work.
//!
//! The bytes go to a file without a name in the destination's folder (Linux `O_TMPFILE`), which
//! is linked into place only when complete: if the process is interrupted, or killed outright,
//! there is no name to clean up. Where the file system cannot do that, a named temporary file
//! beside the destination is used and removed on failure or interrupt.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{Error, Failure};

/// A file a run will write: where, whether it may replace an earlier one, the flag that named
/// it (for messages), and what it is ("the workbook", "the summary").
#[derive(Clone, Debug)]
pub(crate) struct Destination {
    pub path: PathBuf,
    pub force: bool,
    pub flag: &'static str,
    pub what: &'static str,
}

/// Set when the user interrupts (Ctrl-C, SIGTERM, SIGHUP) while a file is being written: the
/// writer checks it and stops, and nothing is linked into place.
static CANCELLED: AtomicBool = AtomicBool::new(false);
/// How many files are being written now (a class run marks several at once); outside a write an
/// interrupt ends the process at once.
static WRITING: AtomicUsize = AtomicUsize::new(0);
/// Set by a run that stops itself when asked (a class run, which must say which of its outputs
/// were written): an interrupt then only asks it to stop, whether or not a file is being written.
static STOPS_ITSELF: AtomicBool = AtomicBool::new(false);

/// Whether the user asked to stop.
pub(crate) fn cancelled() -> bool {
    CANCELLED.load(Ordering::Relaxed)
}

/// From now on an interrupt asks the run to stop (it checks [`cancelled`] between items) rather
/// than ending the process; a second interrupt still ends it at once.
pub(crate) fn stop_on_interrupt() {
    STOPS_ITSELF.store(true, Ordering::Relaxed);
}

/// What an interrupt means now: during a write, or in a run that stops itself, it cancels (the
/// writer stops at the next row, and nothing is left) and the process goes on to say so; at any
/// other moment, or when it is the second, the process should end at once. Returns whether to
/// end it.
pub(crate) fn interrupt() -> bool {
    let asks = WRITING.load(Ordering::Relaxed) > 0 || STOPS_ITSELF.load(Ordering::Relaxed);
    !asks || CANCELLED.swap(true, Ordering::Relaxed)
}

/// A path's identity that survives symbolic links, `..` and other spellings: the canonical
/// path of its nearest existing folder joined with the rest, so that two destinations that do
/// not exist yet are compared too.
pub(crate) fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                if let Ok(p) = parent.canonicalize() {
                    return rest.iter().rev().fold(p, |p, name| p.join(name));
                }
                at = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// A file's identity on its device: the same file by any path, link or hard link.
pub(crate) fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The files a run reads, by identity: what a destination must never be.
#[derive(Default)]
pub(crate) struct Inputs {
    by_id: std::collections::HashMap<(u64, u64), (&'static str, PathBuf)>,
}

impl Inputs {
    /// Adds an input; false when the same file is already there by another path.
    pub(crate) fn add(&mut self, what: &'static str, path: &Path) -> bool {
        match file_id(path) {
            Some(id) => self.by_id.insert(id, (what, path.to_path_buf())).is_none(),
            None => true,
        }
    }

    fn find(&self, path: &Path) -> Option<&(&'static str, PathBuf)> {
        self.by_id.get(&file_id(path)?)
    }
}

/// Refuses the destination when it is one of `inputs` (by identity, not by spelling), when it
/// exists and `force` is not set, and when it is anything but a regular file (a symbolic link, a
/// FIFO, a device, a folder), which is never replaced.
pub(crate) fn check_destination(dest: &Destination, inputs: &[(&'static str, &Path)]) -> Result<(), Error> {
    let mut known = Inputs::default();
    for (what, input) in inputs {
        known.add(what, input);
    }
    check_against(dest, &known)
}

/// [`check_destination`] against the inputs of a whole run, found once.
pub(crate) fn check_against(dest: &Destination, inputs: &Inputs) -> Result<(), Error> {
    let out = &dest.path;
    if let Some((what, input)) = inputs.find(out) {
        return Err(Error::SameAsInput { out: out.clone(), what, input: input.clone(), flag: dest.flag });
    }
    let Ok(meta) = out.symlink_metadata() else { return Ok(()) };
    let kind = meta.file_type();
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        match () {
            _ if kind.is_fifo() => "a FIFO (named pipe)",
            _ if kind.is_char_device() || kind.is_block_device() => "a device",
            _ => "a socket",
        }
    } else if !dest.force {
        return Err(Error::Exists { path: out.clone(), flag: dest.flag });
    } else {
        return Ok(());
    };
    Err(Error::NotRegular { path: out.clone(), what, flag: dest.flag })
}

/// The file being written: without a name where the system allows it, else a named temporary.
enum Pending {
    Unnamed(File),
    Named(tempfile::NamedTempFile),
}

impl Pending {
    fn create(dir: &Path) -> std::io::Result<Pending> {
        // Created as an ordinary file would be (0666 less the umask), not private like a temp file.
        let unnamed =
            std::fs::OpenOptions::new().read(true).write(true).mode(0o666).custom_flags(libc::O_TMPFILE).open(dir);
        match unnamed {
            Ok(file) => Ok(Pending::Unnamed(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(e),
            Err(_) => tempfile::Builder::new()
                .prefix(".backprop-sheet-")
                .suffix(".tmp")
                .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
                .tempfile_in(dir)
                .map(Pending::Named),
        }
    }

    fn file(&mut self) -> &mut File {
        match self {
            Pending::Unnamed(f) => f,
            Pending::Named(t) => t.as_file_mut(),
        }
    }

    /// Gives the finished file the name `out`; without `force`, only if `out` does not exist.
    fn persist(self, out: &Path, force: bool) -> std::io::Result<()> {
        match self {
            Pending::Named(t) if force => t.persist(out).map(drop).map_err(|e| e.error),
            Pending::Named(t) => t.persist_noclobber(out).map(drop).map_err(|e| e.error),
            Pending::Unnamed(file) if !force => link(&file, out),
            Pending::Unnamed(file) => {
                // A link cannot replace a file: link beside it, then rename over it. The name is
                // the process's and this write's own, as several workers replace files at once.
                static WRITES: AtomicUsize = AtomicUsize::new(0);
                let n = WRITES.fetch_add(1, Ordering::Relaxed);
                let beside = folder(out).join(format!(".backprop-sheet-{}-{n}.tmp", std::process::id()));
                link(&file, &beside)?;
                std::fs::rename(&beside, out).inspect_err(|_| {
                    let _ = std::fs::remove_file(&beside);
                })
            }
        }
    }
}

/// A file being written, as the writers see it: the destination, or a scratch file. After its
/// first failed write (a full disk) every later write and seek succeeds and is dropped, at the
/// positions it would have had: the writer has already returned the failure, and a library that
/// finishes its archive in its destructor (the zip writer, which then prints its own error text
/// to stderr, or fails its own arithmetic on positions it did not expect) finds nothing left to
/// fail. A file that failed is never used: the destination is never linked into place, and a
/// scratch file is refused by [`Quiet::into_inner`].
pub(crate) struct Quiet<F> {
    file: F,
    failed: bool,
    /// Where the next write goes, and the end of what was written.
    at: u64,
    end: u64,
}

impl<F> Quiet<F> {
    pub(crate) fn new(file: F) -> Quiet<F> {
        Quiet { file, failed: false, at: 0, end: 0 }
    }

    /// The file, unless a write to it failed.
    pub(crate) fn into_inner(self) -> std::io::Result<F> {
        match self.failed {
            true => Err(std::io::Error::other("a write to a scratch file failed")),
            false => Ok(self.file),
        }
    }

    fn moved_to(&mut self, at: u64) {
        self.at = at;
        self.end = self.end.max(at);
    }
}

impl<F: std::io::Write> std::io::Write for Quiet<F> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match self.failed {
            true => buf.len(),
            false => self.file.write(buf).inspect_err(|_| self.failed = true)?,
        };
        self.moved_to(self.at + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed { Ok(()) } else { self.file.flush().inspect_err(|_| self.failed = true) }
    }
}

impl<F: std::io::Seek> std::io::Seek for Quiet<F> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let at = match (self.failed, to) {
            (false, _) => self.file.seek(to).inspect_err(|_| self.failed = true)?,
            (true, std::io::SeekFrom::Start(at)) => at,
            (true, std::io::SeekFrom::Current(by)) => self.at.saturating_add_signed(by),
            (true, std::io::SeekFrom::End(by)) => self.end.saturating_add_signed(by),
        };
        self.moved_to(at);
        Ok(at)
    }
}

/// Gives an unnamed file a name, through its `/proc/self/fd` entry (which needs no privilege).
fn link(file: &File, to: &Path) -> std::io::Result<()> {
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let done =
        unsafe { libc::linkat(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_SYMLINK_FOLLOW) };
    if done == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Runs `write` on a new file in the destination's folder and gives it the destination's name
/// when `write` succeeds; on failure or interrupt nothing is left behind. `force` allows
/// replacing an existing file.
pub(crate) fn write_atomically<T>(
    dest: &Destination,
    write: impl FnOnce(&mut Quiet<&mut File>) -> Result<T, Failure>,
) -> Result<T, Error> {
    let out = &dest.path;
    let io = |e: std::io::Error| Error::Io { path: out.clone(), detail: crate::error::io_reason(&e) };
    let mut pending = Pending::create(folder(out)).map_err(io)?;
    WRITING.fetch_add(1, Ordering::Relaxed);
    let mut file = Quiet::new(pending.file());
    let result = write(&mut file);
    WRITING.fetch_sub(1, Ordering::Relaxed);
    let value = match result {
        _ if cancelled() => return Err(Error::Interrupted),
        Ok(value) => value,
        Err(Failure::Interrupted) => return Err(Error::Interrupted),
        Err(Failure::Failed(detail)) => return Err(Error::Write { path: out.clone(), what: dest.what, detail }),
    };
    match pending.persist(out, dest.force) {
        Ok(()) => Ok(value),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::Exists { path: out.clone(), flag: dest.flag })
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(path: &Path, force: bool) -> Destination {
        Destination { path: path.to_path_buf(), force, flag: "--out", what: "the file" }
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        let r = write_atomically(&to(&out, false), |f| {
            use std::io::Write;
            f.write_all(b"half").unwrap();
            Err::<(), _>(Failure::Failed("boom".into()))
        });
        assert_eq!(
            r.unwrap_err().to_string(),
            format!("{}: writing the file failed (boom); nothing was written.", out.display())
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_existing_file_is_kept_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        std::fs::write(&out, b"precious").unwrap();
        let exists = format!("{}: already exists. Pass --force to replace it, or choose another --out.", out.display());
        assert_eq!(check_destination(&to(&out, false), &[]).unwrap_err().to_string(), exists);
        let r = write_atomically(&to(&out, false), |_| Ok(()));
        assert_eq!(r.unwrap_err().to_string(), exists);
        assert_eq!(std::fs::read(&out).unwrap(), b"precious");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        write_atomically(&to(&out, true), |f| {
            use std::io::Write;
            Ok(f.write_all(b"new")?)
        })
        .unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
        assert_eq!(mode & 0o044, 0o044, "readable by others, like any file the user makes: {mode:o}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing beside it");
    }

    #[test]
    fn the_file_being_written_has_no_name() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        write_atomically(&to(&out, false), |_| {
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing named while writing");
            Ok(())
        })
        .unwrap();
        assert!(out.is_file());
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
            let r = check_destination(&to(out, true), &[("the template", &input)]);
            assert!(matches!(r, Err(Error::SameAsInput { .. })), "{out:?}");
        }
        assert!(check_destination(&to(&dir.path().join("new.xlsx"), false), &[("the template", &input)]).is_ok());
    }
}
