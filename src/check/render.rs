//! The report as a person reads it in a terminal.

use std::fmt::Write;

use super::{Report, Status};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.file);
    if let Some(why) = &report.values_computed {
        let _ = writeln!(out, "values computed here: {why}");
    }
    for t in &report.tables {
        let eta = t.eta.map_or("unknown".to_string(), |e| e.to_string());
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "sheet '{}', table at {}: {} {}, η = {eta} ({})",
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
                let _ = writeln!(
                    out,
                    "           diagnosis: {} ({})",
                    w.diagnosis.mistakes.join(" + "),
                    w.diagnosis.explanation
                );
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
            let _ = writeln!(
                out,
                "           diagnosis: {} ({})",
                w.diagnosis.mistakes.join(" + "),
                w.diagnosis.explanation
            );
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

/// A count's noun in the right number: "1 iteration", "2 iterations".
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
