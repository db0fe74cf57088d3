//! The parts of an Office Open XML package, read and written through an XML reader and writer:
//! the package itself (its entries, copied untouched unless replaced), relationships, content
//! types, and a new child placed at the position its schema's element order gives it. Nothing
//! here knows what a worksheet is; the callers say which elements and in what order.
//!
//! Every part written here is well-formed whatever the part read was, as long as it was: any
//! namespace prefix, self-closed roots, attributes in either quote, any text escaped.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Seek, Write};

use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::{Reader, Writer};

use crate::error::Failure;

/// The namespace of relationship ids (`r:id`) in every part that points to another.
pub(crate) const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Why a package could not be used, in words.
pub(crate) fn malformed(what: impl std::fmt::Display) -> Failure {
    Failure::Failed(format!("its package cannot be marked ({what})"))
}

/// A package read from memory: its entries, each part read when asked for.
pub(crate) struct Package<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Every part's name in lower case: part names are compared without case (OPC).
    names: BTreeSet<String>,
}

impl<'a> Package<'a> {
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Package<'a>, Failure> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| malformed("not a zip package"))?;
        let names = zip.file_names().flatten().map(|n| n.to_lowercase()).collect();
        Ok(Package { zip, names })
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.names.contains(&name.to_lowercase())
    }

    /// The part `name` as text, or None when the package has no such part.
    pub(crate) fn text(&mut self, name: &str) -> Result<Option<String>, Failure> {
        let Ok(mut entry) = self.zip.by_name(name) else { return Ok(None) };
        let mut text = String::new();
        entry.read_to_string(&mut text).map_err(|_| malformed(format!("{name} is not UTF-8 text")))?;
        Ok(Some(text))
    }

    /// Writes the package to `out`: every entry in its order, copied as it is (still
    /// compressed) unless `changed` replaces it, then the parts `added`.
    pub(crate) fn write<W: Write + Seek>(
        mut self,
        mut changed: std::collections::BTreeMap<String, String>,
        added: Vec<(String, String)>,
        out: W,
    ) -> Result<(), Failure> {
        let mut writer = zip::ZipWriter::new(out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for i in 0..self.zip.len() {
            let entry = self.zip.by_index_raw(i).map_err(|_| malformed("a damaged entry"))?;
            let name = entry.name().map_err(|_| malformed("an entry without a name"))?.into_owned();
            match changed.remove(&name) {
                Some(content) => {
                    drop(entry);
                    writer.start_file(name.as_str(), options)?;
                    writer.write_all(content.as_bytes())?;
                }
                None => writer.raw_copy_file(entry)?,
            }
        }
        for (name, content) in added {
            writer.start_file(name.as_str(), options)?;
            writer.write_all(content.as_bytes())?;
        }
        writer.finish()?;
        Ok(())
    }
}

/// An XML writer over a string's bytes.
pub(crate) type Out = Writer<Vec<u8>>;

pub(crate) fn writer() -> Out {
    Writer::new(Vec::new())
}

/// What a writer wrote, as text (it only ever writes what it was given as text).
pub(crate) fn written(w: Out) -> String {
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// An XML writer's failure: it writes to memory, so none is expected, but none is hidden.
pub(crate) fn io(e: std::io::Error) -> Failure {
    Failure::from(e)
}

/// Streams `xml` through `edit`, which writes each event (as it is, changed, or with others
/// around it) and is given the local names of the elements enclosing it. The result is the
/// part rewritten; a part that is not well-formed is refused, naming `part`.
pub(crate) fn rewrite(
    part: &str,
    xml: &str,
    mut edit: impl FnMut(&mut Out, Event<'_>, &[String]) -> Result<(), Failure>,
) -> Result<String, Failure> {
    // The XML reader passes such characters through; written again, the part would not be XML.
    if !xml.chars().all(xml_char) {
        return Err(malformed(format!("{part} holds a character XML forbids")));
    }
    let mut reader = Reader::from_str(xml);
    let mut w = writer();
    let mut open: Vec<String> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|_| malformed(format!("{part} is not well-formed XML")))?;
        match &event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = local(e);
                edit(&mut w, event, &open)?;
                open.push(name);
            }
            Event::End(_) => {
                open.pop();
                edit(&mut w, event, &open)?;
            }
            _ => edit(&mut w, event, &open)?,
        }
    }
    if !open.is_empty() {
        return Err(malformed(format!("{part} is not closed")));
    }
    Ok(written(w))
}

/// An element's local name: `c` for `<x:c>` as for `<c>`.
pub(crate) fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// An element's prefix with its colon (`x:`), or nothing: what its new children are written
/// with, so that they are in its namespace.
pub(crate) fn prefix_of(e: &BytesStart<'_>) -> String {
    e.name().prefix().map_or(String::new(), |p| format!("{}:", p.as_ref()))
}

/// The value of the attribute whose local name is `name` (whatever its prefix), unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let found = e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name)?;
    quick_xml::escape::unescape(&found.value).ok().map(|v| v.into_owned())
}

/// Whether the element declares `xmlns:prefix` as `namespace`.
pub(crate) fn declares(e: &BytesStart<'_>, prefix: &str, namespace: &str) -> bool {
    let key = format!("xmlns:{prefix}");
    e.attributes().flatten().any(|a| a.key.as_ref() == key && a.value.as_ref() == namespace)
}

/// The element with attribute `name` set to `value` (added at the end when it has none), every
/// other attribute kept (written again in double quotes, escaped as such).
pub(crate) fn with_attr(e: &BytesStart<'_>, name: &str, value: &str) -> BytesStart<'static> {
    let mut out = BytesStart::new(e.name().as_ref().to_string());
    let mut set = false;
    for a in e.attributes().flatten() {
        if a.key.as_ref() == name {
            out.push_attribute((name, value));
            set = true;
        } else {
            let kept = quick_xml::escape::unescape(&a.value).map_or_else(|_| a.value.to_string(), |v| v.into_owned());
            out.push_attribute((a.key.as_ref(), kept.as_str()));
        }
    }
    if !set {
        out.push_attribute((name, value));
    }
    out
}

/// Writes a new element `name` (with `prefix`), its attributes, and `inner` inside it.
pub(crate) fn element(
    w: &mut Out,
    prefix: &str,
    name: &str,
    attrs: &[(&str, &str)],
    inner: impl FnOnce(&mut Out) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let tag = format!("{prefix}{name}");
    let start = BytesStart::new(tag.as_str()).with_attributes(attrs.iter().copied());
    w.write_event(Event::Start(start)).map_err(io)?;
    inner(w)?;
    w.write_event(Event::End(BytesEnd::new(tag.as_str()))).map_err(io)
}

/// Writes a new empty element `<prefix:name attrs/>`.
pub(crate) fn empty(w: &mut Out, prefix: &str, name: &str, attrs: &[(&str, &str)]) -> Result<(), Failure> {
    let tag = format!("{prefix}{name}");
    w.write_event(Event::Empty(BytesStart::new(tag.as_str()).with_attributes(attrs.iter().copied()))).map_err(io)
}

/// Writes `inner` as the last children of the root element, opening a self-closed root.
pub(crate) fn append_to_root(
    part: &str,
    xml: &str,
    mut inner: impl FnMut(&mut Out, &str) -> Result<(), Failure>,
) -> Result<String, Failure> {
    rewrite(part, xml, |w, event, open| match event {
        Event::End(e) if open.is_empty() => {
            let prefix = e.name().prefix().map_or(String::new(), |p| format!("{}:", p.as_ref()));
            inner(w, &prefix)?;
            w.write_event(Event::End(e)).map_err(io)
        }
        Event::Empty(e) if open.is_empty() => {
            let prefix = prefix_of(&e);
            let end = e.to_end().into_owned();
            w.write_event(Event::Start(e)).map_err(io)?;
            inner(w, &prefix)?;
            w.write_event(Event::End(end)).map_err(io)
        }
        other => w.write_event(other).map_err(io),
    })
}

/// Writes `new` as a child of the root element, at the place `order` (the schema's sequence of
/// the root's children, by local name) gives `name`: before the first child that comes after it,
/// else last. Children `order` does not name stay where they are. `new` is given the root's
/// start tag, to write in its namespace.
pub(crate) fn insert_child(
    part: &str,
    xml: &str,
    name: &str,
    order: &[&str],
    mut new: impl FnMut(&mut Out, &BytesStart<'_>) -> Result<(), Failure>,
) -> Result<String, Failure> {
    let rank = |n: &str| order.iter().position(|o| *o == n);
    let own = rank(name).ok_or_else(|| malformed(format!("{name} has no place in {part}")))?;
    let mut root: Option<BytesStart<'static>> = None;
    let mut done = false;
    rewrite(part, xml, |w, event, open| {
        match &event {
            Event::Start(e) | Event::Empty(e) if open.is_empty() => root = Some(e.to_owned()),
            Event::Start(e) | Event::Empty(e)
                if open.len() == 1 && !done && rank(&local(e)).is_some_and(|r| r > own) =>
            {
                new(w, root.as_ref().expect("a child has a root"))?;
                done = true;
            }
            Event::End(_) if open.is_empty() && !done => {
                new(w, root.as_ref().expect("an end has a start"))?;
                done = true;
            }
            _ => {}
        }
        match event {
            Event::Empty(e) if open.is_empty() => {
                let end = e.to_end().into_owned();
                w.write_event(Event::Start(e.clone())).map_err(io)?;
                new(w, &e)?;
                done = true;
                w.write_event(Event::End(end)).map_err(io)
            }
            other => w.write_event(other).map_err(io),
        }
    })
}

/// A relationship: its id, its type, where it points.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Relationship {
    pub id: String,
    pub kind: String,
    pub target: String,
}

/// The relationships of a relationships part.
pub(crate) fn relationships(part: &str, xml: &str) -> Result<Vec<Relationship>, Failure> {
    let mut out = Vec::new();
    rewrite(part, xml, |_, event, _| {
        if let Event::Start(e) | Event::Empty(e) = &event
            && local(e) == "Relationship"
            && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
        {
            out.push(Relationship { id, kind: attr(e, "Type").unwrap_or_default(), target });
        }
        Ok(())
    })?;
    Ok(out)
}

/// The relationships part of `part`: `xl/worksheets/_rels/sheet1.xml.rels`.
pub(crate) fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// The part a relationship of `source` points to: absolute targets from the package's root,
/// others from the source's folder, `..` taken back.
pub(crate) fn resolve(source: &str, target: &str) -> String {
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => source.rsplit_once('/').map_or(Vec::new(), |(dir, _)| dir.split('/').collect()),
    };
    for piece in target.trim_start_matches('/').split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The target a relationship of part `source` gives for part `to`: relative to the source's
/// folder, as Excel writes them (LibreOffice does not follow absolute targets).
pub(crate) fn relative(source: &str, to: &str) -> String {
    let from: Vec<&str> = source.rsplit_once('/').map_or(Vec::new(), |(dir, _)| dir.split('/').collect());
    let to: Vec<&str> = to.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count().min(to.len().saturating_sub(1));
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(&to[common..]);
    out.join("/")
}

/// A relationships part holding `existing`'s relationships (a new part when there is none) and
/// `new` after them.
pub(crate) fn add_relationships(part: &str, existing: Option<&str>, new: &[Relationship]) -> Result<String, Failure> {
    let fresh = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{PACKAGE_RELS_NS}\"/>"
    );
    append_to_root(part, existing.unwrap_or(&fresh), |w, prefix| {
        for r in new {
            let attrs = [("Id", r.id.as_str()), ("Type", r.kind.as_str()), ("Target", r.target.as_str())];
            empty(w, prefix, "Relationship", &attrs)?;
        }
        Ok(())
    })
}

/// The content types with a `Default` for each extension in `defaults` it lacks, and an
/// `Override` for each part in `overrides`.
pub(crate) fn add_content_types(
    xml: &str,
    defaults: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> Result<String, Failure> {
    let part = "[Content_Types].xml";
    let mut known: BTreeSet<String> = BTreeSet::new();
    rewrite(part, xml, |_, event, _| {
        if let Event::Start(e) | Event::Empty(e) = &event
            && local(e) == "Default"
            && let Some(ext) = attr(e, "Extension")
        {
            known.insert(ext.to_lowercase());
        }
        Ok(())
    })?;
    append_to_root(part, xml, |w, prefix| {
        for (ext, kind) in defaults.iter().filter(|(ext, _)| !known.contains(&ext.to_lowercase())) {
            empty(w, prefix, "Default", &[("Extension", ext), ("ContentType", kind)])?;
        }
        for (name, kind) in overrides {
            empty(w, prefix, "Override", &[("PartName", &format!("/{name}")), ("ContentType", kind)])?;
        }
        Ok(())
    })
}

/// Text made fit for XML 1.0: the characters it forbids (controls but tab and line breaks, and
/// U+FFFE, U+FFFF) shown as escapes (`\u{1}`) rather than written raw, which no reader accepts.
pub(crate) fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(xml_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if xml_char(c) { c.to_string() } else { c.escape_unicode().to_string() })
        .collect::<String>()
        .into()
}

/// Whether XML 1.0 allows `c` in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// The style of each column (0-based) that `<col min max style>` elements give, up to the last
/// column they name: what a cell written without a style shows.
pub(crate) fn column_styles(part: &str, xml: &str) -> Result<Vec<Option<u32>>, Failure> {
    let mut styles: Vec<Option<u32>> = Vec::new();
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(|_| malformed(format!("{part} is not well-formed XML")))? {
            Event::Eof => return Ok(styles),
            Event::Start(e) | Event::Empty(e) if local(&e) == "sheetData" => return Ok(styles),
            Event::Start(e) | Event::Empty(e) if local(&e) == "col" => {
                let number = |name: &str| attr(&e, name).and_then(|v| v.trim().parse::<u32>().ok());
                let (Some(min), Some(max)) = (number("min"), number("max")) else { continue };
                // A column range beyond the sheet's 16,384 columns is not a sheet's.
                let (min, max) = (min.clamp(1, 16_384), max.clamp(1, 16_384));
                if styles.len() < max as usize {
                    styles.resize(max as usize, None);
                }
                for c in min..=max {
                    styles[c as usize - 1] = number("style");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_goes_where_the_order_puts_it_in_the_root_s_namespace() {
        let order = ["a", "b", "c", "d"];
        let add = |xml: &str| {
            insert_child("p", xml, "c", &order, |w, root| empty(w, &prefix_of(root), "c", &[("k", "1 & 2")])).unwrap()
        };
        assert_eq!(add("<r><a/><b><c/></b><d/></r>"), r#"<r><a/><b><c/></b><c k="1 &amp; 2"/><d/></r>"#);
        assert_eq!(add("<x:r xmlns:x='n'><x:a/></x:r>"), r#"<x:r xmlns:x='n'><x:a/><x:c k="1 &amp; 2"/></x:r>"#);
        assert_eq!(add("<r/>"), r#"<r><c k="1 &amp; 2"/></r>"#);
        assert_eq!(add("<r><zz/><d>t</d></r>"), r#"<r><zz/><c k="1 &amp; 2"/><d>t</d></r>"#);
    }

    #[test]
    fn relationships_are_added_to_any_relationships_part() {
        let new = [Relationship { id: "rId9".into(), kind: "t".into(), target: "/xl/c.xml".into() }];
        let self_closed = format!("<Relationships xmlns=\"{PACKAGE_RELS_NS}\"/>");
        let added = add_relationships("p", Some(&self_closed), &new).unwrap();
        assert_eq!(relationships("p", &added).unwrap(), new);
        let fresh = add_relationships("p", None, &new).unwrap();
        assert_eq!(relationships("p", &fresh).unwrap(), new);
        assert!(add_relationships("p", Some("<Relationships>"), &new).is_err(), "not well-formed");
        // A character XML forbids, which the fuzzer put in a part: refused, not written again.
        let Err(Failure::Failed(why)) = add_relationships("p", Some("<Relationships a='\u{0}'/>"), &new) else {
            panic!("accepted")
        };
        assert_eq!(why, "its package cannot be marked (p holds a character XML forbids)");
    }

    #[test]
    fn targets_resolve_from_the_source_s_folder() {
        assert_eq!(resolve("xl/workbook.xml", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl/worksheets/sheet1.xml", "../comments1.xml"), "xl/comments1.xml");
        assert_eq!(resolve("xl/workbook.xml", "/xl/worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(rels_of("xl/worksheets/sheet1.xml"), "xl/worksheets/_rels/sheet1.xml.rels");
        for (source, to, target) in [
            ("xl/worksheets/sheet1.xml", "xl/comments1.xml", "../comments1.xml"),
            ("xl/worksheets/sheet1.xml", "xl/drawings/vmlDrawing1.vml", "../drawings/vmlDrawing1.vml"),
            ("xl/workbook.xml", "xl/styles1.xml", "styles1.xml"),
            ("sheet.xml", "xl/c.xml", "xl/c.xml"),
        ] {
            assert_eq!(relative(source, to), target);
            assert_eq!(resolve(source, target), to);
        }
    }

    #[test]
    fn attributes_are_read_and_set_whatever_the_quotes_and_prefixes() {
        let xml = r#"<c r='Z33' s="3" x:id="&amp;"/>"#;
        let mut reader = Reader::from_str(xml);
        let Ok(Event::Empty(e)) = reader.read_event() else { panic!() };
        assert_eq!(attr(&e, "s").as_deref(), Some("3"));
        assert_eq!(attr(&e, "r").as_deref(), Some("Z33"));
        assert_eq!(attr(&e, "id").as_deref(), Some("&"));
        let mut w = writer();
        w.write_event(Event::Empty(with_attr(&with_attr(&e, "s", "12"), "t", "n"))).unwrap();
        assert_eq!(written(w), r#"<c r="Z33" s="12" x:id="&amp;" t="n"/>"#);
    }

    #[test]
    fn text_xml_forbids_is_escaped() {
        assert_eq!(xml_text("a\u{1}b\tc\u{FFFF}"), "a\\u{1}b\tc\\u{ffff}");
        assert_eq!(xml_text("plain"), "plain");
    }

    #[test]
    fn column_styles_are_read_from_the_cols() {
        let head = r#"<worksheet><cols><col min="1" max="1" style="4"/><col min='3' max='4' style='5'/><col min="6" max="6"/></cols><sheetData><row><c/></row></sheetData></worksheet>"#;
        assert_eq!(column_styles("p", head).unwrap(), [Some(4), None, Some(5), Some(5), None, None]);
    }
}
