//! The class summary a grader keeps: one row per workbook, and how many workbooks show each
//! mistake, as a workbook (with a bar chart of the common mistakes) or as CSV.

use std::io::{Seek, Write};

use rust_xlsxwriter::{Chart, ChartType, Color, Format, FormatBorder, Workbook};

use crate::check::{Key, TableReport, Value, Verdict};
use crate::class::Outcome;
use crate::error::Failure;

const COLUMNS: [&str; 12] = [
    "file",
    "verdict",
    "tables",
    "sheets",
    "η",
    "iterations",
    "wrong cells",
    "first wrong cell",
    "mistakes",
    "final E_total shown",
    "final E_total with correct arithmetic",
    "why unusable",
];

/// A workbook's row of the summary, all that is kept of its report once it is printed.
pub(crate) struct Row {
    pub file: String,
    pub verdict: Verdict,
    /// What its tables say, one value a table (empty for a workbook that could not be used).
    tables: Option<usize>,
    sheets: Field,
    eta: Field,
    iterations: Field,
    wrong_cells: Option<usize>,
    first_wrong_cell: String,
    pub mistakes: Vec<Key>,
    final_e_total_shown: Field,
    final_e_total_correct: Field,
    why_unusable: String,
}

impl Row {
    pub(crate) fn of(outcome: &Outcome) -> Row {
        let empty = || Field::Text(String::new());
        let mut row = Row {
            file: outcome.file().to_string(),
            verdict: outcome.verdict(),
            tables: None,
            sheets: empty(),
            eta: empty(),
            iterations: empty(),
            wrong_cells: None,
            first_wrong_cell: String::new(),
            mistakes: Vec::new(),
            final_e_total_shown: empty(),
            final_e_total_correct: empty(),
            why_unusable: String::new(),
        };
        match outcome {
            Outcome::Unusable { error, .. } => row.why_unusable = error.clone(),
            Outcome::Checked(r) => {
                let each = |f: &dyn Fn(&TableReport) -> String| joined(r.tables.iter().map(f).collect());
                let value = |v: &Option<Value>| v.as_ref().map_or(String::new(), ToString::to_string);
                row.tables = Some(r.tables.len());
                row.sheets = each(&|t| t.sheet.clone());
                row.eta = each(&|t| t.eta.map_or(String::new(), |e| e.to_string()));
                row.iterations = each(&|t| t.iterations.to_string());
                row.wrong_cells = Some(r.wrong_cells());
                row.first_wrong_cell = r
                    .tables
                    .iter()
                    .find_map(|t| t.wrong_columns.first().map(|w| format!("'{}'!{}", t.sheet, w.first_wrong_cell)))
                    .unwrap_or_default();
                row.mistakes = r.mistakes();
                row.final_e_total_shown = each(&|t| value(&t.final_e_total_shown));
                row.final_e_total_correct = each(&|t| value(&t.final_e_total_correct));
                // An INCOMPLETE workbook's reason goes where an unusable one's does.
                let unchecked = r.unchecked();
                if !unchecked.is_empty() {
                    row.why_unusable = format!("not checked: {}", unchecked.join("; "));
                }
            }
        }
        row
    }

    /// The row's cells in the order of [`COLUMNS`].
    fn fields(&self) -> [Field; 12] {
        let text = |s: &str| Field::Text(s.to_string());
        let count = |n: Option<usize>| n.map_or(Field::Text(String::new()), |n| Field::Number(n as f64));
        let keys: Vec<&str> = self.mistakes.iter().map(|k| k.key()).collect();
        [
            text(&self.file),
            text(self.verdict.text()),
            count(self.tables),
            self.sheets.clone(),
            self.eta.clone(),
            self.iterations.clone(),
            count(self.wrong_cells),
            text(&self.first_wrong_cell),
            Field::Text(keys.join(", ")),
            self.final_e_total_shown.clone(),
            self.final_e_total_correct.clone(),
            text(&self.why_unusable),
        ]
    }
}

/// A cell of the summary: a number where there is one number, else text.
#[derive(Clone)]
enum Field {
    Number(f64),
    Text(String),
}

/// Several tables' values of one kind: a number when there is one, else the values joined.
fn joined(values: Vec<String>) -> Field {
    match values.as_slice() {
        [one] => one.parse().map_or_else(|_| Field::Text(one.clone()), Field::Number),
        _ => Field::Text(values.join("; ")),
    }
}

/// Each mistake named in the class, with what it is and how many workbooks show it, most
/// common first.
fn mistake_counts(rows: &[Row]) -> Vec<(&'static str, &'static str, usize)> {
    let mut counts: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for row in rows {
        for &key in &row.mistakes {
            match counts.iter_mut().find(|(k, ..)| *k == key.key()) {
                Some(c) => c.2 += 1,
                None => counts.push((key.key(), key.meaning(), 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.2));
    counts
}

/// Text a student chose (a file or sheet name), for a CSV field that no spreadsheet evaluates:
/// OWASP's rule for CSV injection, a field beginning with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is given a leading `'`, which makes it text when it is opened.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

/// The most characters a cell holds (Excel's limit, which the xlsx writer keeps).
const CELL_LIMIT: usize = 32_767;

/// Text cut to what a cell holds, saying so at its end: one student's workbook of a thousand
/// tables must not cost the class its summary.
fn fitted(text: &str) -> std::borrow::Cow<'_, str> {
    let length = text.chars().count();
    if length <= CELL_LIMIT {
        return text.into();
    }
    let note = format!(" … (cut: {length} characters, more than a cell holds)");
    let kept: String = text.chars().take(CELL_LIMIT - note.chars().count()).collect();
    format!("{kept}{note}").into()
}

/// The summary as CSV: a header, then one row per workbook.
pub(crate) fn write_csv<W: Write>(rows: &[Row], out: W) -> Result<(), Failure> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(COLUMNS)?;
    for row in rows {
        csv.write_record(row.fields().iter().map(|f| match f {
            // Rust's shortest round-trip text, without Excel's `.0` on whole numbers.
            Field::Number(x) => x.to_string(),
            Field::Text(t) => inert(t).into_owned(),
        }))?;
    }
    csv.flush()?;
    Ok(())
}

/// The summary as a workbook: `Class`, one row per workbook with a filter and a frozen header,
/// and `Mistakes`, how many workbooks show each mistake, with a bar chart.
pub(crate) fn write_xlsx<W: Write + Seek + Send>(rows: &[Row], out: W) -> Result<(), Failure> {
    let mut book = Workbook::new();
    let header =
        Format::new().set_bold().set_border_bottom(FormatBorder::Medium).set_background_color(Color::RGB(0xDDEBF7));
    let class = book.add_worksheet();
    class.set_name("Class")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        class.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, field) in row.fields().iter().enumerate() {
            let (r, c) = (1 + r as u32, c as u16);
            match field {
                Field::Number(x) => class.write_number(r, c, *x)?,
                Field::Text(t) => class.write_string(r, c, fitted(t))?,
            };
        }
    }
    class.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    class.set_freeze_panes(1, 1)?;
    class.set_column_width(0, 40)?;
    class.set_column_range_width(1, COLUMNS.len() as u16 - 1, 16)?;

    let counts = mistake_counts(rows);
    let sheet = book.add_worksheet();
    sheet.set_name("Mistakes")?;
    for (c, name) in ["mistake", "what it is", "workbooks"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (r, (key, what, n)) in counts.iter().enumerate() {
        sheet.write_string(1 + r as u32, 0, *key)?;
        sheet.write_string(1 + r as u32, 1, *what)?;
        sheet.write_number(1 + r as u32, 2, *n as f64)?;
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 60)?;
    if !counts.is_empty() {
        let last = counts.len() as u32;
        let mut chart = Chart::new(ChartType::Bar);
        chart
            .add_series()
            .set_categories(("Mistakes", 1, 0, last, 0))
            .set_values(("Mistakes", 1, 2, last, 2))
            .set_name("workbooks");
        chart.title().set_name(&format!("Mistakes in the class ({} workbooks)", rows.len()));
        chart.x_axis().set_name("workbooks showing it").set_min(0);
        chart.y_axis().set_reverse();
        chart.legend().set_hidden();
        sheet.insert_chart(1, 4, &chart)?;
    }
    Ok(book.save_to_writer(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_start_a_formula_is_made_inert_and_long_text_is_cut() {
        for live in ["=1+1", "+1", "-1", "@SUM(1+1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"click\")"] {
            assert_eq!(inert(live), format!("'{live}"));
        }
        assert_eq!(inert("LR 0.5; LR 1"), "LR 0.5; LR 1");
        let long = "x".repeat(40_000);
        let cut = fitted(&long);
        assert_eq!(cut.chars().count(), CELL_LIMIT);
        assert!(cut.ends_with(" … (cut: 40000 characters, more than a cell holds)"), "{}", &cut[32_700..]);
        assert_eq!(fitted("short"), "short");
    }
}
