//! The stamp a workbook carries, read back from its custom document properties, as Excel and
//! LibreOffice keep them through a save: `docProps/custom.xml` in an xlsx package (a
//! `<property name=..>` around a typed value), `meta.xml` in an OpenDocument one (a
//! `<meta:user-defined meta:name=..>` holding the value).

use quick_xml::events::Event;

use crate::model::variant::Stamp;

/// The stamp in a `docProps/custom.xml` or `meta.xml` part; what it lacks, or holds malformed,
/// is None: a stamp is evidence, and a damaged one is no reason to refuse a workbook.
pub(crate) fn read(properties_xml: &[u8]) -> Stamp {
    let mut stamp = Stamp::default();
    let Ok(text) = std::str::from_utf8(properties_xml) else { return stamp };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut property: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if ["property", "user-defined"].contains(&e.local_name().into_inner()) => {
                property =
                    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == "name").and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
                    });
                // OpenDocument holds the value in the element itself, xlsx in a typed child.
                if e.local_name().into_inner() == "user-defined" {
                    let end = e.to_end().into_owned();
                    let Ok(raw) = reader.read_text(end.name()) else { return stamp };
                    keep(&mut stamp, property.take(), &raw.xml10_content());
                }
            }
            Ok(Event::Start(e)) if property.is_some() => {
                let end = e.to_end().into_owned();
                let Ok(raw) = reader.read_text(end.name()) else { return stamp };
                keep(&mut stamp, property.take(), &raw.xml10_content());
            }
            Ok(Event::End(e)) if e.local_name().into_inner() == "property" => property = None,
            Ok(Event::Eof) | Err(_) => return stamp,
            _ => {}
        }
    }
}

/// Keeps the value of a property of the stamp's, given as the part holds it (escaped).
fn keep(stamp: &mut Stamp, property: Option<String>, raw: &str) {
    let value = quick_xml::escape::unescape(raw).map(|v| v.trim().to_string()).ok();
    match property.as_deref() {
        Some(Stamp::STUDENT) => stamp.issue.student = value,
        Some(Stamp::SEED) => stamp.issue.seed = value.and_then(|v| v.parse().ok()),
        Some(Stamp::VALUES) => stamp.values = value,
        Some(Stamp::MARKED_COPY_OF) => stamp.marked_copy_of = value,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::variant::Issue;

    #[test]
    fn the_stamp_is_read_from_the_properties_whatever_else_they_hold() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>someone</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="backprop-sheet student"><vt:lpwstr>O&apos;Neil &amp; 7</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="backprop-sheet seed"><vt:lpwstr>18446744073709551615</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="backprop-sheet values"><vt:lpwstr>0123456789abcdef</vt:lpwstr></property>
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="6" name="backprop-sheet marked copy of"><vt:lpwstr xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">subs/O&apos;Neil.xlsx</vt:lpwstr></property>
</Properties>"#;
        let issue = Issue { student: Some("O'Neil & 7".into()), seed: Some(u64::MAX) };
        let marked_copy_of = Some("subs/O'Neil.xlsx".into());
        assert_eq!(read(xml), Stamp { issue, values: Some("0123456789abcdef".into()), marked_copy_of });
    }

    #[test]
    fn the_stamp_is_read_from_an_opendocument_s_user_defined_properties() {
        let xml = br#"<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta><meta:generator>LibreOffice</meta:generator><meta:user-defined meta:name="backprop-sheet student">s1</meta:user-defined><meta:user-defined meta:name="backprop-sheet seed">99</meta:user-defined><meta:user-defined meta:name="backprop-sheet values">00ff</meta:user-defined></office:meta></office:document-meta>"#;
        let issue = Issue { student: Some("s1".into()), seed: Some(99) };
        assert_eq!(read(xml), Stamp { issue, values: Some("00ff".into()), marked_copy_of: None });
    }

    #[test]
    fn a_missing_or_damaged_part_is_no_stamp() {
        assert_eq!(read(b""), Stamp::default());
        assert_eq!(
            read(b"<Properties><property name=\"backprop-sheet seed\"><vt:lpwstr>x</vt:lpwstr>"),
            Stamp::default()
        );
        assert_eq!(read(&[0xff, 0xfe]), Stamp::default());
    }
}
