//! A student's feedback page: their score, each part with what it lost and why, and every
//! finding in words, with the cell, what was found there and the formula that belongs there in
//! the sheet's own references. One self-contained HTML file (no script, no picture, no link
//! out) that an LMS takes as a feedback file and a phone shows without zooming.
//!
//! Everything the student chose (file and sheet names, text in cells) is escaped: the page is
//! opened by the teacher too, and must never run what a student typed.

use crate::check::Report;
use crate::class::submitter::Submitter;

/// Text escaped for HTML, as element content or a quoted attribute: the characters XML forbids
/// shown as escapes, then `& < > " '` as entities.
fn escaped(text: &str) -> String {
    quick_xml::escape::escape(crate::sys::ooxml::xml_text(text).as_ref()).into_owned()
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;\
max-width:46rem;padding:1rem;line-height:1.45;color:#1b1b1b}h1{font-size:1.4rem;margin:.2rem 0}\
.score{font-size:2rem;font-weight:700;margin:.5rem 0}table{border-collapse:collapse;width:100%}\
td,th{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #ddd;vertical-align:top}\
td.n{text-align:right;white-space:nowrap}.lost{color:#a40000}code{background:#f3f3f3;padding:0 .2rem;\
border-radius:3px;overflow-wrap:anywhere;font-size:.92em}li{margin:.5rem 0}.meta{color:#555}";

/// The page of one workbook, for `student` when the LMS named them, `file` as the teacher gave it.
pub(crate) fn page(report: &Report, student: Option<&Submitter>, file: &str) -> String {
    let score = &report.score;
    let mut out = head(student, file);
    out.push_str(&format!(
        "<p class=\"score\">{} / {}</p>\n<p>{}</p>\n",
        score.points,
        score.max_points,
        escaped(report.verdict.text())
    ));
    out.push_str("<h2>Parts</h2>\n<table>\n<tr><th>part</th><th>points</th></tr>\n");
    for p in &score.parts {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{} / {}</td></tr>\n",
            escaped(&p.name),
            p.points,
            p.max_points
        ));
        for d in &p.deductions {
            out.push_str(&format!(
                "<tr><td colspan=\"2\" class=\"lost\">−{} {}</td></tr>\n",
                d.points,
                escaped(&d.reason)
            ));
        }
    }
    out.push_str("</table>\n");
    let findings: usize = report.tables.iter().map(|t| t.wrong_columns.len()).sum();
    if findings > 0 {
        out.push_str("<h2>What to correct</h2>\n<ul>\n");
        for t in &report.tables {
            for w in &t.wrong_columns {
                let correct = t
                    .cells
                    .iter()
                    .find(|c| c.cell == w.first_wrong_cell)
                    .map_or(w.formula_correct.as_str(), |c| c.correct_formula.as_str());
                let cells = if w.wrong_cells == 1 {
                    format!("cell {}", escaped(&w.first_wrong_cell))
                } else {
                    format!("{} cells ({}), first {}", w.wrong_cells, escaped(&w.cells), escaped(&w.first_wrong_cell))
                };
                out.push_str(&format!(
                    "<li><b>{}</b> on sheet '{}', {cells}: {}.<br>Found {}, expected {}.<br>The formula that belongs in {}: <code>{}</code></li>\n",
                    escaped(&w.column),
                    escaped(&t.sheet),
                    escaped(&w.diagnosis.explanation),
                    escaped(&w.found.to_string()),
                    escaped(&w.expected.to_string()),
                    escaped(&w.first_wrong_cell),
                    escaped(correct)
                ));
            }
        }
        out.push_str("</ul>\n");
    }
    let unchecked: Vec<String> = report
        .tables
        .iter()
        .flat_map(|t| t.not_checked.iter().map(move |n| format!("sheet '{}': {n}", t.sheet)))
        .collect();
    if !unchecked.is_empty() {
        out.push_str("<h2>Not checked</h2>\n<ul>\n");
        for n in unchecked {
            out.push_str(&format!("<li>{}</li>\n", escaped(&n)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The page of a workbook that could not be checked (not a workbook, damaged, unreadable):
/// why and what to do, in the checker's words; it has no score.
pub(crate) fn unusable_page(reason: &str, student: Option<&Submitter>, file: &str) -> String {
    let mut out = head(student, file);
    out.push_str(&format!(
        "<p class=\"score\">not scored</p>\n<p>UNUSABLE: the workbook could not be checked.</p>\n<h2>Why</h2>\n<p>{}</p>\n",
        escaped(reason)
    ));
    out.push_str("</body>\n</html>\n");
    out
}

/// The page's start: the document's head, the student (or the file), their id and lateness.
fn head(student: Option<&Submitter>, file: &str) -> String {
    let who = student.map_or_else(|| file.to_string(), |s| s.name.clone());
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>Feedback: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n", escaped(&who)));
    out.push_str(&format!("<h1>{}</h1>\n", escaped(&who)));
    let late = student.is_some_and(|s| s.late);
    let id = student.map_or(String::new(), |s| format!(" · id {}", escaped(&s.id)));
    out.push_str(&format!(
        "<p class=\"meta\">{}{id}{}</p>\n",
        escaped(file),
        if late { " · submitted late" } else { "" }
    ));
    out
}

/// The page's file name: the student's name and id when the LMS gave them, else the
/// workbook's path, made safe for any file system.
pub(crate) fn file_name(student: Option<&Submitter>, relative: &std::path::Path) -> String {
    let stem = match student {
        Some(s) => format!("{} {}", s.name, s.id),
        None => relative.with_extension("").display().to_string().replace(['/', '\\'], " - "),
    };
    format!("{}.html", crate::sys::names::safe_file_name(&stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_text_is_escaped_for_html() {
        assert_eq!(
            escaped("<script>alert('x')</script> & \"q\"\u{1}"),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;\\u{1}"
        );
    }

    #[test]
    fn page_names_come_from_the_student_or_the_path() {
        let jane = Submitter::of(std::path::Path::new("Jane Roe_77_assignsubmission_file_/x.xlsx"));
        assert_eq!(file_name(jane.as_ref(), std::path::Path::new("any")), "Jane Roe 77.html");
        assert_eq!(file_name(None, std::path::Path::new("b/CON.xlsx")), "b - CON.html");
        assert_eq!(file_name(None, std::path::Path::new("../x?.xlsx")), ".. - x_.html");
    }
}
