//! A grade out of the checker's findings. The checker already judges every cell from its own
//! inputs, so a slip is found once, where it is made; the rubric turns those findings into
//! points part by part of the assignment, counting distinct mistakes rather than wrong cells: a
//! formula filled down wrong is one mistake however long the table, and a cell wrong only
//! because a cell it reads is wrong was never reported. Teachers change the weights, not the
//! code: the rubric is a TOML file, and the default is that file's text.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::report::{TableReport, WrongColumn};
pub(crate) use super::score::{Deduction, Fix, PartScore, Score};
use crate::error::Error;
use crate::model::columns::{Col, Columns};

/// The default rubric, as `backprop-sheet rubric --out` writes it: what a teacher edits.
pub(crate) const DEFAULT: &str = r#"# The rubric `backprop-sheet check --rubric FILE` grades by. Each [[part]] gives points to
# a part of the assignment. Parts that cover columns are scored by their distinct mistakes:
# a mistake found in most rows of a column costs `mistake` of the part's points, an isolated
# slip (a cell or a few) costs `slip` of them; a part never goes below 0. A cell wrong only
# because a cell it reads is wrong costs nothing. A column the network cannot have (the
# weights into h2 without an h2) is left out of the maximum.
#
# covers: forward (targets, inputs, h, a_h, o, a_o), errors (E1.., E_total),
# output-gradients, hidden-gradients, updates (the weights, biases and an optimizer's state),
# columns (the `columns` listed by name: "dw3", "a_h2"), learning-rates (a table for each of
# `rates`), iterations (each table `iterations` rows long at least), charts (a loss chart for
# each of `rates`: a chart whose series reads that table's E_total).

[[part]]
name = "forward pass"
covers = "forward"
points = 20
mistake = 1.0
slip = 0.25

[[part]]
name = "errors"
covers = "errors"
points = 10
mistake = 1.0
slip = 0.25

[[part]]
name = "output layer gradients"
covers = "output-gradients"
points = 15
mistake = 1.0
slip = 0.25

[[part]]
name = "hidden layer gradients"
covers = "hidden-gradients"
points = 20
mistake = 1.0
slip = 0.25

[[part]]
name = "weight updates"
covers = "updates"
points = 15
mistake = 1.0
slip = 0.25

[[part]]
name = "learning rates"
covers = "learning-rates"
points = 10
rates = [0.1, 0.2, 0.5, 0.8, 1, 2]

[[part]]
name = "iterations"
covers = "iterations"
points = 5
iterations = 100

[[part]]
name = "loss charts"
covers = "charts"
points = 5
rates = [0.1, 0.2, 0.5, 0.8, 1, 2]
"#;

/// What a part of the rubric gives its points for.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Covers {
    Forward,
    Errors,
    OutputGradients,
    HiddenGradients,
    Updates,
    Columns,
    LearningRates,
    Iterations,
    Charts,
}

/// One part of a rubric, as its file writes it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Part {
    pub name: String,
    pub covers: Covers,
    pub points: f64,
    /// The share of the points a mistake made in most rows of a column costs.
    #[serde(default = "whole")]
    pub mistake: f64,
    /// The share an isolated slip costs.
    #[serde(default = "quarter")]
    pub slip: f64,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub rates: Vec<f64>,
    #[serde(default)]
    pub iterations: Option<usize>,
}

fn whole() -> f64 {
    1.0
}

fn quarter() -> f64 {
    0.25
}

/// A rubric: its parts, in the order the report lists them.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    #[serde(rename = "part")]
    parts: Vec<Part>,
}

impl Default for Rubric {
    fn default() -> Rubric {
        Rubric::parse(DEFAULT).expect("the default rubric parses")
    }
}

impl Rubric {
    /// The default rubric, parsed once.
    pub(crate) fn standard() -> &'static Rubric {
        static DEFAULT_RUBRIC: std::sync::OnceLock<Rubric> = std::sync::OnceLock::new();
        DEFAULT_RUBRIC.get_or_init(Rubric::default)
    }

    /// Reads a rubric file; a bad one is refused naming its line and what is wrong there.
    pub fn read(path: &Path) -> Result<Rubric, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { file: path.to_path_buf() },
            _ => Error::Unreadable { file: path.to_path_buf(), detail: crate::error::io_reason(&e) },
        })?;
        Rubric::parse(&text).map_err(|(line, what)| Error::Rubric { file: path.to_path_buf(), line, what })
    }

    /// Parses a rubric's text: the line (from 1) and what is wrong there when it cannot be used.
    fn parse(text: &str) -> Result<Rubric, (usize, String)> {
        let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
        let rubric: Rubric = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(s.start));
            (line, e.message().trim().to_string())
        })?;
        // The line of the n-th part, for the checks serde cannot make.
        let part_line = |n: usize| text.match_indices("[[part]]").nth(n).map_or(1, |(at, _)| line_of(at));
        if rubric.parts.is_empty() {
            return Err((1, "no [[part]]: a rubric gives its points in parts".into()));
        }
        for (n, p) in rubric.parts.iter().enumerate() {
            let bad = |what: String| Err((part_line(n), format!("part `{}`: {what}", p.name)));
            if !(p.points.is_finite() && p.points >= 0.0) {
                return bad(format!("points = {} must be a number >= 0", p.points));
            }
            for (key, share) in [("mistake", p.mistake), ("slip", p.slip)] {
                if !(0.0..=1.0).contains(&share) {
                    return bad(format!("{key} = {share} must be a share of the points, from 0 to 1"));
                }
            }
            match p.covers {
                Covers::Columns if p.columns.is_empty() => return bad("covers columns but lists no `columns`".into()),
                Covers::LearningRates | Covers::Charts if p.rates.is_empty() => {
                    return bad("lists no `rates`".into());
                }
                Covers::Iterations if p.iterations.is_none() => return bad("gives no `iterations`".into()),
                _ => {}
            }
            if let Some(name) = p.columns.iter().find(|c| Col::from_name(c).is_none()) {
                return bad(format!(
                    "`{name}` is not a column name (t1, i1, w1, h1, a_h1, o1, a_o1, E1, E_total, dw1)"
                ));
            }
            if let Some(rate) = p.rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
                return bad(format!("the learning rate {rate} is not a number > 0"));
            }
        }
        Ok(rubric)
    }

    /// The score of a workbook's tables (at least one).
    pub(crate) fn score(&self, tables: &[TableReport]) -> Score {
        let parts: Vec<PartScore> = self.parts.iter().filter_map(|p| p.score(tables)).collect();
        let points = round(parts.iter().map(|p| p.points).sum());
        let max_points = round(parts.iter().map(|p| p.max_points).sum());
        Score { points, max_points, parts }
    }
}

/// Points to a hundredth: a third of a part is 3.33, and sums do not show 0.1 + 0.2's digits.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Part {
    /// This part's columns in a network's sheet.
    fn cols(&self, columns: &Columns) -> Vec<Col> {
        let network = columns.network;
        let layer = |c: &Col, l: u8| match *c {
            Col::Dw(n) => network.link(n).layer == l,
            Col::Db(n) => n == l,
            _ => false,
        };
        columns
            .all()
            .iter()
            .copied()
            .filter(|c| match self.covers {
                Covers::Forward => {
                    matches!(c, Col::T(_) | Col::I(_) | Col::H(_) | Col::AH(_) | Col::O(_) | Col::AO(_))
                        || matches!(c, Col::Exp(_) | Col::ExpSum)
                }
                Covers::Errors => matches!(c, Col::E(_) | Col::ETotal),
                Covers::OutputGradients => layer(c, 2),
                Covers::HiddenGradients => layer(c, 1),
                Covers::Updates => matches!(
                    c,
                    Col::W(_)
                        | Col::B(_)
                        | Col::MW(_)
                        | Col::MB(_)
                        | Col::VW(_)
                        | Col::VB(_)
                        | Col::Beta1T
                        | Col::Beta2T
                ),
                Covers::Columns => self.columns.iter().any(|n| Col::from_name(n) == Some(*c)),
                Covers::LearningRates | Covers::Iterations | Covers::Charts => false,
            })
            .collect()
    }

    /// The part's score, or None when no table has anything it covers.
    fn score(&self, tables: &[TableReport]) -> Option<PartScore> {
        let deductions = match self.covers {
            Covers::LearningRates => self.rates_missing(tables, |_| true, "no table with η = {rate}"),
            Covers::Charts => self.rates_missing(tables, |t| t.charted, "no loss chart of the table with η = {rate}"),
            Covers::Iterations => self.short_tables(tables),
            _ => self.mistakes(tables)?,
        };
        // Summed before rounding: six sixths of a part are the whole part.
        let lost: f64 = deductions.iter().map(|d| d.points).sum();
        let deductions = deductions.into_iter().map(|d| Deduction { points: round(d.points), ..d }).collect();
        Some(PartScore {
            name: self.name.clone(),
            points: round((self.points - lost).max(0.0)),
            max_points: self.points,
            deductions,
        })
    }

    /// A deduction of an equal share for each rate asked for that no table shows `with`.
    fn rates_missing(&self, tables: &[TableReport], with: impl Fn(&TableReport) -> bool, why: &str) -> Vec<Deduction> {
        let share = self.points / self.rates.len() as f64;
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        self.rates
            .iter()
            .filter(|&&rate| !tables.iter().any(|t| t.eta.is_some_and(|e| same(e, rate)) && with(t)))
            .map(|rate| Deduction {
                points: share,
                reason: why.replace("{rate}", &rate.to_string()),
                fixes: Vec::new(),
            })
            .collect()
    }

    /// A deduction of an equal share for each table shorter than the iterations asked for.
    fn short_tables(&self, tables: &[TableReport]) -> Vec<Deduction> {
        let asked = self.iterations.unwrap_or(0);
        let share = self.points / tables.len().max(1) as f64;
        tables
            .iter()
            .filter(|t| t.iterations < asked)
            .map(|t| Deduction {
                points: share,
                reason: format!(
                    "sheet '{}', table at {}: {} iterations of the {asked} asked for",
                    t.sheet, t.at, t.iterations
                ),
                fixes: Vec::new(),
            })
            .collect()
    }

    /// The deductions for the distinct mistakes in the part's columns, each counted once over
    /// every table, and for what the part lacks; None when no table's network has its columns.
    fn mistakes(&self, tables: &[TableReport]) -> Option<Vec<Deduction>> {
        if tables.iter().all(|t| self.cols(t.columns).is_empty()) {
            return None;
        }
        let mut found: Vec<Found> = Vec::new();
        let mut deductions = Vec::new();
        for t in tables {
            let cols = self.cols(t.columns);
            if cols.is_empty() {
                continue;
            }
            for w in t.wrong_columns.iter().filter(|w| cols.contains(&w.col)) {
                let everywhere = in_most_rows(t, w);
                let keys = w.diagnosis.keys();
                let at = format!("{} {}", w.column, w.cells);
                let fix = Fix {
                    sheet: t.sheet.clone(),
                    cell: w.first_wrong_cell.clone(),
                    found: w.found.to_string(),
                    correct_formula: t
                        .cells
                        .iter()
                        .find(|c| c.cell == w.first_wrong_cell)
                        .map_or_else(|| w.formula_correct.clone(), |c| c.correct_formula.clone()),
                };
                match found.iter_mut().find(|f| f.keys == keys) {
                    Some(f) => {
                        f.most |= everywhere;
                        if !f.cells.contains(&at) {
                            f.cells.push(at);
                        }
                        if !f.sheets.contains(&t.sheet) {
                            f.sheets.push(t.sheet.clone());
                        }
                        f.fixes.push(fix);
                    }
                    None => found.push(Found {
                        keys,
                        most: everywhere,
                        cells: vec![at],
                        sheets: vec![t.sheet.clone()],
                        explanation: w.diagnosis.explanation.clone(),
                        fixes: vec![fix],
                    }),
                }
            }
            let lacking: Vec<&Col> = cols.iter().filter(|c| t.missing.contains(c)).collect();
            let done = t.verdict != super::Verdict::NothingToCheck;
            if !done || !lacking.is_empty() {
                let share = if done { lacking.len() as f64 / cols.len() as f64 } else { 1.0 };
                let what = match done {
                    false => "only the typed first row".to_string(),
                    true => {
                        let names: Vec<String> = lacking.iter().map(|c| c.header()).collect();
                        format!("{} missing or left empty", names.join(" "))
                    }
                };
                deductions.push(Deduction {
                    points: self.points * share * self.mistake,
                    reason: format!("sheet '{}', table at {}: {what}", t.sheet, t.at),
                    fixes: Vec::new(),
                });
            }
        }
        for Found { keys, most, cells, sheets, explanation, fixes } in found {
            let (share, how) = if most { (self.mistake, "in most rows") } else { (self.slip, "a slip") };
            let shown: Vec<&str> = cells.iter().take(4).map(String::as_str).collect();
            let more = if cells.len() > 4 { format!(" and {} more", cells.len() - 4) } else { String::new() };
            let more = match sheets.len() {
                1 => format!("{more} on sheet '{}'", sheets[0]),
                n => format!("{more} on {n} sheets"),
            };
            deductions.push(Deduction {
                points: self.points * share,
                reason: format!("{keys}, {how} ({}{more}): {explanation}", shown.join(", ")),
                fixes,
            });
        }
        Some(deductions)
    }
}

/// One mistake (the keys of a diagnosis) over a workbook's tables: whether it is in most rows
/// somewhere, the columns' cells and the sheets it is in, what it is, and the cells to correct.
struct Found {
    keys: String,
    most: bool,
    cells: Vec<String>,
    sheets: Vec<String>,
    explanation: String,
    fixes: Vec<Fix>,
}

/// Whether a wrong column's mistake is in most of its rows (a formula filled down wrong) rather
/// than a slip in a few cells. A weight's first row is typed, so it has one row fewer to get wrong.
fn in_most_rows(t: &TableReport, w: &WrongColumn) -> bool {
    let typed_first = t.columns.trained().any(|(p, _)| p == w.col) || t.columns.is_input(w.col);
    let rows = t.iterations.saturating_sub(usize::from(typed_first)).max(1);
    2 * w.wrong_cells >= rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rubric_gives_100_points_in_eight_parts() {
        let rubric = Rubric::standard();
        assert_eq!(rubric.parts.len(), 8);
        assert_eq!(rubric.parts.iter().map(|p| p.points).sum::<f64>(), 100.0);
    }

    #[test]
    fn a_bad_rubric_names_its_line() {
        let text = "[[part]]\nname = \"forward\"\ncovers = \"forward\"\npoints = \"ten\"\n";
        assert_eq!(Rubric::parse(text).unwrap_err(), (4, "invalid type: string \"ten\", expected f64".to_string()));
        let text = "[[part]]\nname = \"a\"\ncovers = \"errors\"\npoints = 1\n\n[[part]]\nname = \"b\"\ncovers = \"errors\"\npoints = 1\nslip = 2\n";
        assert_eq!(
            Rubric::parse(text).unwrap_err(),
            (6, "part `b`: slip = 2 must be a share of the points, from 0 to 1".to_string())
        );
        let text = "[[part]]\nname = \"a\"\ncovers = \"backward\"\npoints = 1\n";
        let (line, what) = Rubric::parse(text).unwrap_err();
        assert_eq!(line, 3);
        assert_eq!(
            what,
            "unknown variant `backward`, expected one of `forward`, `errors`, `output-gradients`, `hidden-gradients`, `updates`, `columns`, `learning-rates`, `iterations`, `charts`"
        );
        let text = "[[part]]\nname = \"h2\"\ncovers = \"columns\"\npoints = 1\ncolumns = [\"dw3\", \"zz\"]\n";
        assert_eq!(
            Rubric::parse(text).unwrap_err(),
            (1, "part `h2`: `zz` is not a column name (t1, i1, w1, h1, a_h1, o1, a_o1, E1, E_total, dw1)".to_string())
        );
    }
}
