//! The class summary a grader keeps: one row per workbook, and how many workbooks show each
//! mistake, as a workbook (with a bar chart of the common mistakes) or as CSV.

use std::io::{Seek, Write};

use rust_xlsxwriter::{Chart, ChartType, Color, Format, FormatBorder, Workbook};

use crate::check::{Key, TableReport, Value, Verdict};
use crate::class::submitter::Submitter;
use crate::class::{Input, Outcome};
use crate::error::Failure;

const COLUMNS: [&str; 20] = [
    "student",
    "id",
    "late",
    "score",
    "max score",
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
    "parts",
    "deductions",
    "graded by",
];

/// A workbook's row of the summary, all that is kept of its report once it is printed.
pub(crate) struct Row {
    /// The student the LMS's name for the file gives, when it gives one.
    student: Option<Submitter>,
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    /// The file relative to what was given, as the teacher knows it.
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
    parts: String,
    deductions: String,
    /// For a student with several workbooks, the one that grades them (this one, or which).
    pub graded_by: String,
}

impl Row {
    pub(crate) fn of(outcome: &Outcome, input: &Input) -> Row {
        let empty = || Field::Text(String::new());
        let mut row = Row {
            student: input.submitter.clone(),
            score: None,
            max_score: None,
            file: input.relative.display().to_string(),
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
            parts: String::new(),
            deductions: String::new(),
            graded_by: String::new(),
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
                let score = &r.score;
                row.score = Some(score.points);
                row.max_score = Some(score.max_points);
                let parts: Vec<String> =
                    score.parts.iter().map(|p| format!("{} {}/{}", p.name, p.points, p.max_points)).collect();
                row.parts = parts.join("; ");
                let deductions: Vec<String> = score
                    .parts
                    .iter()
                    .flat_map(|p| p.deductions.iter().map(move |d| format!("{}: -{} {}", p.name, d.points, d.reason)))
                    .collect();
                row.deductions = deductions.join("; ");
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
    fn fields(&self) -> [Field; 20] {
        let text = |s: &str| Field::Text(s.to_string());
        let count = |n: Option<usize>| n.map_or(Field::Text(String::new()), |n| Field::Number(n as f64));
        let points = |x: Option<f64>| x.map_or(Field::Text(String::new()), Field::Number);
        let keys: Vec<&str> = self.mistakes.iter().map(|k| k.key()).collect();
        let student = self.student.as_ref();
        [
            text(student.map_or("", |s| s.name.as_str())),
            text(student.map_or("", |s| s.id.as_str())),
            text(if student.is_some_and(|s| s.late) { "LATE" } else { "" }),
            points(self.score),
            points(self.max_score),
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
            text(&self.parts),
            text(&self.deductions),
            text(&self.graded_by),
        ]
    }
}

/// A cell of the summary: a number where there is one number, else text.
#[derive(Clone)]
enum Field {
    Number(f64),
    Text(String),
}

impl Field {
    /// The lines it takes in a column of at most [`WIDEST`] characters.
    fn lines(&self) -> usize {
        match self {
            Field::Number(_) => 1,
            Field::Text(t) => t.lines().map(|l| l.chars().count().div_ceil(WIDEST).max(1)).sum::<usize>().max(1),
        }
    }

    /// The characters of its longest line, as a column must show them.
    fn width(&self) -> usize {
        match self {
            Field::Number(x) => x.to_string().len(),
            Field::Text(t) => t.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        }
    }
}

/// Each column's width in characters, as wide as its widest line (and its header, with room for
/// the filter's button) up to [`WIDEST`], and whether its text wraps past that.
fn column_widths(fields: &[[Field; 20]]) -> Vec<(usize, bool)> {
    COLUMNS
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let widest = fields.iter().map(|f| f[c].width()).chain([name.chars().count() + 3]).max().unwrap_or(0);
            (widest.clamp(6, WIDEST), widest > WIDEST)
        })
        .collect()
}

/// The widest a column of the summary grows, in characters; longer text wraps.
const WIDEST: usize = 60;

/// The most lines a row of the summary is made tall enough for; the rest is in the cell.
const MAX_LINES: usize = 12;

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
/// The mistakes chart's height above its first bar (title, axis, its name), and each bar's,
/// in pixels: tall enough that a renderer labels every bar; never below a chart's usual 288.
const BAR_CHART_TOP: u32 = 110;
const BAR_HEIGHT: u32 = 22;
const CHART_HEIGHT: u32 = 288;

/// `Mistakes`, how many workbooks show each mistake, with a bar chart, and `Copies`, the copy
/// report, when the run gathered it.
pub(crate) fn write_xlsx<W: Write + Seek + Send>(
    rows: &[Row],
    unmatched: Option<&crate::class::grades::Unmatched>,
    copies: Option<&super::copies::Copies>,
    out: W,
) -> Result<(), Failure> {
    let mut book = Workbook::new();
    let header =
        Format::new().set_bold().set_border_bottom(FormatBorder::Medium).set_background_color(Color::RGB(0xDDEBF7));
    let wrap = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    let top = Format::new().set_align(rust_xlsxwriter::FormatAlign::Top).set_align(rust_xlsxwriter::FormatAlign::Left);
    let class = book.add_worksheet();
    class.set_name("Class")?;
    let fields: Vec<[Field; 20]> = rows.iter().map(Row::fields).collect();
    for (c, (name, (width, wraps))) in COLUMNS.iter().zip(column_widths(&fields)).enumerate() {
        class.write_string_with_format(0, c as u16, *name, &header)?;
        class.set_column_width(c as u16, width as f64 + 1.0)?;
        class.set_column_format(c as u16, if wraps { &wrap } else { &top })?;
    }
    for (r, row) in fields.iter().enumerate() {
        for (c, field) in row.iter().enumerate() {
            let (r, c) = (1 + r as u32, c as u16);
            let format = if field.width() > WIDEST || matches!(field, Field::Text(t) if t.contains('\n')) {
                &wrap
            } else {
                &top
            };
            match field {
                Field::Number(x) => class.write_number_with_format(r, c, *x, format)?,
                Field::Text(t) => class.write_string_with_format(r, c, fitted(t), format)?,
            };
        }
        // A spreadsheet does not size a row to its wrapped text on opening: the row says how tall.
        let lines = row.iter().map(Field::lines).max().unwrap_or(1);
        if lines > 1 {
            class.set_row_height(1 + r as u32, 15.0 * lines.min(MAX_LINES) as f64)?;
        }
    }
    class.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    class.set_freeze_panes(1, 1)?;

    let counts = mistake_counts(rows);
    let sheet = book.add_worksheet();
    sheet.set_name("Mistakes")?;
    for (c, name) in ["mistake", "what it is", "workbooks"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (r, (key, what, n)) in counts.iter().enumerate() {
        sheet.write_string_with_format(1 + r as u32, 0, *key, &top)?;
        sheet.write_string_with_format(1 + r as u32, 1, *what, &wrap)?;
        let lines = what.chars().count().div_ceil(WIDEST);
        if lines > 1 {
            sheet.set_row_height(1 + r as u32, 15.0 * lines as f64)?;
        }
        sheet.write_number_with_format(1 + r as u32, 2, *n as f64, &top)?;
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
            .set_name("workbooks")
            .set_gap(60);
        chart.title().set_name(&format!("Mistakes in the class ({} workbooks)", rows.len()));
        chart.x_axis().set_name("workbooks showing it").set_min(0).set_major_unit(1);
        // Every mistake labelled: the chart grows with their number rather than skip labels.
        chart.y_axis().set_reverse().set_label_interval(1).set_tick_interval(1);
        chart.set_height((BAR_CHART_TOP + BAR_HEIGHT * last).max(CHART_HEIGHT));
        chart.legend().set_hidden();
        sheet.insert_chart(1, 4, &chart)?;
    }
    score_distribution(sheet, rows, &header)?;
    if let Some(unmatched) = unmatched {
        gradebook_sheet(&mut book, &header, unmatched)?;
    }
    if let Some(copies) = copies {
        super::copies::add_sheet(&mut book, copies)?;
    }
    Ok(book.save_to_writer(out)?)
}

/// The scores of the class in tenths of the maximum, a row each, and their column chart beside
/// the mistakes'.
fn score_distribution(
    sheet: &mut rust_xlsxwriter::Worksheet,
    rows: &[Row],
    header: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bins = score_bins(rows);
    let (left, first) = (22u16, 1u32);
    sheet.write_string_with_format(0, left, "score (% of max)", header)?;
    sheet.write_string_with_format(0, left + 1, "workbooks", header)?;
    for (k, n) in bins.iter().enumerate() {
        let label = if k == 9 { "90-100".to_string() } else { format!("{}-{}", k * 10, k * 10 + 9) };
        sheet.write_string(first + k as u32, left, &label)?;
        sheet.write_number(first + k as u32, left + 1, *n as f64)?;
    }
    sheet.set_column_width(left, 16)?;
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_categories(("Mistakes", first, left, first + 9, left))
        .set_values(("Mistakes", first, left + 1, first + 9, left + 1))
        .set_name("workbooks");
    let graded: usize = bins.iter().sum();
    chart.title().set_name(&format!("Scores ({graded} workbooks graded)"));
    chart.x_axis().set_name("score, % of the maximum");
    chart.y_axis().set_name("workbooks").set_min(0).set_major_unit(1);
    chart.legend().set_hidden();
    sheet.insert_chart(1, 13, &chart)?;
    Ok(())
}

/// How many graded workbooks scored in each tenth of their maximum (the last tenth holds 100%).
fn score_bins(rows: &[Row]) -> [usize; 10] {
    let mut bins = [0; 10];
    for row in rows {
        if let (Some(score), Some(max)) = (row.score, row.max_score.filter(|m| *m > 0.0)) {
            bins[((score / max * 10.0).floor() as usize).min(9)] += 1;
        }
    }
    bins
}

/// `Gradebook`: the gradebook's students without a workbook, and the workbooks whose student
/// it does not list, whose grades were therefore not filled in.
fn gradebook_sheet(
    book: &mut Workbook,
    header: &Format,
    unmatched: &crate::class::grades::Unmatched,
) -> Result<(), Failure> {
    let sheet = book.add_worksheet();
    sheet.set_name("Gradebook")?;
    for (c, name) in ["student or workbook", "grade not filled in because"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, header)?;
    }
    let lines = unmatched.no_submission.iter().map(|w| (w, "in the gradebook, no workbook: left as it was"));
    let lines = lines.chain(unmatched.not_in_gradebook.iter().map(|w| (w, "not in the gradebook")));
    for (r, (who, why)) in lines.enumerate() {
        sheet.write_string(1 + r as u32, 0, fitted(who))?;
        sheet.write_string(1 + r as u32, 1, why)?;
    }
    // Both columns on one printed page.
    sheet.set_column_width(0, 48)?;
    sheet.set_column_width(1, 40)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
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

    #[test]
    fn columns_fit_their_content_and_long_text_wraps() {
        let mut row: [Field; 20] = std::array::from_fn(|_| Field::Text(String::new()));
        row[3] = Field::Number(87.5);
        row[5] = Field::Text("subs/roejane_123_4567_BackProp.xlsx".into());
        row[18] = Field::Text("x".repeat(150));
        let widths = column_widths(&[row]);
        assert_eq!(widths[0], (10, false), "`student` and the filter's button");
        assert_eq!(widths[3], (8, false), "`score`: its header is wider than 87.5");
        assert_eq!(widths[5], (35, false));
        assert_eq!(widths[18], (60, true));
        assert_eq!(Field::Text("x".repeat(150)).lines(), 3);
        assert_eq!(Field::Number(100.0).width(), 3, "a whole number is shown whole");
    }
}
