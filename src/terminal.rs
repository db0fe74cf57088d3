//! What the commands print: `generate`'s table of outcomes and `check`'s report, and the one way
//! text reaches the terminal (escaped, and quiet about a reader that left).

use std::fmt::Write as _;
use std::path::Path;

use crate::check::{Report, Status};
use crate::report::RateSummary;
use crate::template::{self, Found, Overrides};

/// Writes `text` to standard output. A reader that closed the pipe early (`| head`) is a normal
/// end, as for any command-line tool: the rest is dropped quietly. Any other failure (a full
/// disk behind `>`) is an error with its reason.
pub fn emit(text: &str) -> Result<(), std::io::Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(printable(text).as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Text for a terminal: control characters from cells (a label, a sheet name) shown escaped,
/// never sent raw, where an escape sequence would act on the terminal. Line breaks stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// What `generate` prints: where the inputs came from, each rate's first and final error, the file.
pub fn summary(
    template: Option<&Path>,
    found: &Found,
    over: &Overrides,
    summaries: &[RateSummary],
    network: crate::network::Network,
    iterations: usize,
    out: &Path,
) -> String {
    use crate::network::{Bias, Network};
    let mut text = String::new();
    let class = Network::default();
    let _ = match template {
        Some(t) => writeln!(text, "Initial values from {}", t.display()),
        None if network.with_bias(Bias::None) == class => {
            writeln!(text, "Initial values from the {}", template::EMBEDDED_NAME)
        }
        None => writeln!(
            text,
            "Initial values: the {} network's defaults (see `backprop-sheet template --help`)",
            network.with_bias(Bias::None)
        ),
    };
    if network != class {
        let _ = writeln!(text, "Network: {network}");
    }
    if let (Some(t), Some((rates, at)), None) = (template, &found.learning_rates, &over.learning_rates) {
        let rates: Vec<String> = rates.iter().map(|r| crate::layout::rate_text(*r)).collect();
        let _ = writeln!(text, "Learning rate η = {} from {}, {at}", rates.join(", "), t.display());
    }
    let _ = writeln!(text);
    let checked = summaries.iter().any(|s| s.fd_max.is_some());
    let _ = writeln!(
        text,
        "{:>8}  {:>22}  {:>22}{}",
        "η",
        "E_total, iteration 1",
        format!("E_total, iteration {iterations}"),
        if checked { "  largest FD rel diff" } else { "" }
    );
    for s in summaries {
        let note = match s.diverged_at {
            Some(i) => format!("diverged at iteration {i}: #NUM! from there on"),
            None => String::new(),
        };
        let fd = s.fd_max.map_or(String::new(), |x| match crate::expr::CellError::of(x) {
            Some(e) => format!("  {:>19}", e.text()),
            None => format!("  {x:>19.3e}"),
        });
        let line = format!(
            "{:>8}  {:>22}  {:>22}{fd}  {note}",
            crate::layout::rate_text(s.eta),
            fmt(s.first_error),
            fmt(s.final_error)
        );
        let _ = writeln!(text, "{}", line.trim_end());
    }
    let _ = writeln!(text);
    let sheets = plural(summaries.len(), "sheet", "sheets");
    let iterations_word = plural(iterations, "iteration", "iterations");
    let _ = writeln!(
        text,
        "Wrote {} (Summary + {} {sheets} of {iterations} {iterations_word})",
        out.display(),
        summaries.len()
    );
    text
}

fn fmt(x: f64) -> String {
    match crate::expr::CellError::of(x) {
        Some(e) => e.text().to_string(),
        None => format!("{x:.12}"),
    }
}

/// The report of `check` as a person reads it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.file);
    if let Some(why) = &report.values_computed {
        let _ = writeln!(out, "values computed here: {why}");
    }
    for t in &report.tables {
        let eta = t.eta.map_or("unknown".to_string(), |e| e.to_string());
        let _ = writeln!(out);
        // The class's network goes without saying; another is named.
        let network = if t.network == crate::network::Network::default().to_string() {
            String::new()
        } else {
            format!(" (network {})", t.network)
        };
        let _ = writeln!(
            out,
            "sheet '{}', table at {}{network}: {} {}, η = {eta} ({})",
            t.sheet,
            t.at,
            t.iterations,
            plural(t.iterations, "iteration", "iterations"),
            t.eta_source
        );
        match t.status {
            Status::NothingToCheck => {
                let _ = writeln!(out, "  NOTHING TO CHECK YET: only the typed first row, no computed cell");
            }
            Status::Pass => {
                let _ = writeln!(out, "  PASS: {} computed cells checked, 0 wrong", t.checked_cells);
            }
            Status::Fail => {
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
        let mut shown = 0;
        for (k, w) in t.wrong_columns.iter().enumerate() {
            if k < shown {
                continue;
            }
            // A slip of a whole row (a deleted row, a missing iteration) is one line, not one a column.
            let row_wide =
                matches!(w.diagnosis.mistakes.as_slice(), ["deleted-reference" | "missing-iteration" | "row-repeated"]);
            let same = t.wrong_columns[k..]
                .iter()
                .take_while(|o| row_wide && o.diagnosis == w.diagnosis && o.iteration == w.iteration)
                .count()
                .max(1);
            shown = k + same;
            if same > 1 {
                let group = &t.wrong_columns[k..shown];
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
                diagnosis_line(&mut out, &w.diagnosis);
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
            diagnosis_line(&mut out, &w.diagnosis);
            if let Some(f) = &w.formula_found {
                let _ = writeln!(out, "           formula:   {f}");
            }
            let _ = writeln!(out, "           correct:   {}", w.formula_correct);
        }
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
            let _ =
                writeln!(out, "  final E_total: {shown} shown; {correct} with correct arithmetic from the first row");
        }
    }
    out
}

fn diagnosis_line(out: &mut String, d: &crate::check::Diagnosis) {
    let _ = writeln!(out, "           diagnosis: {} ({})", d.mistakes.join(" + "), d.explanation);
}

/// A count's noun in the right number: "1 iteration", "2 iterations".
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// One workbook of many: its line (file, verdict, tables, wrong cells, the mistakes named or why
/// it is unusable), padded to `width`, and its report after it with `detail`.
pub fn class_line(outcome: &crate::class::Outcome, width: usize, detail: bool) -> String {
    use crate::class::Outcome;
    let what = match outcome {
        Outcome::Checked(r) => {
            let (tables, wrong) = (r.tables.len(), r.wrong_cells());
            let mistakes = r.mistakes();
            let named = if mistakes.is_empty() { String::new() } else { format!("  {}", mistakes.join(", ")) };
            format!(
                "{tables} {}, {wrong} wrong {}{named}",
                plural(tables, "table", "tables"),
                plural(wrong, "cell", "cells")
            )
        }
        Outcome::Unusable { error, .. } => error.clone(),
    };
    let line = format!("{:<width$}  {:<16}  {what}", outcome.file(), outcome.verdict());
    let mut text = format!("{}\n", line.trim_end());
    if let (true, Outcome::Checked(r)) = (detail, outcome) {
        let _ = writeln!(text, "{}", render(r));
    }
    text
}

/// The totals of a class, by verdict.
pub fn class_totals<'a>(verdicts: impl Iterator<Item = &'a str> + Clone) -> String {
    let count = |v: &str| verdicts.clone().filter(|x| *x == v).count();
    let n = verdicts.clone().count();
    format!(
        "\n{n} {}: {} pass, {} fail, {} nothing to check, {} unusable\n",
        plural(n, "workbook", "workbooks"),
        count("PASS"),
        count("FAIL"),
        count("NOTHING TO CHECK"),
        count("UNUSABLE")
    )
}
