//! Reading a workbook someone handed in: its sheets as grids of values and formulas, with the
//! errors a person can act on (which file, which sheet, which cell).

use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};

use crate::error::Error;

mod charts;
mod formula;
pub(crate) mod labels;
pub(crate) mod origin;
mod recalc;
pub(crate) mod roster;
mod stamp;
mod tables;

pub(crate) use formula::{Addr, parse_formula};
pub(crate) use recalc::{CalcSettings, operand_value};

use crate::model::variant::Stamp;
pub use tables::{Table, find_tables};
pub(crate) use tables::{closest_header, data_rows, header_at};

/// The most a workbook's parts may unpack to, in all. A class workbook is a few megabytes; the
/// bound keeps a zip bomb (a tiny file that unpacks to gigabytes) from taking all memory, since
/// the sheets are read whole.
pub(crate) const MAX_UNPACKED: u64 = 512 << 20;

/// The most a single part larger than [`RATIO_FROM`] may unpack to per byte packed: real sheets
/// pack 3 to 10 times, zip bombs a thousand times. Smaller parts may pack as well as they like.
const MAX_RATIO: u64 = 200;
const RATIO_FROM: u64 = 64 << 20;

/// A cell's position, 0-based, and its A1 name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub row: u32,
    pub col: u32,
}

impl Pos {
    pub fn a1(self) -> String {
        format!("{}{}", column_name(self.col), self.row + 1)
    }

    /// The absolute reference a formula writes to keep pointing here when filled: `$G$31`.
    pub fn a1_absolute(self) -> String {
        format!("${}${}", column_name(self.col), self.row + 1)
    }

    pub fn right(self) -> Pos {
        Pos { row: self.row, col: self.col + 1 }
    }

    pub fn below(self) -> Pos {
        Pos { row: self.row + 1, col: self.col }
    }
}

pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Parses `B29`, `$G$31` (0-based result).
pub fn parse_a1(text: &str) -> Option<Pos> {
    formula::cell(text.trim()).map(|(pos, _)| pos)
}

/// One sheet: every non-empty value and every formula, by position. The maps hash with
/// foldhash: a sheet has up to millions of cells, looked up many times each, and SipHash was a
/// fifth of `check`; foldhash's seed is random per process, so a crafted file cannot aim at
/// collisions.
#[derive(Debug, Default)]
pub struct Sheet {
    pub name: String,
    pub values: foldhash::HashMap<Pos, Data>,
    pub formulas: foldhash::HashMap<Pos, String>,
}

impl Sheet {
    pub fn value(&self, pos: Pos) -> Option<&Data> {
        self.values.get(&pos).filter(|d| !matches!(d, Data::Empty))
    }

    pub fn number(&self, pos: Pos) -> Option<f64> {
        self.value(pos).and_then(number)
    }

    /// The cells that hold text, in reading order, for label and header searches.
    pub fn texts(&self) -> Vec<(Pos, &str)> {
        let mut out: Vec<(Pos, &str)> = self
            .values
            .iter()
            .filter_map(|(p, d)| match d {
                Data::String(s) => Some((*p, s.as_str())),
                _ => None,
            })
            .collect();
        out.sort_by_key(|(p, _)| *p);
        out
    }
}

/// A cell's number, if it holds one.
pub fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(x) => Some(*x),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// Describes a cell's content for an error message.
pub(crate) fn describe(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => "empty".to_string(),
        Some(Data::String(s)) => format!("the text `{}`", s.chars().take(40).collect::<String>()),
        Some(Data::Error(e)) => format!("the error {}", recalc::error_of(e).text()),
        Some(Data::Bool(b)) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
        Some(other) => format!("`{other}`"),
    }
}

/// A workbook read whole: its sheets in order.
pub struct Workbook {
    pub file: PathBuf,
    pub sheets: Vec<Sheet>,
    pub calc: CalcSettings,
    /// The stamp of the workbook's custom properties, if it carries one.
    pub stamp: Stamp,
    /// What the series of its charts plot: a reference each (`'LR 0.1'!$AB$4:$AB$103`).
    pub charts: Vec<String>,
}

impl Workbook {
    /// Reads a workbook file. Only a regular file is read: a FIFO, a device or standard input
    /// could stream without end (or, with no writer, never start), and is refused before it is
    /// opened; a file is read through the same bound as its parts.
    pub fn open(path: &Path) -> Result<Workbook, Error> {
        let file = path.to_path_buf();
        let unreadable = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { file: file.clone() },
            _ => Error::Unreadable { file: file.clone(), detail: crate::error::io_reason(&e) },
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            use std::os::unix::fs::FileTypeExt;
            let kind = meta.file_type();
            let what = match () {
                _ if kind.is_dir() => "a folder",
                _ if kind.is_fifo() => "a pipe (FIFO), such as standard input",
                _ if kind.is_char_device() || kind.is_block_device() => "a device",
                _ => "not a regular file",
            };
            return Err(Error::NotAFile { file, what });
        }
        let too_large = |size: u64| Error::TooLarge {
            file: file.clone(),
            what: format!("the file is {} MB", size >> 20),
            limit: MAX_UNPACKED >> 20,
        };
        if meta.len() > MAX_UNPACKED {
            return Err(too_large(meta.len()));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path).and_then(|f| f.take(MAX_UNPACKED + 1).read_to_end(&mut bytes)).map_err(unreadable)?;
        if bytes.len() as u64 > MAX_UNPACKED {
            return Err(too_large(bytes.len() as u64));
        }
        Workbook::from_bytes(&file, &bytes)
    }

    /// Reads a workbook held in memory; `file` names it in messages.
    pub fn from_bytes(file: &Path, bytes: &[u8]) -> Result<Workbook, Error> {
        let file = file.to_path_buf();
        if bytes.starts_with(&COMPOUND_FILE) {
            // Excel keeps a password-protected workbook, and a 97-2003 one, in an OLE compound
            // file, not a zip package; an encrypted one holds a stream named EncryptionInfo.
            let name: Vec<u8> = "EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes).collect();
            if bytes.windows(name.len()).any(|w| w == name.as_slice()) {
                return Err(Error::Encrypted { file });
            }
            let read = crate::sys::panics::contained(|| {
                let xls = calamine::Xls::new(Cursor::new(bytes)).ok()?;
                read_any(xls, &|f| f.to_string()).ok()
            });
            return match read.ok().flatten() {
                Some(sheets) => Ok(Workbook {
                    file,
                    sheets,
                    calc: CalcSettings::default(),
                    stamp: Stamp::default(),
                    charts: Vec::new(),
                }),
                None => Err(Error::OldExcel { file }),
            };
        }
        if bytes.starts_with(b"PK") && bytes.windows(ODS_MIME.len()).take(128).any(|w| w == ODS_MIME) {
            let read = crate::sys::panics::contained(|| {
                let ods = calamine::Ods::new(Cursor::new(bytes)).ok()?;
                read_any(ods, &formula::from_open_formula).ok()
            });
            return match read.ok().flatten() {
                Some(sheets) => {
                    let stamp = zip::ZipArchive::new(Cursor::new(bytes))
                        .map_or_else(|_| Stamp::default(), |mut zip| stamp::read(&part(&mut zip, "meta.xml")));
                    Ok(Workbook { file, sheets, calc: CalcSettings::default(), stamp, charts: Vec::new() })
                }
                None => Err(Error::Unreadable { file, detail: "its OpenDocument contents are malformed".into() }),
            };
        }
        if !bytes.starts_with(b"PK") {
            let detail = if bytes.is_empty() { "the file is empty" } else { "it is not a zip package" };
            return Err(Error::NotXlsx { file, detail: detail.into() });
        }
        let (calc, stamp, charts) = check_unpacked_size(&file, bytes)?;
        // The xlsx reader is not ours: should it panic on some malformed part, that is a file
        // that cannot be read, not a crash.
        let read = crate::sys::panics::contained(|| {
            let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
                .map_err(|e| Error::NotXlsx { file: file.clone(), detail: reason(&e).into() })?;
            read_sheets(&mut xlsx, &file)
        });
        let sheets = read.unwrap_or_else(|_| {
            Err(Error::Unreadable { file: file.clone(), detail: "its contents are malformed".into() })
        })?;
        Ok(Workbook { file, sheets, calc, stamp, charts })
    }

    /// A sheet's index by its name, as a formula names it (case does not matter).
    pub fn sheet_index(&self, name: &str) -> Option<u32> {
        self.sheets.iter().position(|s| s.name.to_lowercase() == name.to_lowercase()).map(|k| k as u32)
    }
}

/// Refuses a package whose parts would unpack to more than [`MAX_UNPACKED`], or that packs
/// suspiciously well, before anything is unpacked; then reads what the workbook part says of
/// its calculation (which the xlsx reader does not tell), the stamp of its custom properties,
/// and what its charts plot.
fn check_unpacked_size(file: &Path, bytes: &[u8]) -> Result<(CalcSettings, Stamp, Vec<String>), Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| Error::NotXlsx { file: file.to_path_buf(), detail: "its zip structure is damaged".into() })?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else { continue };
        let (packed, unpacked) = (entry.compressed_size(), entry.size());
        total = total.saturating_add(unpacked);
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        check_packing(file, &format!("part {name}"), packed, unpacked)?;
    }
    if total > MAX_UNPACKED {
        let what = format!("its parts unpack to {} MB", total >> 20);
        return Err(Error::TooLarge { file: file.to_path_buf(), what, limit: MAX_UNPACKED >> 20 });
    }
    let calc = CalcSettings::read(&part(&mut zip, "xl/workbook.xml"));
    let stamp = stamp::read(&part(&mut zip, "docProps/custom.xml"));
    Ok((calc, stamp, charts::series(&mut zip, MAX_UNPACKED)))
}

/// Refuses a zip entry (`what`: "part xl/...", or "it" for a workbook inside a download) that
/// packs as a zip bomb does, or that alone unpacks past [`MAX_UNPACKED`], before it is unpacked.
pub(crate) fn check_packing(file: &Path, what: &str, packed: u64, unpacked: u64) -> Result<(), Error> {
    let too_large = |what: String| Err(Error::TooLarge { file: file.to_path_buf(), what, limit: MAX_UNPACKED >> 20 });
    if unpacked > RATIO_FROM && unpacked / packed.max(1) > MAX_RATIO {
        return too_large(format!("{what} unpacks {} MB from {} KB, as a zip bomb does", unpacked >> 20, packed >> 10));
    }
    if unpacked > MAX_UNPACKED {
        return too_large(format!("{what} unpacks to {} MB", unpacked >> 20));
    }
    Ok(())
}

/// A part of a package, unpacked within the bound; empty when it is missing or damaged.
fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Vec<u8> {
    let mut part = Vec::new();
    if let Ok(entry) = zip.by_name(name) {
        let _ = entry.take(MAX_UNPACKED).read_to_end(&mut part);
    }
    part
}

/// The media type an OpenDocument spreadsheet stores first in its package, unpacked.
const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Every worksheet of an `.xls` or `.ods` workbook, through calamine's common reader: its
/// values, and its formulas in the spelling this reader parses (`translate`).
fn read_any<RS: Read + Seek, R: Reader<RS>>(mut book: R, translate: &dyn Fn(&str) -> String) -> Result<Vec<Sheet>, ()> {
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let mut sheet = Sheet { name: name.clone(), ..Sheet::default() };
        let values = book.worksheet_range(&name).map_err(|_| ())?;
        let (top, left) = values.start().unwrap_or((0, 0));
        for (r, c, d) in values.used_cells() {
            sheet.values.insert(Pos { row: top + r as u32, col: left + c as u32 }, d.clone());
        }
        let formulas = book.worksheet_formula(&name).map_err(|_| ())?;
        let (top, left) = formulas.start().unwrap_or((0, 0));
        for (r, c, f) in formulas.used_cells().filter(|(_, _, f)| !f.is_empty()) {
            sheet.formulas.insert(Pos { row: top + r as u32, col: left + c as u32 }, translate(f));
        }
        sheets.push(sheet);
    }
    Ok(sheets)
}

/// The first bytes of an OLE compound file.
const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What a reader error means for the person holding the file, in words: the library's own text
/// speaks of its internals.
fn reason(e: &calamine::XlsxError) -> &'static str {
    use calamine::XlsxError as E;
    match e {
        E::Io(_) => "it could not be read to the end",
        E::Zip(_) => "its zip structure is damaged",
        E::Xml(_) | E::XmlAttr(_) | E::XmlEof(_) | E::UnexpectedNode(_) => "a part's XML is malformed",
        E::FileNotFound(_) | E::RelationshipNotFound => "a part it needs is missing",
        _ => "its contents are malformed",
    }
}

/// Every sheet, read cell by cell as stored. Only the cells that exist are kept: a dense grid
/// would let a sheet with two far-apart cells ask for billions of them.
fn read_sheets<R: Read + Seek>(xlsx: &mut Xlsx<R>, file: &Path) -> Result<Vec<Sheet>, Error> {
    let defined = xlsx.defined_names().to_vec();
    // A chart sheet holds a chart, no cells: it is not a sheet to read.
    let names: Vec<String> = xlsx
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ != calamine::SheetType::ChartSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let bad = |e: calamine::XlsxError| Error::BadSheet {
            file: file.to_path_buf(),
            sheet: name.clone(),
            detail: reason(&e).into(),
        };
        let mut sheet = Sheet { name: name.clone(), ..Sheet::default() };
        let mut cells = xlsx.worksheet_cells_reader(&name).map_err(bad)?;
        while let Some(cell) = cells.next_cell_with_formula().map_err(bad)? {
            let pos = Pos { row: cell.pos.0, col: cell.pos.1 };
            let value = Data::from(cell.value);
            if !matches!(value, Data::Empty) {
                sheet.values.insert(pos, value);
            }
            if let Some(formula) = cell.formula.filter(|f| !f.is_empty()) {
                let formula = if defined.is_empty() { formula } else { formula::with_names(&formula, &defined, &name) };
                sheet.formulas.insert(pos, formula);
            }
        }
        sheets.push(sheet);
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names_round_trip() {
        for (col, name) in [(0, "A"), (25, "Z"), (26, "AA"), (30, "AE"), (701, "ZZ"), (702, "AAA")] {
            assert_eq!(column_name(col), name);
            assert_eq!(parse_a1(&format!("{name}7")), Some(Pos { row: 6, col }));
        }
        assert_eq!(parse_a1("$G$31"), Some(Pos { row: 30, col: 6 }));
        for bad in ["", "31", "G", "G0", "ABCD1", "G-1", "é3"] {
            assert_eq!(parse_a1(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_that_is_not_a_workbook_is_refused_with_a_reason() {
        let err = Workbook::from_bytes(Path::new("x.xlsx"), b"just text").err().unwrap();
        assert!(err.to_string().contains("not an .xlsx workbook"), "{err}");
        let err = Workbook::from_bytes(Path::new("x.xlsx"), b"PK\x03\x04broken").err().unwrap();
        assert!(err.to_string().contains("x.xlsx"), "{err}");
    }
}
