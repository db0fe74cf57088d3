//! The stamp a workbook carries, read back from its custom document properties
//! (`docProps/custom.xml`), as Excel and LibreOffice keep them through a save.

use quick_xml::events::Event;

use crate::model::variant::Stamp;

/// The stamp in a `docProps/custom.xml` part; what it lacks, or holds malformed, is None: a
/// stamp is evidence, and a damaged one is no reason to refuse a workbook.
pub(crate) fn read(custom_xml: &[u8]) -> Stamp {
    let mut stamp = Stamp::default();
    let Ok(text) = std::str::from_utf8(custom_xml) else { return stamp };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut property: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().into_inner() == "property" => {
                property =
                    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == "name").and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
                    });
            }
            Ok(Event::Start(e)) if property.is_some() => {
                let end = e.to_end().into_owned();
                let Ok(raw) = reader.read_text(end.name()) else { return stamp };
                let value = quick_xml::escape::unescape(&raw.xml10_content()).map(|v| v.trim().to_string()).ok();
                match property.take().as_deref() {
                    Some(Stamp::STUDENT) => stamp.issue.student = value,
                    Some(Stamp::SEED) => stamp.issue.seed = value.and_then(|v| v.parse().ok()),
                    Some(Stamp::VALUES) => stamp.values = value,
                    _ => {}
                }
            }
            Ok(Event::End(e)) if e.local_name().into_inner() == "property" => property = None,
            Ok(Event::Eof) | Err(_) => return stamp,
            _ => {}
        }
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
</Properties>"#;
        let issue = Issue { student: Some("O'Neil & 7".into()), seed: Some(u64::MAX) };
        assert_eq!(read(xml), Stamp { issue, values: Some("0123456789abcdef".into()) });
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
