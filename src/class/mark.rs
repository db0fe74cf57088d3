//! Handing a workbook back marked: the student's own package with every wrong cell filled in a
//! clear colour and carrying a note (expected, found, why, and the correct formula in that
//! sheet's own references). rust_xlsxwriter writes new workbooks only, so the package is
//! patched: the marked sheets' cell styles, one fill and the styles derived from it, a comments
//! part with its VML drawing and relationships, and the content types. Every other part is
//! copied as it is, byte for byte. The checker decides what is wrong; this only marks.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Seek, Write};

use quick_xml::escape::escape;

use crate::check::{Report, WrongCell};
use crate::error::Failure;
use crate::reader::parse_a1;

/// Why a workbook could not be marked, in words.
fn package(what: impl std::fmt::Display) -> Failure {
    Failure::Failed(format!("its package cannot be marked ({what})"))
}

/// The fill of a marked cell: the light red of Excel's "Bad" cell style.
const MARK_FILL: &str =
    r#"<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill>"#;
const COMMENTS_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const VML_TYPE: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// What marking did: the cells marked, and the sheets whose notes could not be added (a sheet
/// that already has comments keeps them, and gets the fills only).
#[derive(Debug, Default)]
pub(crate) struct Marked {
    pub cells: usize,
    pub without_notes: Vec<String>,
}

/// Writes to `out` the package `original` with the wrong cells of `report` marked.
pub(crate) fn mark<W: Write + Seek>(original: &[u8], report: &Report, out: W) -> Result<Marked, Failure> {
    let mut zip = zip::ZipArchive::new(Cursor::new(original)).map_err(|_| package("not a zip package"))?;
    let text = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Result<Option<String>, Failure> {
        let Ok(mut entry) = zip.by_name(name) else { return Ok(None) };
        let mut s = String::new();
        entry.read_to_string(&mut s).map_err(|_| package(format!("{name} is not text")))?;
        Ok(Some(s))
    };
    let workbook = text(&mut zip, "xl/workbook.xml")?.ok_or_else(|| package("no xl/workbook.xml"))?;
    let rels = text(&mut zip, "xl/_rels/workbook.xml.rels")?.ok_or_else(|| package("no workbook relationships"))?;
    let mut styles = text(&mut zip, "xl/styles.xml")?.ok_or_else(|| package("no styles part"))?;
    let mut types = text(&mut zip, "[Content_Types].xml")?.ok_or_else(|| package("no content types"))?;

    // The wrong cells of each sheet, by the part that holds the sheet.
    let mut by_part: BTreeMap<String, (String, Vec<&WrongCell>)> = BTreeMap::new();
    for table in &report.tables {
        let part = sheet_part(&workbook, &rels, &table.sheet)
            .ok_or_else(|| package(format!("no part for sheet '{}'", table.sheet)))?;
        by_part.entry(part).or_insert_with(|| (table.sheet.clone(), Vec::new())).1.extend(&table.cells);
    }
    by_part.retain(|_, (_, cells)| !cells.is_empty());

    let mut changed: BTreeMap<String, String> = BTreeMap::new();
    let mut added: Vec<(String, String)> = Vec::new();
    let fill = add_fill(&mut styles)?;
    let base = cell_styles(&styles)?.1.len() as u32;
    // Each style a marked cell had, and the index of its marked twin (after the existing ones).
    let mut derived: BTreeMap<u32, u32> = BTreeMap::new();
    let mut marked = Marked::default();
    let existing: BTreeSet<String> = zip.file_names().flatten().map(|n| n.into_owned()).collect();
    let mut number = 1;
    for (part, (sheet_name, cells)) in &by_part {
        let mut xml = text(&mut zip, part)?.ok_or_else(|| package(format!("no {part}")))?;
        let wanted: BTreeSet<String> = cells.iter().map(|c| c.cell.clone()).collect();
        let found = restyle(&mut xml, &wanted, |old| {
            let next = base + derived.len() as u32;
            *derived.entry(old).or_insert(next)
        })?;
        if found != wanted.len() {
            return Err(package(format!(
                "sheet '{sheet_name}': {} of its wrong cells are not in its part",
                wanted.len() - found
            )));
        }
        marked.cells += found;
        if xml.contains("<legacyDrawing ") {
            marked.without_notes.push(sheet_name.clone());
        } else {
            while existing.contains(&format!("xl/comments{number}.xml"))
                || existing.contains(&format!("xl/drawings/vmlDrawing{number}.vml"))
            {
                number += 1;
            }
            let rels_part = rels_of(part);
            let sheet_rels = text(&mut zip, &rels_part)?;
            let (rels_xml, vml_id) = add_relationships(sheet_rels, number);
            insert_legacy_drawing(&mut xml, &vml_id)?;
            added.push((format!("xl/comments{number}.xml"), comments(cells)));
            added.push((format!("xl/drawings/vmlDrawing{number}.vml"), vml(cells, number)));
            if existing.contains(&rels_part) {
                changed.insert(rels_part, rels_xml);
            } else {
                added.push((rels_part, rels_xml));
            }
            add_type(
                &mut types,
                &format!("<Override PartName=\"/xl/comments{number}.xml\" ContentType=\"{COMMENTS_TYPE}\"/>"),
            );
            if !types.contains("Extension=\"vml\"") {
                add_type(&mut types, &format!("<Default Extension=\"vml\" ContentType=\"{VML_TYPE}\"/>"));
            }
            number += 1;
        }
        changed.insert(part.clone(), xml);
    }
    add_styles(&mut styles, &derived, fill)?;
    changed.insert("xl/styles.xml".into(), styles);
    changed.insert("[Content_Types].xml".into(), types);

    let mut writer = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| package("a damaged entry"))?;
        let name = entry.name().map_err(|_| package("an entry without a name"))?.into_owned();
        match changed.remove(&name) {
            Some(content) => {
                drop(entry);
                writer.start_file(name.as_str(), options).map_err(package)?;
                writer.write_all(content.as_bytes())?;
            }
            None => writer.raw_copy_file(entry).map_err(package)?,
        }
    }
    for (name, content) in added {
        writer.start_file(name.as_str(), options).map_err(package)?;
        writer.write_all(content.as_bytes())?;
    }
    writer.finish().map_err(package)?;
    Ok(marked)
}

/// The value of attribute `name` in the opening tag `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(at) = tag.find(&key) {
            let rest = &tag[at + key.len()..];
            return rest.find(quote).map(|end| &rest[..end]);
        }
    }
    None
}

/// `tag` with attribute `name` set to `value`, added before the tag's end when absent.
fn set_attr(tag: &str, name: &str, value: &str) -> String {
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(at) = tag.find(&key) {
            let start = at + key.len();
            let end = start + tag[start..].find(quote).unwrap_or(0);
            return format!("{}{value}{}", &tag[..start], &tag[end..]);
        }
    }
    let close = if tag.ends_with("/>") { tag.len() - 2 } else { tag.len() - 1 };
    format!("{} {name}=\"{value}\"{}", &tag[..close], &tag[close..])
}

/// Every opening tag `<name ...>` of `xml`, as (start, end) byte ranges.
fn tags(xml: &str, name: &str) -> Vec<(usize, usize)> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = xml[from..].find(&open).map(|k| k + from) {
        let after = xml[at + open.len()..].chars().next();
        let end = xml[at..].find('>').map(|k| at + k + 1);
        match (after, end) {
            (Some(' ' | '>' | '/'), Some(end)) => {
                out.push((at, end));
                from = end;
            }
            (_, Some(end)) => from = end,
            (_, None) => break,
        }
    }
    out
}

/// The part that holds sheet `name`: its relationship in the workbook, resolved.
fn sheet_part(workbook: &str, rels: &str, name: &str) -> Option<String> {
    let escaped = escape(name);
    let sheet = tags(workbook, "sheet")
        .into_iter()
        .map(|(a, b)| &workbook[a..b])
        .find(|t| attr(t, "name").is_some_and(|n| n == escaped || n == name))?;
    let id = attr(sheet, "r:id")?;
    let rel = tags(rels, "Relationship").into_iter().map(|(a, b)| &rels[a..b]).find(|t| attr(t, "Id") == Some(id))?;
    let target = attr(rel, "Target")?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// Gives every wanted cell of a sheet's XML the style `style(old)` derives from its own; returns
/// how many it found.
fn restyle(xml: &mut String, wanted: &BTreeSet<String>, mut style: impl FnMut(u32) -> u32) -> Result<usize, Failure> {
    // A cell written without a style takes its column's (`<col min max style>`), as a spreadsheet shows it.
    let columns: Vec<(u32, u32, u32)> = tags(xml, "col")
        .into_iter()
        .filter_map(|(a, b)| {
            let tag = &xml[a..b];
            Some((attr(tag, "min")?.parse().ok()?, attr(tag, "max")?.parse().ok()?, attr(tag, "style")?.parse().ok()?))
        })
        .collect();
    let column_style = |r: &str| {
        let col = parse_a1(r)?.col + 1;
        columns.iter().find(|(min, max, _)| (*min..=*max).contains(&col)).map(|c| c.2)
    };
    let mut out = String::with_capacity(xml.len() + wanted.len() * 8);
    let mut last = 0;
    let mut found = 0;
    for (a, b) in tags(xml, "c") {
        let tag = &xml[a..b];
        let Some(r) = attr(tag, "r") else { continue };
        if !wanted.contains(r) {
            continue;
        }
        let old = match attr(tag, "s") {
            Some(s) => s.parse().map_err(|_| package("a cell style that is not a number"))?,
            None => column_style(r).unwrap_or(0),
        };
        out.push_str(&xml[last..a]);
        out.push_str(&set_attr(tag, "s", &style(old).to_string()));
        last = b;
        found += 1;
    }
    out.push_str(&xml[last..]);
    *xml = out;
    Ok(found)
}

/// Adds the mark's fill to the styles; returns its index.
fn add_fill(styles: &mut String) -> Result<usize, Failure> {
    let (a, b) = *tags(styles, "fills").first().ok_or_else(|| package("the styles have no fills"))?;
    let end = styles.find("</fills>").ok_or_else(|| package("the styles' fills are not closed"))?;
    let count = tags(&styles[b..end], "fill").len();
    styles.insert_str(end, MARK_FILL);
    let tag = set_attr(&styles[a..b], "count", &(count + 1).to_string());
    styles.replace_range(a..b, &tag);
    Ok(count)
}

/// Byte offsets in the styles part: (start, end of the opening tag, end of the element's body).
type Span = (usize, usize, usize);

/// Where the cell styles (`cellXfs`) are: the opening tag and its closing tag's start, and each
/// `xf` element whole (an opening tag, and its children up to `</xf>` unless it closes itself).
fn cell_styles(styles: &str) -> Result<(Span, Vec<Span>), Failure> {
    let (a, b) = *tags(styles, "cellXfs").first().ok_or_else(|| package("the styles have no cellXfs"))?;
    let end = styles[b..].find("</cellXfs>").map(|k| k + b).ok_or_else(|| package("cellXfs not closed"))?;
    let mut xfs = Vec::new();
    for (x, y) in tags(&styles[b..end], "xf") {
        let (x, y) = (x + b, y + b);
        let whole = if styles[x..y].ends_with("/>") { y } else { styles[y..].find("</xf>").map_or(y, |k| y + k + 5) };
        xfs.push((x, y, whole));
    }
    Ok(((a, b, end), xfs))
}

/// Appends to the cell styles the marked twin of each style in `derived` (old index to new),
/// in the order of their new indices: the same style with the mark's fill.
fn add_styles(styles: &mut String, derived: &BTreeMap<u32, u32>, fill: usize) -> Result<(), Failure> {
    let ((a, b, end), xfs) = cell_styles(styles)?;
    let mut twins: Vec<(u32, u32)> = derived.iter().map(|(old, new)| (*new, *old)).collect();
    twins.sort();
    let mut extra = String::new();
    for (_, old) in twins {
        let &(x, y, whole) = xfs.get(old as usize).or(xfs.first()).ok_or_else(|| package("no cell style"))?;
        let tag = set_attr(&set_attr(&styles[x..y], "fillId", &fill.to_string()), "applyFill", "1");
        extra.push_str(&tag);
        extra.push_str(&styles[y..whole]);
    }
    styles.insert_str(end, &extra);
    let tag = set_attr(&styles[a..b], "count", &(xfs.len() + derived.len()).to_string());
    styles.replace_range(a..b, &tag);
    Ok(())
}

/// The sheet's relationships with the comments and their drawing added; and the drawing's id.
fn add_relationships(existing: Option<String>, number: usize) -> (String, String) {
    let xml = existing.unwrap_or_else(|| {
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>".to_string()
    });
    let (comments_id, vml_id) = (format!("rIdBackpropComments{number}"), format!("rIdBackpropNotes{number}"));
    let new = format!(
        "<Relationship Id=\"{comments_id}\" Type=\"{REL}/comments\" Target=\"../comments{number}.xml\"/><Relationship Id=\"{vml_id}\" Type=\"{REL}/vmlDrawing\" Target=\"../drawings/vmlDrawing{number}.vml\"/>"
    );
    let at = xml.rfind("</Relationships>").unwrap_or(xml.len());
    (format!("{}{new}{}", &xml[..at], &xml[at..]), vml_id)
}

/// Adds `<legacyDrawing r:id=...>` where the schema puts it: after the sheet's drawing, before
/// what follows it.
fn insert_legacy_drawing(xml: &mut String, id: &str) -> Result<(), Failure> {
    let after = [
        "<legacyDrawingHF",
        "<picture",
        "<oleObjects",
        "<controls",
        "<webPublishItems",
        "<tableParts",
        "<extLst",
        "</worksheet>",
    ];
    let at = after.iter().filter_map(|t| xml.find(t)).min().ok_or_else(|| package("the sheet is not closed"))?;
    let prefix = if xml.contains(&format!("xmlns:r=\"{REL}\"")) { "r" } else { "bps" };
    xml.insert_str(at, &format!("<legacyDrawing {prefix}:id=\"{id}\"/>"));
    if prefix == "bps" {
        let (a, b) = *tags(xml, "worksheet").first().ok_or_else(|| package("no worksheet element"))?;
        let root = &xml[a..b];
        let declared = format!("{} xmlns:bps=\"{REL}\">", &root[..root.len() - 1]);
        xml.replace_range(a..b, &declared);
    }
    Ok(())
}

fn add_type(types: &mut String, element: &str) {
    let at = types.rfind("</Types>").unwrap_or(types.len());
    types.insert_str(at, element);
}

/// A note's text: what the cell should hold, what it holds, why, and the formula that belongs.
pub(crate) fn note(cell: &WrongCell) -> String {
    format!(
        "backprop-sheet: {} is wrong (iteration {}).\nExpected: {}\nFound: {}\n{}: {}\nCorrect formula: {}",
        cell.column,
        cell.iteration,
        cell.expected,
        cell.found,
        cell.diagnosis.keys(),
        cell.diagnosis.explanation,
        cell.correct_formula
    )
}

fn comments(cells: &[&WrongCell]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><authors><author>backprop-sheet</author></authors><commentList>",
    );
    for cell in cells {
        xml.push_str(&format!(
            "<comment ref=\"{}\" authorId=\"0\"><text><r><t xml:space=\"preserve\">{}</t></r></text></comment>",
            cell.cell,
            escape(note(cell).as_str())
        ));
    }
    xml.push_str("</commentList></comments>");
    xml
}

/// The drawing Excel shows notes with: one hidden box per note, beside its cell.
fn vml(cells: &[&WrongCell], number: usize) -> String {
    let mut xml = format!(
        "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{number}\"/></o:shapelayout><v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>"
    );
    for (k, cell) in cells.iter().enumerate() {
        let pos = parse_a1(&cell.cell).unwrap_or(crate::reader::Pos { row: 0, col: 0 });
        xml.push_str(&format!(
            "<v:shape id=\"_x0000_s{}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:60pt;margin-top:2pt;width:300pt;height:110pt;z-index:{};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {}, 2, {}, 15, {}, 16</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{}</x:Row><x:Column>{}</x:Column></x:ClientData></v:shape>",
            1024 * number + 1 + k,
            k + 1,
            pos.col + 1,
            pos.row,
            pos.col + 5,
            pos.row + 7,
            pos.row,
            pos.col
        ));
    }
    xml.push_str("</xml>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_and_set_whatever_the_quotes() {
        assert_eq!(attr(r#"<c r="Z33" s="3">"#, "s"), Some("3"));
        assert_eq!(attr("<c r='Z33'>", "r"), Some("Z33"));
        assert_eq!(set_attr(r#"<c r="Z33" s="3">"#, "s", "12"), r#"<c r="Z33" s="12">"#);
        assert_eq!(set_attr(r#"<c r="Z33"/>"#, "s", "12"), r#"<c r="Z33" s="12"/>"#);
        assert_eq!(set_attr(r#"<c r="Z33">"#, "s", "1"), r#"<c r="Z33" s="1">"#);
        assert_eq!(tags(r#"<cols><col/></cols><c r="A1"><v>1</v></c><c r="B1"/>"#, "c").len(), 2);
    }
}
