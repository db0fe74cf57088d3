//! Marked copies of any valid package: the variants other programs save (namespace prefixes,
//! cells without `r`, relationships parts empty or self-closed, namespaces declared where
//! openpyxl declares them, conditional formats and extension lists, odd sheet names, no styles),
//! each made here from a generated workbook. Every part of every marked copy parses as XML, and
//! `check` on it says what it says of the original.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use crate::common::*;

/// A package's parts, as text (every part of a generated workbook is XML).
fn unpack(path: &Path) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            (entry.name().unwrap().into_owned(), text)
        })
        .collect()
}

fn pack(parts: &BTreeMap<String, String>, path: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    // [Content_Types].xml first, as every program writes it.
    let types = parts.keys().filter(|n| *n == "[Content_Types].xml");
    for name in types.chain(parts.keys().filter(|n| *n != "[Content_Types].xml")) {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, parts[name].as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// Asserts that `text` is well-formed XML, naming the part.
fn well_formed(name: &str, text: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed: {e}\n{}", &text[..text.len().min(2000)]),
        }
    }
    assert_eq!(depth, 0, "{name} is closed");
    for c in text.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
        assert!(allowed, "{name} holds {:?}, which XML 1.0 forbids", c);
    }
}

/// Every element of `xml` in the namespace prefix `x:`, as some programs save sheets.
fn prefixed(xml: &str) -> String {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut w = quick_xml::Writer::new(Vec::new());
    let rename = |e: &BytesStart| {
        let name = e.name().as_ref().to_string();
        let mut out = BytesStart::new(if name.contains(':') { name } else { format!("x:{name}") });
        for a in e.attributes().flatten() {
            let key = if a.key.as_ref() == "xmlns" { "xmlns:x".to_string() } else { a.key.as_ref().to_string() };
            out.push_attribute(quick_xml::events::attributes::Attribute {
                key: quick_xml::name::QName(&key),
                value: a.value.clone(),
            });
        }
        out
    };
    loop {
        let event = reader.read_event().unwrap();
        let event = match event {
            Event::Eof => break,
            Event::Start(e) => Event::Start(rename(&e)),
            Event::Empty(e) => Event::Empty(rename(&e)),
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                let name = if name.contains(':') { name } else { format!("x:{name}") };
                Event::End(quick_xml::events::BytesEnd::new(name))
            }
            other => other,
        };
        w.write_event(event).unwrap();
    }
    String::from_utf8(w.into_inner()).unwrap()
}

const SHEET: &str = "xl/worksheets/sheet2.xml";

/// An edit of a package's parts, by name.
type Edit = Box<dyn Fn(&mut BTreeMap<String, String>)>;

/// The variants: a name, and the edit that makes it from a generated workbook's parts.
fn variants() -> Vec<(&'static str, Edit)> {
    let edit = |part: &'static str, f: fn(&str) -> String| {
        Box::new(move |parts: &mut BTreeMap<String, String>| {
            let new = f(&parts[part]);
            assert_ne!(new, parts[part], "the edit of {part} changed it");
            parts.insert(part.into(), new);
        }) as Edit
    };
    let xmlns_r = r#" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    vec![
        ("namespace prefix", edit(SHEET, prefixed)),
        ("cells without r", edit(SHEET, strip_cell_refs)),
        (
            "a cell stored twice",
            edit(SHEET, |x| {
                // The last computed row's cells, again: a reader takes the later one.
                let end = x.rfind("</row>").unwrap();
                let start = x[..end].rfind("<row ").unwrap();
                let cells_at = start + x[start..].find('>').unwrap() + 1;
                format!("{}{}{}", &x[..end], &x[cells_at..end], &x[end..])
            }),
        ),
        (
            "self-closed relationships part",
            Box::new(|parts| {
                let rels = "xl/worksheets/_rels/sheet2.xml.rels";
                // The sheet's chart moves out: its drawing relationship goes, and with it the drawing.
                let sheet = parts[SHEET].clone();
                let at = sheet.find("<drawing ").unwrap();
                let end = at + sheet[at..].find("/>").unwrap() + 2;
                parts.insert(SHEET.into(), format!("{}{}", &sheet[..at], &sheet[end..]));
                parts.insert(
                rels.into(),
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"#.into(),
            );
            }),
        ),
        (
            "xmlns:r declared where it is used, as openpyxl does",
            edit(SHEET, |x| {
                let r = r#" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
                x.replacen(r, "", 1).replace("<drawing r:id=", &format!("<drawing{r} r:id="))
            }),
        ),
        (
            "a data bar with an extension list",
            edit(SHEET, |x| {
                let rule = r#"<conditionalFormatting sqref="A3:A9"><cfRule type="dataBar" priority="1"><dataBar><cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:id>{00000000-0000-0000-0000-000000000001}</x14:id></ext></extLst></cfRule></conditionalFormatting>"#;
                let ext = r#"<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/></ext></extLst>"#;
                let x = x.replacen("<pageMargins", &format!("{rule}<pageMargins"), 1);
                x.replacen("</worksheet>", &format!("{ext}</worksheet>"), 1)
            }),
        ),
        (
            "sheet named Tom's & Jerry",
            Box::new(|parts| {
                let book = &parts["xl/workbook.xml"];
                let at = book.find("<sheet name=\"").unwrap() + "<sheet name=\"".len();
                // The second sheet's name: the first is the Summary.
                let second = at + book[at..].find("<sheet name=\"").unwrap() + "<sheet name=\"".len();
                let end = second + book[second..].find('"').unwrap();
                let renamed = format!("{}Tom&apos;s &amp; Jerry{}", &book[..second], &book[end..]);
                parts.insert("xl/workbook.xml".into(), renamed);
            }),
        ),
        (
            "no styles part",
            Box::new(move |parts| {
                without_part(parts, "xl/styles.xml", "xl/_rels/workbook.xml.rels", "/styles\"");
                let _ = xmlns_r;
            }),
        ),
        (
            "no custom properties",
            Box::new(|parts| without_part(parts, "docProps/custom.xml", "_rels/.rels", "/custom-properties\"")),
        ),
        (
            "styles without fills",
            edit("xl/styles.xml", |x| {
                let (start, end) = (x.find("<fills").unwrap(), x.find("</fills>").unwrap() + "</fills>".len());
                // Every style's fill is then the default.
                format!("{}{}", &x[..start], &x[end..])
                    .replace(r#" fillId="1""#, r#" fillId="0""#)
                    .replace(r#" fillId="2""#, r#" fillId="0""#)
            }),
        ),
    ]
}

/// The parts without `part`: the relationship of `rels` whose type ends in `kind`, and its
/// content type, taken out with it.
fn without_part(parts: &mut BTreeMap<String, String>, part: &str, rels: &str, kind: &str) {
    parts.remove(part).unwrap();
    let cut = |text: &str, at: usize, open: &str| {
        let start = text[..at].rfind(open).unwrap();
        let end = at + text[at..].find("/>").unwrap() + 2;
        format!("{}{}", &text[..start], &text[end..])
    };
    let related = parts[rels].clone();
    parts.insert(rels.into(), cut(&related, related.find(kind).unwrap(), "<Relationship "));
    let types = parts["[Content_Types].xml"].clone();
    let at = types.find(&format!("PartName=\"/{part}\"")).unwrap();
    parts.insert("[Content_Types].xml".into(), cut(&types, at, "<Override"));
}

/// The sheet with every cell's `r` taken out: where a cell is follows from the cells before it.
fn strip_cell_refs(x: &str) -> String {
    let mut out = String::with_capacity(x.len());
    let mut rest = x;
    while let Some(at) = rest.find("<c r=\"") {
        out.push_str(&rest[..at + 2]);
        let after = &rest[at + 6..];
        rest = &after[after.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

fn check_json(file: &Path) -> serde_json::Value {
    serde_json::from_slice(&bin().arg("check").arg(file).arg("--json").output().unwrap().stdout).unwrap()
}

/// Each variant of a generated workbook with a mistake in every row, its report, and its
/// marked copy, in `dir`.
fn marked_variants(dir: &Path) -> Vec<(&'static str, serde_json::Value, std::path::PathBuf)> {
    let original = dir.join("original.xlsx");
    bin()
        .args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "6", "--mistake", "missing-parentheses"])
        .arg("--out")
        .arg(&original)
        .assert()
        .success();
    let mut out = Vec::new();
    for (k, (name, edit)) in variants().into_iter().enumerate() {
        let mut parts = unpack(&original);
        edit(&mut parts);
        let variant = dir.join(format!("variant{k}.xlsx"));
        pack(&parts, &variant);
        let report = check_json(&variant);
        assert_eq!(report["verdict"], "fail", "{name}: the variant is checked as the original is: {report:#}");
        let marked = dir.join("marked");
        let run = bin().arg("check").arg(&variant).arg("--annotate").arg(&marked).output().unwrap();
        assert_eq!(run.status.code(), Some(1), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        out.push((name, report, marked.join(format!("variant{k}.xlsx"))));
    }
    out
}

#[test]
fn every_valid_package_is_marked_and_its_copy_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    for (name, report, copy) in marked_variants(dir.path()) {
        let after = unpack(&copy);
        for (part, text) in &after {
            if part.ends_with(".xml") || part.ends_with(".rels") || part.ends_with(".vml") {
                well_formed(&format!("{name}: {part}"), text);
            }
        }
        // Whose marked copy it is, in custom properties related from the package and typed.
        assert!(after["_rels/.rels"].contains("/custom-properties\" Target=\"docProps/custom.xml\""), "{name}");
        assert!(after["[Content_Types].xml"].contains("PartName=\"/docProps/custom.xml\""), "{name}");
        assert!(after["docProps/custom.xml"].contains("name=\"backprop-sheet marked copy of\""), "{name}");
        let comments: Vec<&String> =
            after.iter().filter(|(p, _)| p.starts_with("xl/comments")).map(|(_, t)| t).collect();
        assert_eq!(comments.len(), 1, "{name}: the notes are there");
        let again = check_json(&copy);
        assert_eq!(again["tables"], report["tables"], "{name}: the marked copy says what the original says");
        let sheet = after.iter().find(|(p, t)| p.starts_with("xl/worksheets/sheet") && t.contains("legacyDrawing"));
        let (_, sheet) = sheet.unwrap_or_else(|| panic!("{name}: a sheet shows the notes"));
        let order = ["<sheetData", "conditionalFormatting", "drawing ", "legacyDrawing", "extLst><ext uri=\"{78C0"];
        let at: Vec<Option<usize>> = order.iter().map(|o| sheet.find(o)).collect();
        let present: Vec<usize> = at.iter().flatten().copied().collect();
        assert!(present.windows(2).all(|w| w[0] < w[1]), "{name}: the schema's order: {at:?}");
    }
}

#[test]
fn a_slip_in_every_row_is_one_note_and_the_copy_stays_small() {
    let (dir, original) =
        generate(&["--learning-rates", "0.5", "--iterations", "1000", "--mistake", "missing-parentheses"]);
    let marked = dir.path().join("marked");
    bin().arg("check").arg(&original).arg("--annotate").arg(&marked).assert().code(1);
    let copy = marked.join(original.file_name().unwrap());
    let report = check_json(&original);
    let wrong: u64 = report["tables"][0]["wrong_cells"].as_u64().unwrap();
    assert!(wrong >= 1000, "{wrong} wrong cells");
    let findings = report["tables"][0]["wrong_columns"].as_array().unwrap().len();
    let after = unpack(&copy);
    let comments = after.iter().find(|(p, _)| p.starts_with("xl/comments")).unwrap().1;
    assert_eq!(comments.matches("<comment ref=").count(), findings + 1, "one note per finding, and the grade's");
    let (before, after) = (std::fs::metadata(&original).unwrap().len(), std::fs::metadata(&copy).unwrap().len());
    assert!(after < before + before / 4, "the marked copy is {after} bytes, its original {before}");
    assert_eq!(check_json(&copy)["tables"], report["tables"]);
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_opens_every_marked_copy_with_all_its_notes() {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lo.py");
    for (name, _, copy) in marked_variants(dir.path()) {
        let (saved, json) = (dir.path().join("saved.xlsx"), dir.path().join("values.json"));
        let status = std::process::Command::new("/usr/bin/python3")
            .arg(&script)
            .arg("recalc")
            .arg(&copy)
            .arg(&saved)
            .arg(&json)
            .status()
            .unwrap();
        assert!(status.success(), "{name}: LibreOffice opened the marked copy");
        let notes = |parts: &BTreeMap<String, String>| -> usize {
            parts
                .iter()
                .filter(|(p, _)| p.starts_with("xl/comments"))
                .map(|(_, t)| t.matches("<comment ").count())
                .sum()
        };
        let ours = notes(&unpack(&copy));
        assert!(ours > 0, "{name}");
        assert_eq!(notes(&unpack(&saved)), ours, "{name}: LibreOffice keeps every note");
    }
}

#[test]
fn text_typed_over_a_first_row_input_has_no_formula_in_its_note() {
    let (dir, original) = generate(&["-q", "--learning-rates", "0.5", "--iterations", "4"]);
    let mut parts = unpack(&original);
    let sheet = parts[SHEET].clone();
    let at = sheet.find("<c r=\"E4\"").unwrap();
    let end = at + sheet[at..].find("</c>").unwrap() + 4;
    let typed = r#"<c r="E4" t="inlineStr"><is><t>0,15</t></is></c>"#;
    parts.insert(SHEET.into(), format!("{}{typed}{}", &sheet[..at], &sheet[end..]));
    let variant = dir.path().join("typed.xlsx");
    pack(&parts, &variant);
    let marked = dir.path().join("marked");
    bin().arg("check").arg(&variant).arg("--annotate").arg(&marked).assert().code(1);
    let after = unpack(&marked.join("typed.xlsx"));
    let comments = after.iter().find(|(p, _)| p.starts_with("xl/comments")).unwrap().1;
    let note = comments.split("<comment ref=\"E4\"").nth(1).unwrap().split("</t>").next().unwrap();
    let last = note.lines().last().unwrap();
    assert_eq!(last, "Correct formula: none: a number is typed here (the first row holds the initial values)");
}
