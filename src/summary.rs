//! The class summary a grader keeps: one row per workbook, and how many workbooks show each
//! mistake, as a workbook (with a bar chart of the common mistakes) or as CSV.

use std::io::{Seek, Write};

use rust_xlsxwriter::{Chart, ChartType, Color, Format, FormatBorder, Workbook, XlsxError};

use crate::check::Report;
use crate::class::Outcome;

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
pub struct Row {
    fields: Vec<Field>,
    mistakes: Vec<&'static str>,
}

impl Row {
    pub fn of(outcome: &Outcome) -> Row {
        let mistakes = match outcome {
            Outcome::Checked(r) => r.mistakes(),
            Outcome::Unusable { .. } => Vec::new(),
        };
        Row { fields: row(outcome), mistakes }
    }

    /// The verdict, the row's second field.
    pub fn verdict(&self) -> &str {
        match &self.fields[1] {
            Field::Text(t) => t,
            Field::Number(_) => "",
        }
    }
}

/// A cell of the summary: a number where there is one number, else text.
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

fn row(outcome: &Outcome) -> Vec<Field> {
    let text = |s: &str| Field::Text(s.to_string());
    let mut fields = vec![text(outcome.file()), text(outcome.verdict())];
    match outcome {
        Outcome::Unusable { error, .. } => {
            fields.extend((0..9).map(|_| text("")));
            fields.push(text(error));
        }
        Outcome::Checked(r) => fields.extend(checked(r)),
    }
    fields
}

fn checked(r: &Report) -> Vec<Field> {
    let each = |f: &dyn Fn(&crate::check::TableReport) -> String| joined(r.tables.iter().map(f).collect());
    let value = |v: &Option<crate::check::Value>| v.as_ref().map_or(String::new(), ToString::to_string);
    let first_wrong = r
        .tables
        .iter()
        .find_map(|t| t.wrong_columns.first().map(|w| format!("'{}'!{}", t.sheet, w.first_wrong_cell)))
        .unwrap_or_default();
    vec![
        Field::Number(r.tables.len() as f64),
        each(&|t| t.sheet.clone()),
        each(&|t| t.eta.map_or(String::new(), |e| e.to_string())),
        each(&|t| t.iterations.to_string()),
        Field::Number(r.wrong_cells() as f64),
        Field::Text(first_wrong),
        Field::Text(r.mistakes().join(", ")),
        each(&|t| value(&t.final_e_total_shown)),
        each(&|t| value(&t.final_e_total_correct)),
        Field::Text(String::new()),
    ]
}

/// Each mistake named in the class, with what it is and how many workbooks show it, most
/// common first.
fn mistake_counts(rows: &[Row]) -> Vec<(&'static str, &'static str, usize)> {
    let mut counts: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for row in rows {
        for &key in &row.mistakes {
            match counts.iter_mut().find(|(k, ..)| *k == key) {
                Some(c) => c.2 += 1,
                None => counts.push((key, crate::check::meaning(key), 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.2));
    counts
}

/// The summary as CSV: a header, then one row per workbook.
pub fn write_csv<W: Write>(rows: &[Row], out: W) -> Result<(), csv::Error> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(COLUMNS)?;
    for row in rows {
        csv.write_record(row.fields.iter().map(|f| match f {
            // Rust's shortest round-trip text, without Excel's `.0` on whole numbers.
            Field::Number(x) => x.to_string(),
            Field::Text(t) => t.clone(),
        }))?;
    }
    csv.flush()?;
    Ok(())
}

/// The summary as a workbook: `Class`, one row per workbook with a filter and a frozen header,
/// and `Mistakes`, how many workbooks show each mistake, with a bar chart.
pub fn write_xlsx<W: Write + Seek + Send>(rows: &[Row], out: W) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let header =
        Format::new().set_bold().set_border_bottom(FormatBorder::Medium).set_background_color(Color::RGB(0xDDEBF7));
    let class = book.add_worksheet();
    class.set_name("Class")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        class.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, field) in row.fields.iter().enumerate() {
            let (r, c) = (1 + r as u32, c as u16);
            match field {
                Field::Number(x) => class.write_number(r, c, *x)?,
                Field::Text(t) => class.write_string(r, c, t)?,
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
    book.save_to_writer(out)
}
