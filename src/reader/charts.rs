//! The charts of a workbook, as far as grading needs them: the cells each series plots. The
//! assignment asks for a loss graph per learning rate; whether one was drawn is read from what
//! its series reads, not from its title, which any chart can have.
//!
//! A chart is reached as Excel files it: the workbook's relationships name its sheets (and
//! chart sheets), a sheet's relationships its drawing, the drawing's its charts.

use std::io::{Cursor, Read};

use quick_xml::events::Event;

use crate::sys::ooxml::{local, relationships, rels_of, resolve};

/// The most charts read from one workbook: a class's sheet has one per learning rate.
const MAX_CHARTS: usize = 1024;

/// The references every series of every chart plots as its values (`'LR 0.1'!$AB$4:$AB$103`),
/// in the order the workbook files them. A damaged part is passed over: a chart that cannot be
/// read is a chart not drawn.
pub(super) fn series(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, limit: u64) -> Vec<String> {
    let mut read = |name: &str| -> Option<String> {
        let entry = zip.by_name(name).ok()?;
        let mut text = String::new();
        entry.take(limit).read_to_string(&mut text).ok()?;
        Some(text)
    };
    let targets = |read: &mut dyn FnMut(&str) -> Option<String>, part: &str, kind: &str| -> Vec<String> {
        let rels = rels_of(part);
        let Some(xml) = read(&rels) else { return Vec::new() };
        relationships(&rels, &xml)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.kind.ends_with(kind))
            .map(|r| resolve(part, &r.target))
            .collect()
    };
    let mut sheets = targets(&mut read, "xl/workbook.xml", "/worksheet");
    sheets.extend(targets(&mut read, "xl/workbook.xml", "/chartsheet"));
    let mut charts: Vec<String> = Vec::new();
    for sheet in sheets {
        for drawing in targets(&mut read, &sheet, "/drawing") {
            for chart in targets(&mut read, &drawing, "/chart") {
                if !charts.contains(&chart) && charts.len() < MAX_CHARTS {
                    charts.push(chart);
                }
            }
        }
    }
    charts.iter().filter_map(|c| read(c)).flat_map(|xml| values(&xml)).collect()
}

/// The value references of a chart part's series: `c:ser/c:val/c:numRef/c:f` (`c:yVal` in a
/// scatter chart).
fn values(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = local(&e);
                let in_values = open.iter().rev().take(2).any(|n| n == "val" || n == "yVal");
                if name == "f" && in_values && open.last().is_some_and(|n| n == "numRef") {
                    let Ok(text) = reader.read_text(e.name()) else { break };
                    if let Ok(text) = quick_xml::escape::unescape(&text) {
                        out.push(text.trim().to_string());
                    }
                } else {
                    open.push(name);
                }
            }
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_plots_its_values_reference_not_its_categories() {
        let xml = r#"<c:chartSpace xmlns:c="c"><c:chart><c:plotArea><c:scatterChart><c:ser>
            <c:tx><c:strRef><c:f>Summary!$N$4</c:f></c:strRef></c:tx>
            <c:xVal><c:numRef><c:f>Summary!$N$5:$N$104</c:f></c:numRef></c:xVal>
            <c:yVal><c:numRef><c:f>'LR 0.1''s'!$O$5:$O$104</c:f></c:numRef></c:yVal>
            </c:ser></c:scatterChart><c:lineChart><c:ser><c:val><c:numRef><c:f>Sheet1!$AB$4:$AB$9</c:f>
            </c:numRef></c:val></c:ser></c:lineChart></c:plotArea></c:chart></c:chartSpace>"#;
        assert_eq!(values(xml), ["'LR 0.1''s'!$O$5:$O$104", "Sheet1!$AB$4:$AB$9"]);
    }
}
