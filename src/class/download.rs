//! A class as the LMS hands it over: the zip of "Download Submissions" (Canvas) or "Download all
//! submissions" (Moodle), read in place. Nothing of it is unpacked to disk: each workbook is read
//! from its entry into memory, one at a time per thread, within the same bounds as any
//! workbook. The archive's index is read once and shared by every thread; each reads its entry
//! through its own offset into the one open file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::reader::{MAX_UNPACKED, check_packing};

/// The most entries a download is read with: a class of a thousand, each with a few files, is
/// far fewer, and the bound keeps a crafted index from costing minutes before any work.
pub(crate) const MAX_ENTRIES: usize = 20_000;

/// The open download, shared by the class's inputs.
pub(crate) struct Download {
    pub(crate) path: PathBuf,
    archive: zip::ZipArchive<At>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The one open file of a download, read at an offset of its own: clones read independently.
#[derive(Clone)]
struct At {
    file: Arc<File>,
    at: u64,
    len: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for At {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let at = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.at.checked_add_signed(d),
        };
        self.at = at.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

/// One entry of a download: a workbook to read, or a zip inside the zip, refused with a reason.
pub(crate) struct Entry {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) nested: bool,
}

/// Whether an entry name would place a file outside the folder it is unpacked into: absolute,
/// a drive, or a `..` step (in either slash). An LMS never writes one; a crafted zip does, and
/// its names would then be written by `--annotate` too.
fn escapes(name: &str) -> bool {
    name.starts_with(['/', '\\'])
        || name.as_bytes().get(1) == Some(&b':')
        || name.split(['/', '\\']).any(|part| part == "..")
        || name.contains('\0')
}

impl Download {
    /// Opens a download and lists its workbooks and nested zips in name order (other files, and
    /// macOS's `__MACOSX/` shadows, are passed by as a folder's are). A zip that cannot be read,
    /// with too many entries, or with a name that escapes it is refused whole: nothing of it is
    /// read.
    pub(crate) fn open(path: &Path) -> Result<(Arc<Download>, Vec<Entry>), Error> {
        let unreadable = |detail: String| Error::Unreadable { file: path.to_path_buf(), detail };
        let file = File::open(path).map_err(|e| unreadable(crate::error::io_reason(&e)))?;
        let len = file.metadata().map_err(|e| unreadable(crate::error::io_reason(&e)))?.len();
        let at = At { file: Arc::new(file), at: 0, len };
        let mut archive = zip::ZipArchive::new(at)
            .map_err(|_| unreadable("it is not a zip, or its zip structure is damaged".into()))?;
        if archive.len() > MAX_ENTRIES {
            return Err(Error::Content {
                file: path.to_path_buf(),
                what: format!(
                    "holds {} entries, more than the {MAX_ENTRIES} a class's download is read with; check the folders of it in parts",
                    archive.len()
                ),
            });
        }
        let mut entries = Vec::new();
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(|_| unreadable("its zip index is damaged".into()))?;
            let name = entry.name().map_err(|_| unreadable("an entry's name is damaged".into()))?.into_owned();
            if escapes(&name) || entry.enclosed_name().is_none() {
                return Err(Error::Content {
                    file: path.to_path_buf(),
                    what: format!(
                        "entry {name:?} names a place outside the zip (an absolute path or `..`), which no LMS download does; nothing of it was read. Download the submissions again from the LMS"
                    ),
                });
            }
            let file_name = name.rsplit('/').next().unwrap_or_default();
            if entry.is_dir() || name.starts_with("__MACOSX/") {
                continue;
            }
            let nested = Path::new(file_name).extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            if nested || super::is_workbook_name(std::ffi::OsStr::new(file_name)) {
                entries.push(Entry { index, name, nested });
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((Arc::new(Download { path: path.to_path_buf(), archive }), entries))
    }

    /// The bytes of one entry, unpacked within the bounds of any workbook; `file` names it.
    pub(crate) fn read(&self, index: usize, file: &Path) -> Result<Vec<u8>, Error> {
        let mut archive = self.archive.clone();
        let unreadable = |detail: &str| Error::Unreadable { file: file.to_path_buf(), detail: detail.into() };
        let entry = archive.by_index(index).map_err(|_| unreadable("its entry in the zip is damaged"))?;
        let packed = entry.compressed_size();
        check_packing(file, "it", packed, entry.size())?;
        let mut bytes = Vec::with_capacity(entry.size().min(MAX_UNPACKED) as usize);
        entry
            .take(MAX_UNPACKED + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| unreadable("its entry in the zip is damaged or does not unpack to what its index says"))?;
        // An index can understate what an entry unpacks to: what came out is held to the bound too.
        check_packing(file, "it", packed, bytes.len() as u64)?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_zip_are_known() {
        for bad in ["../x.xlsx", "a/../../x.xlsx", "/etc/x.xlsx", "\\x.xlsx", "C:/x.xlsx", "a\\..\\x.xlsx", "a\0b"] {
            assert!(escapes(bad), "{bad}");
        }
        for good in ["x.xlsx", "Jane Roe_12_assignsubmission_file_/x.xlsx", "a..b.xlsx", "..x.xlsx"] {
            assert!(!escapes(good), "{good}");
        }
    }
}
