//! The write-up a student hands in beside the workbook: a README with the network, the
//! derivation of iteration 1 with its numbers, the first and last iterations of every learning
//! rate, and the pictures (the network drawn, the loss curves), as files.
//!
//! It is computed as the workbook is: the engine's rows from the same column definitions, and the
//! curves sampled at the iterations the workbook's charts plot ([`Curve`]), so the write-up and
//! the workbook cannot disagree. Everything is made in memory and handed back as files for the
//! command line to write: nothing here touches the file system.

mod charts;
mod derivation;
mod diagram;
mod markdown;
mod png;

use crate::error::Failure;
use crate::generate::layout::rate_text;
use crate::generate::writer::Curve;
use crate::model::columns::{Col, Formulas};
use crate::model::engine::{Params, Row, rows};
use crate::model::expr;
use crate::model::mistakes::Mistake;

/// The significant digits every number of the write-up is printed with: Mazur's, enough to tell
/// two iterations apart; the workbook holds them all.
pub(crate) const DIGITS: usize = 9;

/// What to write beyond the run's parameters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// Also the derivation of the sheet with this mistake written in, marked where it is wrong.
    pub mistake: Option<&'static Mistake>,
    /// Each derived gradient beside its finite difference with this step ε.
    pub gradient_check: Option<f64>,
    /// A PNG of this width beside each SVG.
    pub png_width: Option<u32>,
    /// Learning rates computed at once.
    pub workers: usize,
}

/// A file of the write-up: its name in the output folder and its bytes.
pub(crate) struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The names of the files a run writes, known before anything is computed, so that every
/// destination can be checked first.
pub(crate) fn file_names(params: &Params, options: &Options) -> Vec<String> {
    let mut svgs = vec!["network".to_string(), "loss".to_string()];
    svgs.extend(params.learning_rates.iter().map(|&eta| loss_name(eta)));
    let mut names = vec!["README.md".to_string()];
    for svg in svgs {
        names.push(format!("{svg}.svg"));
        if options.png_width.is_some() {
            names.push(format!("{svg}.png"));
        }
    }
    names
}

fn loss_name(eta: f64) -> String {
    format!("loss-{}", rate_text(eta))
}

/// One learning rate's run, as the write-up keeps it: the rows its table shows, the points its
/// curve plots, and where it first held an error.
pub(crate) struct Run {
    pub eta: f64,
    /// The first [`TABLE_FIRST`] rows and the last, by iteration.
    pub table: Vec<(usize, Row)>,
    /// E_total at each iteration the workbook's charts plot.
    pub curve: Vec<(usize, f64)>,
    pub diverged_at: Option<usize>,
}

/// How many of the first iterations the table shows before the last; the derivation reads the
/// first two of them.
const TABLE_FIRST: usize = 3;
const _: () = assert!(TABLE_FIRST >= 2);

impl Run {
    /// Streams one learning rate's rows through the engine, keeping only what the write-up
    /// shows: memory does not grow with the iterations beyond the chart's thousand points.
    fn compute(params: &Params, eta: f64, formulas: &Formulas, curve: &Curve) -> Run {
        let mut run = Run { eta, table: Vec::new(), curve: Vec::new(), diverged_at: None };
        let last = params.iterations;
        for (k, row) in rows(&params.inputs, eta, last, formulas).enumerate() {
            let iteration = k + 1;
            let e = row.get(Col::ETotal);
            if curve.includes(iteration) {
                run.curve.push((iteration, e));
            }
            if run.diverged_at.is_none() && row.values.iter().any(|v| expr::is_error(*v)) {
                run.diverged_at = Some(iteration);
            }
            if iteration <= TABLE_FIRST || iteration == last {
                run.table.push((iteration, row));
            }
        }
        run
    }

    /// Iterations 1 and 2, which the derivation reads (1 twice when the run has one).
    pub(crate) fn first_two(&self) -> [&Row; 2] {
        let row = |iteration: usize| self.table.iter().find(|(i, _)| *i == iteration).map(|(_, r)| r);
        let first = row(1).expect("every run has iteration 1");
        [first, row(2).unwrap_or(first)]
    }

    pub(crate) fn last(&self) -> &Row {
        &self.table.last().expect("every run has a row").1
    }
}

/// Makes every file of the write-up. `command` is the command line that made it, for the line
/// that says so.
pub(crate) fn render(params: &Params, options: &Options, command: &str) -> Result<Vec<File>, Failure> {
    let columns = params.inputs.columns();
    let formulas = columns.formulas();
    let curve = Curve::new(params.iterations);
    let rates = &params.learning_rates;
    let mut runs = Vec::with_capacity(rates.len());
    crate::sys::parallel::run_ordered(
        rates.len(),
        options.workers,
        |k| Run::compute(params, rates[k], formulas, &curve),
        |_, run| {
            runs.push(run);
            true
        },
    );
    let mistaken = options.mistake.map(|m| {
        let formulas = m.formulas(columns);
        let run = Run::compute(params, rates[0], &formulas, &curve);
        (m, formulas, run)
    });
    let mistake = mistaken.as_ref().map(|(m, f, run)| markdown::MistakeSheet { mistake: m, formulas: f, run });
    let readme = markdown::readme(params, &runs, mistake, options.gradient_check, command);
    let mut svgs =
        vec![("network".to_string(), diagram::svg(&params.inputs)?), ("loss".to_string(), charts::all(&runs)?)];
    for (k, run) in runs.iter().enumerate() {
        svgs.push((loss_name(run.eta), charts::one(&runs, k)?));
    }
    let mut files = vec![File { name: "README.md".into(), bytes: readme.into_bytes() }];
    for (name, svg) in svgs {
        let png = options.png_width.map(|width| png::render(&svg, width)).transpose()?;
        files.push(File { name: format!("{name}.svg"), bytes: svg.into_bytes() });
        if let Some(bytes) = png {
            files.push(File { name: format!("{name}.png"), bytes });
        }
    }
    Ok(files)
}

/// A value as the write-up prints it: [`DIGITS`] significant digits without trailing zeros, in
/// plain decimals from 0.0001 to a million and with an exponent beyond; a spreadsheet error as
/// its text.
pub(crate) fn number(x: f64) -> String {
    if let Some(e) = expr::CellError::of(x) {
        return e.text().to_string();
    }
    if x == 0.0 {
        return "0".into();
    }
    let scientific = format!("{:.*e}", DIGITS - 1, x);
    let (mantissa, exponent) = scientific.split_once('e').expect("an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    let (sign, digits) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = digits.chars().filter(char::is_ascii_digit).collect();
    let trimmed =
        |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if !(-4..6).contains(&exponent) {
        let (int, frac) = digits.split_at(1);
        return format!("{sign}{}e{exponent}", trimmed(format!("{int}.{frac}")));
    }
    let text = if exponent < 0 {
        format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
    } else {
        let (int, frac) = digits.split_at(exponent as usize + 1);
        format!("{int}.{frac}")
    };
    format!("{sign}{}", trimmed(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_printed_to_nine_significant_digits() {
        let cases = [
            (0.298371108760003, "0.298371109"),
            (0.3589164797178847, "0.35891648"),
            (0.027500000000000004, "0.0275"),
            (-0.2170715349, "-0.217071535"),
            (0.0001882556669401121, "0.000188255667"),
            (3.5102e-5, "3.5102e-5"),
            (0.4, "0.4"),
            (1.0, "1"),
            (123456.7891, "123456.789"),
            (2e7, "2e7"),
            (0.0, "0"),
            (expr::ERROR, "#NUM!"),
        ];
        for (x, text) in cases {
            assert_eq!(number(x), text, "{x}");
        }
    }
}
