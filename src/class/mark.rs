//! Handing a workbook back marked: the student's own package with every wrong cell filled in a
//! clear colour, and each finding's first cell carrying a note (expected, found, why, and the
//! correct formula in that sheet's own references). rust_xlsxwriter writes new workbooks only,
//! so the package is patched through an XML reader and writer: the marked sheets' cell styles,
//! one fill and the styles derived from it (a styles part, or its fills, added where the package
//! has none), a comments part with its VML drawing and relationships, and the content types.
//! Every other part is copied as it is, byte for byte. The checker decides what is wrong; this
//! only marks.
//!
//! One note per finding, not per cell: a slip copied down 60,000 rows is one finding, and a note
//! on each of its cells would make a copy many times its original's size.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Seek, Write};

use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::check::{Report, TableReport, WrongColumn};
use crate::error::Failure;
use crate::model::variant::Stamp;
use crate::reader::{Pos, parse_a1};
use crate::sys::ooxml::{self, Package, REL_NS, Relationship, malformed};

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const COMMENTS_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const VML_TYPE: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
const STYLES_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml";
const CUSTOM_PART: &str = "docProps/custom.xml";
const CUSTOM_TYPE: &str = "application/vnd.openxmlformats-officedocument.custom-properties+xml";
const CUSTOM_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties";
const VT_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes";
/// The format id every custom property of an Office document has.
const CUSTOM_FMTID: &str = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}";

/// The children of a worksheet, in the order the schema (CT_Worksheet) gives them.
const WORKSHEET_ORDER: [&str; 39] = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
];

/// The children of a styles part, in the order of CT_Stylesheet.
const STYLESHEET_ORDER: [&str; 11] = [
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
];

/// What marking did: the cells marked, and the sheets whose notes could not be added (a sheet
/// that already has comments keeps them, and gets the fills only).
#[derive(Debug, Default)]
pub(crate) struct Marked {
    pub cells: usize,
    pub without_notes: Vec<String>,
}

/// One sheet's marks: the cells to fill, and the notes by the cell that carries them.
#[derive(Default)]
struct SheetMarks {
    name: String,
    cells: BTreeSet<Pos>,
    notes: BTreeMap<Pos, String>,
}

/// The parts a marked copy replaces and adds, and the content types they need.
#[derive(Default)]
struct Edits {
    changed: BTreeMap<String, String>,
    added: Vec<(String, String)>,
    overrides: Vec<(String, &'static str)>,
}

impl Edits {
    /// Puts `xml` in place of part `name`, or adds it when the package has none.
    fn put(&mut self, package: &Package<'_>, name: String, xml: String) {
        if package.has(&name) {
            self.changed.insert(name, xml);
        } else {
            self.added.push((name, xml));
        }
    }

    fn taken(&self, package: &Package<'_>, name: &str) -> bool {
        package.has(name) || self.added.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// Writes to `out` the package `original` with the wrong cells of `report` marked.
pub(crate) fn mark<W: Write + Seek>(original: &[u8], report: &Report, out: W) -> Result<Marked, Failure> {
    let mut package = Package::open(original)?;
    let book = Book::read(&mut package)?;
    let sheets = marks_by_part(report, &book)?;
    let mut edits = Edits::default();
    let mut styles = Styles::read(&mut package, &book, &mut edits)?;
    let mut marked = Marked::default();
    let mut number = 1;
    for (part, sheet) in &sheets {
        let mut xml = package.text(part)?.ok_or_else(|| malformed(format!("no {part}")))?;
        let (found, has_notes) = restyle(part, &mut xml, &sheet.cells, &mut styles)?;
        let missing = sheet.cells.len() - found;
        if missing > 0 {
            return Err(malformed(format!("sheet '{}': {missing} of its wrong cells are not in its part", sheet.name)));
        }
        marked.cells += found;
        if has_notes {
            marked.without_notes.push(sheet.name.clone());
        } else {
            while edits.taken(&package, &format!("xl/comments{number}.xml"))
                || edits.taken(&package, &format!("xl/drawings/vmlDrawing{number}.vml"))
            {
                number += 1;
            }
            xml = add_notes(&mut package, &mut edits, part, &xml, sheet, number)?;
            number += 1;
        }
        edits.changed.insert(part.clone(), xml);
    }
    let styles_part = styles.part.clone();
    let styles_xml = styles.finish()?;
    edits.put(&package, styles_part, styles_xml);
    say_marked_copy(&mut package, &mut edits, &report.file)?;
    let types = package.text("[Content_Types].xml")?.ok_or_else(|| malformed("no content types"))?;
    let overrides: Vec<(&str, &str)> = edits.overrides.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let types = ooxml::add_content_types(&types, &[("vml", VML_TYPE)], &overrides)?;
    edits.changed.insert("[Content_Types].xml".into(), types);
    package.write(edits.changed, edits.added, out)?;
    Ok(marked)
}

/// Adds to the package's custom properties (made when it has none) that it is the marked copy of
/// `original`, as Excel's File > Properties > Custom shows it: the class run reads it back and
/// leaves the copy out, wherever it was put.
fn say_marked_copy(package: &mut Package<'_>, edits: &mut Edits, original: &str) -> Result<(), Failure> {
    let root_rels = package.text("_rels/.rels")?;
    let rels = root_rels.as_deref().map(|x| ooxml::relationships("_rels/.rels", x)).transpose()?.unwrap_or_default();
    let related = rels.iter().find(|r| r.kind.ends_with("/custom-properties")).map(|r| ooxml::resolve("", &r.target));
    let part = related.clone().unwrap_or_else(|| CUSTOM_PART.to_string());
    let xml = match package.text(&part)? {
        Some(xml) => xml,
        None => {
            if related.is_none() {
                let id = unique_id(&rels, "rIdBackpropCustom");
                let rel = Relationship { id, kind: format!("{REL_NS}/custom-properties"), target: part.clone() };
                let rels = ooxml::add_relationships("_rels/.rels", root_rels.as_deref(), &[rel])?;
                edits.put(package, "_rels/.rels".into(), rels);
            }
            edits.overrides.push((part.clone(), CUSTOM_TYPE));
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"{CUSTOM_NS}\" xmlns:vt=\"{VT_NS}\"/>"
            )
        }
    };
    // Each property has its own id, from 2 up.
    let mut last = 1;
    ooxml::rewrite(&part, &xml, |_, event, _| {
        if let Event::Start(e) | Event::Empty(e) = &event
            && ooxml::local(e) == "property"
            && let Some(pid) = ooxml::attr(e, "pid").and_then(|p| p.trim().parse::<u32>().ok())
        {
            last = last.max(pid);
        }
        Ok(())
    })?;
    let pid = last.saturating_add(1).to_string();
    let xml = ooxml::append_to_root(&part, &xml, |w, prefix| {
        let attrs = [("fmtid", CUSTOM_FMTID), ("pid", pid.as_str()), ("name", Stamp::MARKED_COPY_OF)];
        ooxml::element(w, prefix, "property", &attrs, |w| {
            // The value's namespace declared on it: the part may bind `vt` to nothing, or to another.
            ooxml::element(w, "vt:", "lpwstr", &[("xmlns:vt", VT_NS)], |w| {
                w.write_event(Event::Text(BytesText::new(&ooxml::xml_text(original)))).map_err(ooxml::io)
            })
        })
    })?;
    edits.put(package, part, xml);
    Ok(())
}

/// The workbook part, its relationships, and its sheets' parts by name.
struct Book {
    part: String,
    rels: Vec<Relationship>,
    sheets: Vec<(String, String)>,
}

impl Book {
    fn read(package: &mut Package<'_>) -> Result<Book, Failure> {
        let root = package.text("_rels/.rels")?.map(|x| ooxml::relationships("_rels/.rels", &x)).transpose()?;
        let part = root
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.kind.ends_with("/officeDocument"))
            .map_or_else(|| "xl/workbook.xml".to_string(), |r| ooxml::resolve("", &r.target));
        let workbook = package.text(&part)?.ok_or_else(|| malformed(format!("no {part}")))?;
        let rels_part = ooxml::rels_of(&part);
        let rels_xml = package.text(&rels_part)?.ok_or_else(|| malformed("no workbook relationships"))?;
        let rels = ooxml::relationships(&rels_part, &rels_xml)?;
        let mut sheets = Vec::new();
        ooxml::rewrite(&part, &workbook, |_, event, _| {
            if let Event::Start(e) | Event::Empty(e) = &event
                && ooxml::local(e) == "sheet"
                && let (Some(name), Some(id)) = (ooxml::attr(e, "name"), ooxml::attr(e, "id"))
                && let Some(rel) = rels.iter().find(|r| r.id == id)
            {
                sheets.push((name, ooxml::resolve(&part, &rel.target)));
            }
            Ok(())
        })?;
        Ok(Book { part, rels, sheets })
    }

    fn sheet_part(&self, name: &str) -> Option<&str> {
        let found = self.sheets.iter().find(|(n, _)| n == name);
        let found = found.or_else(|| self.sheets.iter().find(|(n, _)| n.to_lowercase() == name.to_lowercase()));
        found.map(|(_, part)| part.as_str())
    }
}

/// Each sheet's marks, by the part that holds the sheet: every wrong cell filled, and each
/// finding's note on its first cell.
fn marks_by_part(report: &Report, book: &Book) -> Result<BTreeMap<String, SheetMarks>, Failure> {
    let mut by_part: BTreeMap<String, SheetMarks> = BTreeMap::new();
    for (k, table) in report.tables.iter().filter(|t| !t.cells.is_empty()).enumerate() {
        let part =
            book.sheet_part(&table.sheet).ok_or_else(|| malformed(format!("no part for sheet '{}'", table.sheet)))?;
        let marks = by_part.entry(part.to_string()).or_default();
        marks.name = table.sheet.clone();
        // The grade, once, where the student starts reading: the first marked table's header.
        if k == 0
            && let Some(at) = parse_a1(&table.at)
        {
            marks.notes.insert(at, score_note(&report.score));
        }
        for cell in &table.cells {
            marks.cells.insert(parse_a1(&cell.cell).ok_or_else(|| malformed(format!("no cell {}", cell.cell)))?);
        }
        for finding in &table.wrong_columns {
            let Some(at) = parse_a1(&finding.first_wrong_cell) else { continue };
            let text = note(finding, table);
            marks.notes.entry(at).and_modify(|n| *n = format!("{n}\n\n{text}")).or_insert(text);
        }
    }
    Ok(by_part)
}

/// The grade's note: the score, each part's points, and the reason for every deduction.
fn score_note(score: &crate::check::rubric::Score) -> String {
    let mut text = format!("backprop-sheet: score {} of {}.", score.points, score.max_points);
    for p in &score.parts {
        text.push_str(&format!("\n{}: {} of {}", p.name, p.points, p.max_points));
        for d in &p.deductions {
            text.push_str(&format!("\n  -{} {}", d.points, d.reason));
        }
    }
    text
}

/// The cells' ranges a note lists, at most this long: the finding's first cell carries the note,
/// and the fill shows the rest.
const NOTE_CELLS: usize = 200;

/// A finding's note: where it is, what its first cell should hold, what it holds, why, and the
/// formula that belongs there.
fn note(finding: &WrongColumn, table: &TableReport) -> String {
    let correct = table
        .cells
        .iter()
        .find(|c| c.cell == finding.first_wrong_cell)
        .map_or(finding.formula_correct.as_str(), |c| c.correct_formula.as_str());
    let whole = if finding.wrong_cells == 1 {
        format!("backprop-sheet: {} is wrong (iteration {}).", finding.column, finding.iteration)
    } else {
        let mut cells = finding.cells.clone();
        if cells.chars().count() > NOTE_CELLS {
            let cut: String = cells.chars().take(NOTE_CELLS).collect();
            cells = format!("{}, …", cut.rsplit_once(',').map_or(cut.as_str(), |(kept, _)| kept));
        }
        format!(
            "backprop-sheet: {} is wrong in {} cells ({cells}), first here (iteration {}).",
            finding.column, finding.wrong_cells, finding.iteration
        )
    };
    format!(
        "{whole}\nExpected: {}\nFound: {}\n{}: {}\nCorrect formula: {correct}",
        finding.expected,
        finding.found,
        finding.diagnosis.keys(),
        finding.diagnosis.explanation
    )
}

/// The styles part as the marked copy will have it: its text (with the fonts, fills, borders and
/// cell styles every styles part needs, added where missing), how many cell styles it had, and
/// the marked twin of each style a marked cell had.
struct Styles {
    part: String,
    xml: String,
    base: u32,
    fills: usize,
    derived: BTreeMap<u32, u32>,
}

impl Styles {
    fn read(package: &mut Package<'_>, book: &Book, edits: &mut Edits) -> Result<Styles, Failure> {
        let related = book.rels.iter().find(|r| r.kind.ends_with("/styles"));
        let found = match related.map(|r| ooxml::resolve(&book.part, &r.target)) {
            Some(part) => package.text(&part)?.map(|xml| (part, xml)),
            None => None,
        };
        let (part, xml) = match found {
            Some(found) => found,
            None => {
                // No styles part: one is made, related to the workbook and typed.
                let part = (1..).map(|k| format!("xl/styles{k}.xml")).find(|p| !edits.taken(package, p));
                let part = part.unwrap_or_default();
                let rels_part = ooxml::rels_of(&book.part);
                let existing = package.text(&rels_part)?;
                let id = unique_id(&book.rels, "rIdBackpropStyles");
                let target = ooxml::relative(&book.part, &part);
                let rel = Relationship { id, kind: format!("{REL_NS}/styles"), target };
                let rels = ooxml::add_relationships(&rels_part, existing.as_deref(), &[rel])?;
                edits.put(package, rels_part, rels);
                edits.overrides.push((part.clone(), STYLES_TYPE));
                (
                    part,
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"{MAIN_NS}\"/>"
                    ),
                )
            }
        };
        let xml = with_required_styles(&part, xml)?;
        let (fills, xfs) = (children(&part, &xml, "fills", "fill")?.len(), children(&part, &xml, "cellXfs", "xf")?);
        Ok(Styles { part, xml, base: xfs.len() as u32, fills, derived: BTreeMap::new() })
    }

    /// The index of the marked twin of style `old`.
    fn twin(&mut self, old: u32) -> u32 {
        let next = self.base + self.derived.len() as u32;
        *self.derived.entry(old).or_insert(next)
    }

    /// The styles part with the mark's fill and every twin added, and their counts set.
    fn finish(self) -> Result<String, Failure> {
        let xfs = children(&self.part, &self.xml, "cellXfs", "xf")?;
        let mut twins: Vec<(u32, u32)> = self.derived.iter().map(|(old, new)| (*new, *old)).collect();
        twins.sort();
        let fill = self.fills.to_string();
        let fill_count = (self.fills + 1).to_string();
        let xf_count = (xfs.len() + twins.len()).to_string();
        let add = |w: &mut ooxml::Out, name: &str, prefix: &str| -> Result<(), Failure> {
            if name == "fills" {
                return ooxml::element(w, prefix, "fill", &[], |w| {
                    ooxml::element(w, prefix, "patternFill", &[("patternType", "solid")], |w| {
                        // The light red of Excel's "Bad" cell style.
                        ooxml::empty(w, prefix, "fgColor", &[("rgb", "FFFFC7CE")])?;
                        ooxml::empty(w, prefix, "bgColor", &[("indexed", "64")])
                    })
                });
            }
            for (_, old) in &twins {
                let events = xfs.get(*old as usize).or(xfs.first()).ok_or_else(|| malformed("no cell style"))?;
                for (k, event) in events.iter().enumerate() {
                    let event = match event {
                        Event::Start(e) if k == 0 => {
                            Event::Start(ooxml::with_attr(&ooxml::with_attr(e, "fillId", &fill), "applyFill", "1"))
                        }
                        Event::Empty(e) if k == 0 => {
                            Event::Empty(ooxml::with_attr(&ooxml::with_attr(e, "fillId", &fill), "applyFill", "1"))
                        }
                        other => other.clone(),
                    };
                    w.write_event(event).map_err(ooxml::io)?;
                }
            }
            Ok(())
        };
        let count = |name: &str| if name == "fills" { fill_count.as_str() } else { xf_count.as_str() };
        ooxml::rewrite(&self.part, &self.xml, |w, event, open| {
            let at_top = open.len() == 1;
            match event {
                Event::Start(e) if at_top && matches!(ooxml::local(&e).as_str(), "fills" | "cellXfs") => {
                    let name = ooxml::local(&e);
                    w.write_event(Event::Start(ooxml::with_attr(&e, "count", count(&name)))).map_err(ooxml::io)
                }
                Event::Empty(e) if at_top && matches!(ooxml::local(&e).as_str(), "fills" | "cellXfs") => {
                    let name = ooxml::local(&e);
                    let start = ooxml::with_attr(&e, "count", count(&name));
                    let end = start.to_end().into_owned();
                    w.write_event(Event::Start(start)).map_err(ooxml::io)?;
                    add(w, &name, &ooxml::prefix_of(&e))?;
                    w.write_event(Event::End(end)).map_err(ooxml::io)
                }
                Event::End(e) if at_top && matches!(e.local_name().as_ref(), "fills" | "cellXfs") => {
                    let name = e.local_name().as_ref().to_string();
                    let prefix = e.name().prefix().map_or(String::new(), |p| format!("{}:", p.as_ref()));
                    add(w, &name, &prefix)?;
                    w.write_event(Event::End(e)).map_err(ooxml::io)
                }
                other => w.write_event(other).map_err(ooxml::io),
            }
        })
    }
}

/// A relationship id that `existing` does not use.
fn unique_id(existing: &[Relationship], stem: &str) -> String {
    (1..).map(|k| format!("{stem}{k}")).find(|id| existing.iter().all(|r| &r.id != id)).unwrap_or_default()
}

/// The styles part with every element a cell style needs (fonts, fills, borders, cellXfs, each
/// with Excel's defaults) added where it is missing, at its place in the schema's order.
fn with_required_styles(part: &str, mut xml: String) -> Result<String, Failure> {
    for name in ["fonts", "fills", "borders", "cellXfs"] {
        if top_level(part, &xml, name)? {
            continue;
        }
        xml = ooxml::insert_child(part, &xml, name, &STYLESHEET_ORDER, |w, root| {
            let p = ooxml::prefix_of(root);
            let p = p.as_str();
            match name {
                "fonts" => ooxml::element(w, p, "fonts", &[("count", "1")], |w| {
                    ooxml::element(w, p, "font", &[], |w| {
                        ooxml::empty(w, p, "sz", &[("val", "11")])?;
                        ooxml::empty(w, p, "name", &[("val", "Calibri")])
                    })
                }),
                "fills" => ooxml::element(w, p, "fills", &[("count", "2")], |w| {
                    for pattern in ["none", "gray125"] {
                        ooxml::element(w, p, "fill", &[], |w| {
                            ooxml::empty(w, p, "patternFill", &[("patternType", pattern)])
                        })?;
                    }
                    Ok(())
                }),
                "borders" => ooxml::element(w, p, "borders", &[("count", "1")], |w| {
                    ooxml::element(w, p, "border", &[], |w| {
                        ["left", "right", "top", "bottom", "diagonal"]
                            .iter()
                            .try_for_each(|s| ooxml::empty(w, p, s, &[]))
                    })
                }),
                _ => ooxml::element(w, p, "cellXfs", &[("count", "1")], |w| {
                    let attrs = [("numFmtId", "0"), ("fontId", "0"), ("fillId", "0"), ("borderId", "0")];
                    ooxml::empty(w, p, "xf", &attrs)
                }),
            }
        })?;
    }
    Ok(xml)
}

/// Whether the root element has a child named `name`.
fn top_level(part: &str, xml: &str, name: &str) -> Result<bool, Failure> {
    let mut found = false;
    ooxml::rewrite(part, xml, |_, event, open| {
        if let Event::Start(e) | Event::Empty(e) = &event {
            found |= open.len() == 1 && ooxml::local(e) == name;
        }
        Ok(())
    })?;
    Ok(found)
}

/// The `child` elements of the root's `parent` element, each whole (its events).
fn children(part: &str, xml: &str, parent: &str, child: &str) -> Result<Vec<Vec<Event<'static>>>, Failure> {
    let mut out: Vec<Vec<Event<'static>>> = Vec::new();
    ooxml::rewrite(part, xml, |_, event, open| {
        let inside = open.len() >= 2 && open[1] == parent;
        match &event {
            Event::Start(e) | Event::Empty(e) if open.len() == 2 && inside && ooxml::local(e) == child => {
                out.push(vec![event.into_owned()]);
            }
            _ if open.len() > 2 && inside => {
                if let Some(last) = out.last_mut() {
                    last.push(event.into_owned());
                }
            }
            Event::End(e) if open.len() == 2 && inside && e.local_name().as_ref() == child => {
                if let Some(last) = out.last_mut() {
                    last.push(event.into_owned());
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(out)
}

/// Gives every wanted cell of a sheet part the marked twin of its style; returns how many of the
/// wanted cells it found (a cell stored twice is marked twice, and counted once) and whether the
/// sheet already has notes (a `legacyDrawing`). A cell without its optional `r` is where the
/// cells before it put it; a cell without a style shows its row's or its column's.
fn restyle(
    part: &str,
    xml: &mut String,
    wanted: &BTreeSet<Pos>,
    styles: &mut Styles,
) -> Result<(usize, bool), Failure> {
    let columns = ooxml::column_styles(part, xml)?;
    let mut found: BTreeSet<Pos> = BTreeSet::new();
    let mut has_notes = false;
    let (mut row, mut col, mut row_style): (Option<u32>, Option<u32>, Option<u32>) = (None, None, None);
    let number = |v: Option<String>| v.and_then(|v| v.trim().parse::<u32>().ok());
    *xml = ooxml::rewrite(part, xml, |w, event, open| {
        let depth = open.len();
        let (Event::Start(e) | Event::Empty(e)) = &event else { return w.write_event(event).map_err(ooxml::io) };
        let name = ooxml::local(e);
        if depth == 1 && name == "legacyDrawing" {
            has_notes = true;
        }
        if depth == 2 && name == "row" {
            let r = number(ooxml::attr(e, "r")).map(|r| r.saturating_sub(1));
            row = r.or(row.map(|r| r + 1)).or(Some(0));
            col = None;
            let custom = ooxml::attr(e, "customFormat").is_some_and(|v| v == "1" || v == "true");
            row_style = if custom { number(ooxml::attr(e, "s")) } else { None };
        }
        if depth != 3 || name != "c" {
            return w.write_event(event).map_err(ooxml::io);
        }
        let pos = ooxml::attr(e, "r")
            .and_then(|r| parse_a1(&r))
            .unwrap_or(Pos { row: row.unwrap_or(0), col: col.map_or(0, |c| c + 1) });
        col = Some(pos.col);
        if !wanted.contains(&pos) {
            return w.write_event(event).map_err(ooxml::io);
        }
        found.insert(pos);
        let old = number(ooxml::attr(e, "s"))
            .or(row_style)
            .or_else(|| columns.get(pos.col as usize).copied().flatten())
            .unwrap_or(0);
        let restyled = ooxml::with_attr(e, "s", &styles.twin(old).to_string());
        let event = if matches!(event, Event::Empty(_)) { Event::Empty(restyled) } else { Event::Start(restyled) };
        w.write_event(event).map_err(ooxml::io)
    })?;
    Ok((found.len(), has_notes))
}

/// Adds a sheet's notes: the comments part and its VML drawing (numbered `number`), the sheet's
/// relationships to them, and the `legacyDrawing` that shows them; returns the sheet part.
fn add_notes(
    package: &mut Package<'_>,
    edits: &mut Edits,
    part: &str,
    xml: &str,
    sheet: &SheetMarks,
    number: usize,
) -> Result<String, Failure> {
    let rels_part = ooxml::rels_of(part);
    let existing = package.text(&rels_part)?;
    let known = existing.as_deref().map(|x| ooxml::relationships(&rels_part, x)).transpose()?.unwrap_or_default();
    let (comments, drawing) = (format!("xl/comments{number}.xml"), format!("xl/drawings/vmlDrawing{number}.vml"));
    let vml_id = unique_id(&known, "rIdBackpropNotes");
    let new = [
        Relationship {
            id: unique_id(&known, "rIdBackpropComments"),
            kind: format!("{REL_NS}/comments"),
            target: ooxml::relative(part, &comments),
        },
        Relationship {
            id: vml_id.clone(),
            kind: format!("{REL_NS}/vmlDrawing"),
            target: ooxml::relative(part, &drawing),
        },
    ];
    let rels = ooxml::add_relationships(&rels_part, existing.as_deref(), &new)?;
    edits.put(package, rels_part, rels);
    edits.added.push((comments.clone(), comments_part(&sheet.notes)?));
    edits.added.push((drawing, vml(&sheet.notes, number)?));
    edits.overrides.push((comments, COMMENTS_TYPE));
    ooxml::insert_child(part, xml, "legacyDrawing", &WORKSHEET_ORDER, |w, root| {
        let prefix = ooxml::prefix_of(root);
        // `r:` is declared where it is used unless the root declares it: openpyxl declares it
        // on the elements that use it, not on the root.
        if ooxml::declares(root, "r", REL_NS) {
            ooxml::empty(w, &prefix, "legacyDrawing", &[("r:id", &vml_id)])
        } else {
            ooxml::empty(w, &prefix, "legacyDrawing", &[("xmlns:r", REL_NS), ("r:id", &vml_id)])
        }
    })
}

fn declaration(w: &mut ooxml::Out) -> Result<(), Failure> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), Some("yes")))).map_err(ooxml::io)
}

/// The comments part: one comment per note, each text made fit for XML.
fn comments_part(notes: &BTreeMap<Pos, String>) -> Result<String, Failure> {
    let mut w = ooxml::writer();
    declaration(&mut w)?;
    ooxml::element(&mut w, "", "comments", &[("xmlns", MAIN_NS)], |w| {
        ooxml::element(w, "", "authors", &[], |w| {
            ooxml::element(w, "", "author", &[], |w| {
                w.write_event(Event::Text(BytesText::new("backprop-sheet"))).map_err(ooxml::io)
            })
        })?;
        ooxml::element(w, "", "commentList", &[], |w| {
            for (at, text) in notes {
                let cell = at.a1();
                ooxml::element(w, "", "comment", &[("ref", &cell), ("authorId", "0")], |w| {
                    ooxml::element(w, "", "text", &[], |w| {
                        ooxml::element(w, "", "r", &[], |w| {
                            ooxml::element(w, "", "t", &[("xml:space", "preserve")], |w| {
                                w.write_event(Event::Text(BytesText::new(&ooxml::xml_text(text)))).map_err(ooxml::io)
                            })
                        })
                    })
                })?;
            }
            Ok(())
        })
    })?;
    Ok(ooxml::written(w))
}

/// The drawing Excel shows notes with: one hidden box per note, beside its cell.
fn vml(notes: &BTreeMap<Pos, String>, number: usize) -> Result<String, Failure> {
    let mut w = ooxml::writer();
    let namespaces = [
        ("xmlns:v", "urn:schemas-microsoft-com:vml"),
        ("xmlns:o", "urn:schemas-microsoft-com:office:office"),
        ("xmlns:x", "urn:schemas-microsoft-com:office:excel"),
    ];
    let text = |w: &mut ooxml::Out, s: &str| w.write_event(Event::Text(BytesText::new(s))).map_err(ooxml::io);
    ooxml::element(&mut w, "", "xml", &namespaces, |w| {
        ooxml::element(w, "o:", "shapelayout", &[("v:ext", "edit")], |w| {
            ooxml::empty(w, "o:", "idmap", &[("v:ext", "edit"), ("data", &number.to_string())])
        })?;
        let shape_type = [
            ("id", "_x0000_t202"),
            ("coordsize", "21600,21600"),
            ("o:spt", "202"),
            ("path", "m,l,21600r21600,l21600,xe"),
        ];
        ooxml::element(w, "v:", "shapetype", &shape_type, |w| {
            ooxml::empty(w, "v:", "stroke", &[("joinstyle", "miter")])?;
            ooxml::empty(w, "v:", "path", &[("gradientshapeok", "t"), ("o:connecttype", "rect")])
        })?;
        for (k, at) in notes.keys().enumerate() {
            let id = format!("_x0000_s{}", 1024 * number + 1 + k);
            let style = format!(
                "position:absolute;margin-left:60pt;margin-top:2pt;width:300pt;height:110pt;z-index:{};visibility:hidden",
                k + 1
            );
            let shape = [
                ("id", id.as_str()),
                ("type", "#_x0000_t202"),
                ("style", &style),
                ("fillcolor", "#ffffe1"),
                ("o:insetmode", "auto"),
            ];
            ooxml::element(w, "v:", "shape", &shape, |w| {
                ooxml::empty(w, "v:", "fill", &[("color2", "#ffffe1")])?;
                ooxml::empty(w, "v:", "shadow", &[("on", "t"), ("color", "black"), ("obscured", "t")])?;
                ooxml::empty(w, "v:", "path", &[("o:connecttype", "none")])?;
                ooxml::element(w, "v:", "textbox", &[("style", "mso-direction-alt:auto")], |w| {
                    ooxml::element(w, "", "div", &[("style", "text-align:left")], |_| Ok(()))
                })?;
                ooxml::element(w, "x:", "ClientData", &[("ObjectType", "Note")], |w| {
                    ooxml::empty(w, "x:", "MoveWithCells", &[])?;
                    ooxml::empty(w, "x:", "SizeWithCells", &[])?;
                    let anchor = format!("{}, 15, {}, 2, {}, 15, {}, 16", at.col + 1, at.row, at.col + 5, at.row + 7);
                    ooxml::element(w, "x:", "Anchor", &[], |w| text(w, &anchor))?;
                    ooxml::element(w, "x:", "AutoFill", &[], |w| text(w, "False"))?;
                    ooxml::element(w, "x:", "Row", &[], |w| text(w, &at.row.to_string()))?;
                    ooxml::element(w, "x:", "Column", &[], |w| text(w, &at.col.to_string()))
                })
            })?;
        }
        Ok(())
    })?;
    Ok(ooxml::written(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_holding_characters_xml_forbids_is_still_xml() {
        let notes = BTreeMap::from([(Pos { row: 4, col: 10 }, "Found: \u{1}oops & <b>\u{FFFF}".to_string())]);
        let xml = comments_part(&notes).unwrap();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut text = String::new();
        loop {
            match reader.read_event().expect("well-formed") {
                Event::Eof => break,
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => text.push_str(&quick_xml::escape::unescape(&format!("&{};", &*r)).unwrap()),
                _ => {}
            }
        }
        assert_eq!(text, "backprop-sheetFound: \\u{1}oops & <b>\\u{ffff}");
        assert!(xml.contains(r#"<comment ref="K5" authorId="0">"#), "{xml}");
    }
}
