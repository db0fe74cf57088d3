//! Every way a command can stop, and the one place its message is built.
//!
//! [`Error`] is what the user reads: each variant carries what they need to act (the file, the
//! sheet and cell, the flag) and its text is written once, here. [`Failure`] is a write that
//! stopped before it is known which file it was for: the writers return it, and
//! [`crate::sys::output::write_atomically`] names the file. Library errors (the xlsx writer's,
//! the zip library's, the system's) are turned into words on their way in, so that no library's
//! own text reaches the user.

use std::path::PathBuf;

/// Why a command stopped, with a message that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: no such file. Check the path and the spelling of the name.")]
    Missing { file: PathBuf },
    #[error("{file}: cannot be read ({detail}).")]
    Unreadable { file: PathBuf, detail: String },
    #[error(
        "{file}: not an .xlsx workbook ({detail}). Save it from Excel or LibreOffice as .xlsx (Excel 2007-365) and try again."
    )]
    NotXlsx { file: PathBuf, detail: String },
    #[error(
        "{file}: sheet '{sheet}' cannot be read ({detail}). Open it in Excel or LibreOffice and save it again as .xlsx."
    )]
    BadSheet { file: PathBuf, sheet: String, detail: String },
    /// What a file holds cannot be used: `what` says where and why.
    #[error("{file}: {what}.")]
    Content { file: PathBuf, what: String },
    #[error(
        "{file}: {what}. This tool reads workbooks whose parts unpack to at most {limit} MB; a hand-made workbook is far smaller."
    )]
    TooLarge { file: PathBuf, what: String, limit: u64 },
    #[error("{file}: is {what}, not a workbook file. Save the workbook to a file and give its path.")]
    NotAFile { file: PathBuf, what: &'static str },
    #[error(
        "{file}: is password-protected (encrypted). Open it in Excel or LibreOffice, remove the password, and save it again as .xlsx."
    )]
    Encrypted { file: PathBuf },
    #[error("{file}: is an Excel 97-2003 workbook (.xls). Save it from Excel or LibreOffice as .xlsx and try again.")]
    OldExcel { file: PathBuf },
    /// A Gradescope root without the folder Gradescope puts the student's files in.
    #[error(
        "{root}: holds no submission folder; --gradescope reads the student's files from ROOT/submission/, where Gradescope puts them. Give the autograder's root (/autograder when left out)."
    )]
    NoSubmission { root: PathBuf },
    /// A rubric file that cannot grade: the line and what is wrong there.
    #[error(
        "{file}, line {line}: {what}. Correct the rubric there, or start again from the default: backprop-sheet rubric --out FILE."
    )]
    Rubric { file: PathBuf, line: usize, what: String },

    /// A destination that exists, without `--force`; `flag` is the one that named it.
    #[error("{path}: already exists. Pass --force to replace it, or choose another {flag}.")]
    Exists { path: PathBuf, flag: &'static str },
    #[error("{out}: that is {what} itself ({input}); writing there would destroy it. Choose another {flag}.")]
    SameAsInput { out: PathBuf, what: &'static str, input: PathBuf, flag: &'static str },
    #[error(
        "{path}: is {what}, not a regular file; only a regular file is ever replaced. Choose the path of a file for {flag}."
    )]
    NotRegular { path: PathBuf, what: &'static str, flag: &'static str },
    #[error("{path}: no such folder. Make it first, or give {flag} a file in a folder that exists.")]
    NoFolder { path: PathBuf, flag: &'static str },
    /// A destination folder that is something else.
    #[error("{path}: is {what}, not a folder. Choose a folder for {flag}; it is made when missing.")]
    NotAFolder { path: PathBuf, what: &'static str, flag: &'static str },
    /// Two of a run's outputs would be one file: the second would replace the first.
    #[error("{path}: is both the file of {first} and of {second}; choose another {second}.")]
    SharedDestination { path: PathBuf, first: &'static str, second: &'static str },
    #[error(
        "{copy}: would be the marked copy of both {first} and {second}. Check them in separate runs, or give the folders that hold them."
    )]
    SameMarkedCopy { copy: PathBuf, first: PathBuf, second: PathBuf },
    #[error("{path}: cannot write ({detail}).")]
    Io { path: PathBuf, detail: String },
    #[error("{path}: writing {what} failed ({detail}); nothing was written.")]
    Write { path: PathBuf, what: &'static str, detail: String },
    #[error("interrupted; no output written.")]
    Interrupted,
    /// A class run stopped by the user: the outputs it wrote whole before, and nothing else.
    #[error("interrupted; {}", written_whole(.written))]
    InterruptedAfter { written: Vec<PathBuf> },

    /// Standard output could not be written (a full disk behind `>`): the system's reason once.
    #[error("cannot write to the terminal or its redirection ({}).", io_reason(.0))]
    Terminal(std::io::Error),
    /// Flags or values that cannot make a run, said in full.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// The process exit code for it: 130 for an interrupt (the shell's code), 2 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted | Error::InterruptedAfter { .. } => 130,
            _ => 2,
        }
    }
}

fn written_whole(written: &[PathBuf]) -> String {
    match written {
        [] => "no output written.".into(),
        _ => {
            let list: Vec<String> = written.iter().map(|p| format!("\n  {}", p.display())).collect();
            format!("no summary written; these marked copies were written whole before it:{}", list.concat())
        }
    }
}

/// A write that stopped: interrupted, or failed for a reason already put in words.
#[derive(Debug, PartialEq)]
pub enum Failure {
    Interrupted,
    Failed(String),
}

impl Failure {
    /// A panic inside code that is not ours (the xlsx writer panics when a scratch file of a
    /// constant-memory sheet cannot be written, which is a full or unwritable disk), in words.
    pub fn from_panic(message: &str) -> Failure {
        Failure::Failed(if message.contains("StorageFull") || message.contains("No space left") {
            NO_SPACE.into()
        } else if message.contains("write") {
            "a scratch file beside the output could not be written".into()
        } else {
            "the xlsx writer stopped; please report it with the command you ran".into()
        })
    }

    /// The result of writing inside [`crate::sys::panics::contained`]: a panic is a failure too.
    pub fn flatten<T>(contained: Result<Result<T, Failure>, String>) -> Result<T, Failure> {
        contained.unwrap_or_else(|panic| Err(Failure::from_panic(&panic)))
    }
}

const NO_SPACE: &str = "no space left on the device for the scratch files beside the output";

/// The system's reason for a failed read or write, without the `(os error 28)` a user cannot use.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull => "no space left on the device".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Failed(io_reason(&e))
    }
}

impl From<rust_xlsxwriter::XlsxError> for Failure {
    fn from(e: rust_xlsxwriter::XlsxError) -> Failure {
        match e {
            rust_xlsxwriter::XlsxError::IoError(io) => io.into(),
            rust_xlsxwriter::XlsxError::ZipError(zip) => zip.into(),
            _ => Failure::Failed(
                "the xlsx writer could not make this workbook; please report it with the command you ran".into(),
            ),
        }
    }
}

impl From<zip::result::ZipError> for Failure {
    fn from(e: zip::result::ZipError) -> Failure {
        match e {
            zip::result::ZipError::Io(io) => io.into(),
            _ => Failure::Failed(
                "the package could not be put together; please report it with the command you ran".into(),
            ),
        }
    }
}

impl From<csv::Error> for Failure {
    fn from(e: csv::Error) -> Failure {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => io.into(),
            _ => Failure::Failed("a CSV record could not be written; please report it with the command you ran".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_once_in_words() {
        let full = std::io::Error::from_raw_os_error(28);
        assert_eq!(
            Error::Terminal(full).to_string(),
            "cannot write to the terminal or its redirection (no space left on the device)."
        );
        let full = std::io::Error::from_raw_os_error(28);
        assert_eq!(Failure::from(full), Failure::Failed("no space left on the device".into()));
        assert_eq!(Failure::from_panic("StorageFull"), Failure::Failed(NO_SPACE.into()));
        let denied = std::io::Error::from_raw_os_error(13);
        assert_eq!(io_reason(&denied), "Permission denied");
    }

    #[test]
    fn a_zip_library_error_is_not_shown_as_its_own_text() {
        let e = zip::result::ZipError::Io(std::io::Error::from_raw_os_error(28));
        assert_eq!(Failure::from(e), Failure::Failed("no space left on the device".into()));
        let e = rust_xlsxwriter::XlsxError::ZipError(zip::result::ZipError::Io(std::io::Error::from_raw_os_error(28)));
        assert_eq!(Failure::from(e), Failure::Failed("no space left on the device".into()));
        let Failure::Failed(text) = Failure::from(zip::result::ZipError::FileNotFound) else { panic!() };
        assert!(!text.contains("FileNotFound"), "{text}");
    }
}
