//! Packages handed in, marked as `check --annotate` marks them: every part the marker writes or
//! changes must parse as XML, whatever the package it was given. The input edits the parts of a
//! generated workbook with findings (so that most inputs reach the marker, which a mutated zip
//! rarely would), or is a whole package when it starts as one (`PK`). From the project folder:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run mark fuzz/corpus/mark`.
#![no_main]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use libfuzzer_sys::fuzz_target;

const BASE: &[u8] = include_bytes!("../../fixtures/typed-slip.xlsx");

fn parts(package: &[u8]) -> Option<BTreeMap<String, Vec<u8>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(package)).ok()?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).ok()?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        out.insert(entry.name().ok()?.into_owned(), data);
    }
    Some(out)
}

/// The base package with `data`'s edits: each is a part (by index), an offset, how many bytes
/// to take out there, and the bytes to put in.
fn edited(data: &[u8]) -> Vec<u8> {
    let mut parts = parts(BASE).expect("the base package reads");
    let names: Vec<String> = parts.keys().cloned().collect();
    let mut rest = data;
    while let [part, hi, lo, cut, len, tail @ ..] = rest {
        let (put, after) = tail.split_at((*len as usize).min(tail.len()));
        let bytes = parts.get_mut(&names[*part as usize % names.len()]).expect("a part");
        let at = (usize::from(*hi) << 8 | usize::from(*lo)) * bytes.len().max(1) / 65536;
        let end = (at + *cut as usize).min(bytes.len());
        bytes.splice(at..end, put.iter().copied());
        rest = after;
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in &parts {
        zip.start_file(name.as_str(), stored).expect("a zip in memory");
        zip.write_all(bytes).expect("a zip in memory");
    }
    zip.finish().expect("a zip in memory").into_inner()
}

fn well_formed(name: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{name} is not UTF-8"));
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed: {e}"),
        }
    }
    assert_eq!(depth, 0, "{name} is not closed");
    let forbidden = |c: char| !matches!(c, '\t' | '\n' | '\r') && (c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}');
    assert!(!text.chars().any(forbidden), "{name} holds a character XML 1.0 forbids");
}

fuzz_target!(|data: &[u8]| {
    let package = if data.starts_with(b"PK") { data.to_vec() } else { edited(data) };
    let Some(marked) = backprop_sheet::mark_untrusted(&package) else { return };
    let before = parts(&package).unwrap_or_default();
    let after = parts(&marked).expect("the marked copy is a zip package");
    for (name, bytes) in &after {
        // What the marker wrote or changed; a part it copied is the student's as it was.
        if before.get(name) != Some(bytes) {
            well_formed(name, bytes);
        }
    }
});
