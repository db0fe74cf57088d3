//! The package around the rows: rust_xlsxwriter writes every part of the workbook but the rows
//! of the learning-rate sheets (their η row, header and first row, their charts, the Summary),
//! the workers write each such sheet whole into an archive of its own, compressing as they go,
//! and the two are put together here by copying compressed entries as they are.

use std::fs::File;
use std::io::{Cursor, Read, Seek, Write};

use zip::{ZipArchive, ZipWriter};

use crate::error::Failure;

/// A learning-rate sheet's part as rust_xlsxwriter wrote it, split where the workers' rows go:
/// before `</sheetData>`, after the first row.
#[derive(Clone, Debug)]
pub(super) struct SheetPart {
    /// The part's name in the package (`xl/worksheets/sheet2.xml`).
    pub name: String,
    pub head: String,
    pub tail: String,
    /// The style of each sheet column (0-based), from the part's `<cols>`: a cell written into
    /// a styled column carries its style, as rust_xlsxwriter writes it.
    pub styles: Vec<Option<u32>>,
}

/// The learning-rate sheets' parts (sheets 2 to `count` + 1) of a package rust_xlsxwriter saved.
pub(super) fn sheet_parts(package: &[u8], count: usize) -> Result<Vec<SheetPart>, Failure> {
    let mut archive = ZipArchive::new(Cursor::new(package))?;
    (0..count)
        .map(|k| {
            let name = format!("xl/worksheets/sheet{}.xml", k + 2);
            let mut xml = String::new();
            archive.by_name(&name)?.read_to_string(&mut xml)?;
            let at = xml.find("</sheetData>").expect("a worksheet part has its sheetData");
            let styles = crate::sys::ooxml::column_styles(&name, &xml)?;
            Ok(SheetPart { name, head: xml[..at].to_string(), tail: xml[at..].to_string(), styles })
        })
        .collect()
}

/// The head with its `<dimension>` reaching the table's last row: rust_xlsxwriter saw the first
/// row only.
pub(super) fn with_last_row(head: &str, last_row: u32) -> String {
    let Some(start) = head.find("<dimension ref=\"") else { return head.to_string() };
    let from = start + "<dimension ref=\"".len();
    let Some(len) = head[from..].find('"') else { return head.to_string() };
    let range = &head[from..from + len];
    let last_col = range.rsplit(':').next().unwrap_or(range).trim_end_matches(|c: char| c.is_ascii_digit());
    let first = range.split(':').next().unwrap_or(range);
    format!("{}{first}:{last_col}{last_row}{}", &head[..from], &head[from + len..])
}

/// Writes the final package to `out`: every entry of `package` in its order, compressed as it
/// is, except the learning-rate sheets, taken from the workers' archives. Each sheet part in
/// `package` must be the one the workers started from: the two saves wrote the same sheets.
pub(super) fn assemble<W: Write + Seek>(
    package: &[u8],
    sheets: &[SheetPart],
    written: Vec<File>,
    out: W,
) -> Result<(), Failure> {
    let mut archive = ZipArchive::new(Cursor::new(package))?;
    let mut workers: Vec<ZipArchive<File>> = written.into_iter().map(ZipArchive::new).collect::<Result<_, _>>()?;
    let mut zip = ZipWriter::new(out);
    for i in 0..archive.len() {
        let name = archive.by_index_raw(i)?.name()?.to_string();
        match sheets.iter().position(|s| s.name == name) {
            Some(k) => {
                let mut again = String::new();
                archive.by_index(i)?.read_to_string(&mut again)?;
                assert_eq!(
                    again,
                    format!("{}{}", sheets[k].head, sheets[k].tail),
                    "{name} changed between the two saves"
                );
                zip.raw_copy_file(workers[k].by_index_raw(0)?)?;
            }
            None => zip.raw_copy_file(archive.by_index_raw(i)?)?,
        }
    }
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dimension_reaches_the_last_row() {
        let head = r#"<worksheet><dimension ref="A1:AF4"/><cols><col min="1" max="1" width="10" style="4" customWidth="1"/></cols><sheetData><row r="1">"#;
        assert!(with_last_row(head, 100003).contains(r#"<dimension ref="A1:AF100003"/>"#));
    }
}
