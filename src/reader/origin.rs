//! What a package says of where it came from, beyond the stamp: who made it and when, who saved
//! it last and when, the company and template its program recorded, and the folder Excel saved
//! it in. A class run reads these to find submissions that share them, a lead to copying.

use std::io::Cursor;

use quick_xml::events::Event;

/// Each part and, by an element's local name, what its text (or, for `absPath`, its `url`) is.
const PARTS: [(&str, &[(&str, &str)]); 4] = [
    (
        "docProps/core.xml",
        &[
            ("creator", "docProps/core.xml creator"),
            ("created", "docProps/core.xml created"),
            ("lastModifiedBy", "docProps/core.xml lastModifiedBy"),
            ("modified", "docProps/core.xml modified"),
        ],
    ),
    (
        "docProps/app.xml",
        &[
            ("Company", "docProps/app.xml Company"),
            ("Manager", "docProps/app.xml Manager"),
            ("Template", "docProps/app.xml Template"),
        ],
    ),
    ("xl/workbook.xml", &[("absPath", "the folder it was saved in (xl/workbook.xml absPath)")]),
    (
        "meta.xml",
        &[
            ("initial-creator", "meta.xml initial-creator"),
            ("creation-date", "meta.xml creation-date"),
            ("creator", "meta.xml creator"),
            ("date", "meta.xml date"),
        ],
    ),
];

/// The ids a package records, each with what it is; none that is empty. A damaged part gives
/// what it held before the damage: these are leads, never a reason to refuse a workbook.
pub(crate) fn ids(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return out };
    for (name, fields) in PARTS {
        let part = super::part(&mut zip, name);
        let Ok(text) = std::str::from_utf8(&part) else { continue };
        read_part(text, fields, &mut out);
    }
    out
}

fn read_part(text: &str, fields: &[(&str, &'static str)], out: &mut Vec<(&'static str, String)>) {
    let mut reader = quick_xml::Reader::from_str(text);
    let what = |e: &quick_xml::events::BytesStart<'_>| {
        let local = e.local_name().into_inner();
        fields.iter().find(|(name, _)| *name == local).map(|(_, what)| *what)
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "absPath" => {
                let url = e.attributes().flatten().find(|a| a.key.local_name().into_inner() == "url");
                if let (Some(what), Some(url)) = (what(&e), url)
                    && let Ok(value) = url.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    && !value.trim().is_empty()
                {
                    out.push((what, value.trim().to_string()));
                }
            }
            Ok(Event::Start(e)) => {
                let Some(what) = what(&e) else { continue };
                let end = e.to_end().into_owned();
                let Ok(raw) = reader.read_text(end.name()) else { return };
                if let Ok(value) = quick_xml::escape::unescape(&raw)
                    && !value.trim().is_empty()
                {
                    out.push((what, value.trim().to_string()));
                }
            }
            Ok(Event::Eof) | Err(_) => return,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_are_read_from_core_app_and_workbook_parts_without_the_empty_ones() {
        let mut out = Vec::new();
        let core = r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d" xmlns:dcterms="t"><dc:creator>Ann &amp; Bo</dc:creator><cp:lastModifiedBy></cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-30T10:00:00Z</dcterms:created></cp:coreProperties>"#;
        read_part(core, PARTS[0].1, &mut out);
        let workbook = r#"<workbook xmlns:mc="m" xmlns:x15ac="x"><mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath url="C:\Users\ann\Desktop\"/></mc:Choice></mc:AlternateContent></workbook>"#;
        read_part(workbook, PARTS[2].1, &mut out);
        assert_eq!(
            out,
            [
                ("docProps/core.xml creator", "Ann & Bo".to_string()),
                ("docProps/core.xml created", "2026-11-30T10:00:00Z".to_string()),
                ("the folder it was saved in (xl/workbook.xml absPath)", r"C:\Users\ann\Desktop\".to_string()),
            ]
        );
        assert!(ids(b"not a zip").is_empty());
    }
}
