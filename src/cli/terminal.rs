//! What reaches the terminal: `check`'s report and class lines, the progress bar, and the one
//! way text is written there (escaped, and quiet about a reader that left).

use std::fmt::Write as _;

use crate::check::rubric::Score;
use crate::check::{Diagnosis, Report, SheetKey, TableReport, Verdict, WrongColumn};
use crate::class::Outcome;
use crate::error::Error;

/// Writes `text` to standard output. A reader that closed the pipe early (`| head`) is a normal
/// end, as for any command-line tool: the rest is dropped quietly. Any other failure (a full
/// disk behind `>`) is an error with its reason.
pub(crate) fn emit(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(printable(text).as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Error::Terminal),
    }
}

/// Text for a terminal: control characters from cells (a label, a sheet name) shown escaped,
/// never sent raw, where an escape sequence would act on the terminal. Line breaks stay.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// A name a student chose (a file, a sheet), for one line of the terminal: every control
/// character escaped, line breaks too, so that no name can start a line of its own (a forged
/// `PASS` line in a class run's output).
pub(crate) fn name(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// The report of `check` as a person reads it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", name(&report.file));
    if let Some(why) = &report.values_computed {
        let _ = writeln!(out, "values computed here: {why}");
    }
    for t in &report.tables {
        render_table(&mut out, t);
    }
    render_score(&mut out, &report.score);
    out
}

/// The grade: the total, each part's points, and every deduction with its reason.
fn render_score(out: &mut String, score: &Score) {
    let _ = writeln!(out, "\nscore: {} of {}", score.points, score.max_points);
    for p in &score.parts {
        let _ = writeln!(out, "  {}: {} of {}", p.name, p.points, p.max_points);
        for d in &p.deductions {
            let _ = writeln!(out, "    -{}  {}", d.points, name(&d.reason));
        }
    }
}

/// One table of the report: where it is, its verdict, its findings, what was not checked.
fn render_table(out: &mut String, t: &TableReport) {
    let eta = t.eta.map_or("unknown".to_string(), |e| e.to_string());
    let _ = writeln!(out);
    // The class's network goes without saying; another is named.
    let network = if t.network == crate::model::network::Network::default().to_string() {
        String::new()
    } else {
        format!(" (network {})", t.network)
    };
    let _ = writeln!(
        out,
        "sheet '{}', table at {}{network}: {} {}, η = {eta} ({})",
        name(&t.sheet),
        t.at,
        t.iterations,
        plural(t.iterations, "iteration", "iterations"),
        t.eta_source
    );
    for line in &t.identified {
        let _ = writeln!(out, "  identified: {line}");
    }
    match t.verdict {
        Verdict::NothingToCheck => {
            let _ = writeln!(out, "  NOTHING TO CHECK YET: only the typed first row, no computed cell");
        }
        Verdict::Pass => {
            let _ = writeln!(out, "  PASS: {} computed cells checked, 0 wrong", t.checked_cells);
        }
        Verdict::Incomplete => {
            let _ = writeln!(
                out,
                "  INCOMPLETE: {} computed cells checked, 0 wrong; not everything could be checked (below)",
                t.checked_cells
            );
        }
        Verdict::Unusable => {}
        Verdict::Fail => {
            let _ = writeln!(
                out,
                "  FAIL: {} of {} computed cells wrong, {} {}",
                t.wrong_cells,
                t.checked_cells,
                t.wrong_columns.len(),
                plural(t.wrong_columns.len(), "finding", "findings")
            );
        }
    }
    render_findings(out, &t.wrong_columns);
    if !t.typed_over.is_empty() {
        let _ = writeln!(
            out,
            "  note: typed numbers where the table has formulas (right by value): {}",
            t.typed_over.join(", ")
        );
    }
    for n in &t.not_checked {
        let _ = writeln!(out, "  not checked: {n}");
    }
    if let (Some(shown), Some(correct)) = (&t.final_e_total_shown, &t.final_e_total_correct) {
        let _ = writeln!(out, "  final E_total: {shown} shown; {correct} with correct arithmetic from the first row");
    }
}

/// A table's wrong columns, one finding each, a slip of a whole row as one line.
fn render_findings(out: &mut String, wrong_columns: &[WrongColumn]) {
    let mut shown = 0;
    for (k, w) in wrong_columns.iter().enumerate() {
        if k < shown {
            continue;
        }
        // A slip of a whole row (a deleted row, a missing iteration) is one line, not one a column.
        let row_wide = match w.diagnosis.mistakes.as_slice() {
            [crate::check::Key::Sheet(k)] => matches!(k, SheetKey::DeletedReference | SheetKey::MissingIteration),
            [crate::check::Key::Mistake(m)] => m.key == "row-repeated",
            _ => false,
        };
        let same = wrong_columns[k..]
            .iter()
            .take_while(|o| row_wide && o.diagnosis == w.diagnosis && o.iteration == w.iteration)
            .count()
            .max(1);
        shown = k + same;
        if same > 1 {
            let group = &wrong_columns[k..shown];
            let cells: usize = group.iter().map(|g| g.wrong_cells).sum();
            let _ = writeln!(
                out,
                "  {} .. {}: {} .. {} ({cells} wrong cells, iteration {})",
                w.column,
                group[same - 1].column,
                w.cells,
                group[same - 1].cells,
                w.iteration
            );
            diagnosis_line(out, &w.diagnosis);
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<8} {} ({} wrong {}): first at {} (iteration {}): expected {}, found {}",
            w.column,
            w.cells,
            w.wrong_cells,
            plural(w.wrong_cells, "cell", "cells"),
            w.first_wrong_cell,
            w.iteration,
            w.expected,
            w.found
        );
        diagnosis_line(out, &w.diagnosis);
        if let Some(f) = &w.formula_found {
            let _ = writeln!(out, "           formula:   {f}");
        }
        let _ = writeln!(out, "           correct:   {}", w.formula_correct);
    }
}

fn diagnosis_line(out: &mut String, d: &Diagnosis) {
    let _ = writeln!(out, "           diagnosis: {} ({})", d.keys(), d.explanation);
}

/// A count's noun in the right number: "1 iteration", "2 iterations".
pub(crate) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// One workbook of many: its line (the student when the LMS named them, file, verdict, score,
/// tables, wrong cells, the mistakes named or why it is unusable), padded to the widths given,
/// why its marked copy could not be written, and its report after it with `detail`. Each is one
/// line whatever the names in it hold.
pub(crate) fn class_line(
    outcome: &Outcome,
    who: Option<(&str, usize)>,
    width: usize,
    detail: bool,
    not_marked: Option<&str>,
) -> String {
    let (score, what) = match outcome {
        Outcome::Checked(r) => {
            let (tables, wrong) = (r.tables.len(), r.wrong_cells());
            let mistakes = r.mistakes();
            let keys: Vec<&str> = mistakes.iter().map(|k| k.key()).collect();
            let named = if keys.is_empty() { String::new() } else { format!("  {}", keys.join(", ")) };
            let score = format!("{}/{}", r.score.points, r.score.max_points);
            let unchecked = r.unchecked();
            let unchecked = match unchecked.is_empty() {
                true => String::new(),
                false => format!("  not checked: {}", name(&unchecked.join("; "))),
            };
            let what = format!(
                "{tables} {}, {wrong} wrong {}{named}{unchecked}",
                plural(tables, "table", "tables"),
                plural(wrong, "cell", "cells")
            );
            (score, what)
        }
        Outcome::Unusable { error, .. } => ("-".to_string(), name(error).into_owned()),
    };
    let student = match who {
        Some((who, w)) => format!("{:<w$}  ", name(who)),
        None => String::new(),
    };
    let line = format!("{student}{:<width$}  {:<16}  {score:<7}  {what}", name(outcome.file()), outcome.verdict());
    let mut text = format!("{}\n", line.trim_end());
    if let Some(why) = not_marked {
        let _ = writeln!(text, "  not marked: {}", name(why));
    }
    if let (true, Outcome::Checked(r)) = (detail, outcome) {
        let _ = writeln!(text, "{}", render(r));
    }
    text
}

/// A marked copy found among a class's workbooks, which is not graded: its line, padded as the
/// others are, saying whose copy it is.
pub(crate) fn marked_copy_line(file: &str, of: &str, width: usize) -> String {
    format!(
        "{:<width$}  skipped  the marked copy of {}, written by check --annotate; not graded\n",
        name(file),
        name(of)
    )
}

/// The totals of a class, by verdict, and the marked copies that could not be written.
pub(crate) fn class_totals(verdicts: impl Iterator<Item = Verdict> + Clone, not_marked: usize) -> String {
    let count = |v: Verdict| verdicts.clone().filter(|x| *x == v).count();
    let n = verdicts.clone().count();
    let unmarked = match not_marked {
        0 => String::new(),
        n => format!("; {n} {} not be marked", plural(n, "workbook could", "workbooks could")),
    };
    format!(
        "\n{n} {}: {} pass, {} fail, {} incomplete, {} nothing to check, {} unusable{unmarked}\n",
        plural(n, "workbook", "workbooks"),
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Incomplete),
        count(Verdict::NothingToCheck),
        count(Verdict::Unusable)
    )
}

/// Rows below which a run is too short to need a progress bar (about a second).
const PROGRESS_ROWS: u64 = 200_000;

/// A progress bar on stderr, for long runs and only when a person is watching it.
pub(crate) fn progress_bar(rows: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || rows < PROGRESS_ROWS || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(rows);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} rows, {eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_line_whatever_it_holds() {
        assert_eq!(name("z\nsubs/zz.xlsx  PASS\r\u{1b}[2J"), "z\\nsubs/zz.xlsx  PASS\\r\\u{1b}[2J");
        assert_eq!(name("Renée.xlsx"), "Renée.xlsx");
        assert_eq!(printable("two\nlines\u{7}"), "two\nlines\\u{7}", "a report keeps its line breaks");
    }
}
