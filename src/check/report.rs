//! What a check found, as the terminal, `--json`, the class summary and the marked copies read
//! it: per table its verdict, every wrong cell, the wrong cells grouped by column and diagnosis,
//! and what could not be checked.

use serde::Serialize;

use super::diagnose::Diagnosis;
use super::score::Score;
use super::verdict::{Key, SheetKey, Verdict};
use crate::model::columns::{Col, Columns};
use crate::model::expr::CellError;
use crate::model::variant::Stamp;
use crate::reader::Pos;

/// A cell's content as reported: a number, a spreadsheet error, or text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Error(String),
    Text(String),
}

impl Value {
    pub fn of(x: f64) -> Value {
        match CellError::of(x) {
            Some(e) => Value::Error(e.text().into()),
            None => Value::Number(x),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Error(e) | Value::Text(e) => f.write_str(e),
        }
    }
}

/// One wrong cell.
#[derive(Clone, Debug, Serialize)]
pub struct WrongCell {
    pub cell: String,
    pub column: String,
    pub iteration: usize,
    pub expected: Value,
    pub found: Value,
    pub diagnosis: Diagnosis,
    /// The correct formula in this sheet's own references: what belongs in the cell.
    pub correct_formula: String,
}

/// The wrong cells of one column that share one diagnosis: a column with two different slips
/// appears once for each.
#[derive(Clone, Debug, Serialize)]
pub struct WrongColumn {
    /// The column, for the rubric to place it in its part; its header is what is printed.
    #[serde(skip)]
    pub col: Col,
    pub column: String,
    pub first_wrong_cell: String,
    pub iteration: usize,
    pub expected: Value,
    pub found: Value,
    pub wrong_cells: usize,
    /// The wrong cells, runs of rows as ranges: `Z33:Z100`, `G35, G40:G60`.
    pub cells: String,
    pub diagnosis: Diagnosis,
    /// The first wrong cell's formula, with its references written as column names.
    pub formula_found: Option<String>,
    pub formula_correct: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    /// The network's worksheet, for the rubric: which parts it has.
    #[serde(skip)]
    pub columns: &'static Columns,
    pub sheet: String,
    /// The top-left cell of the header row.
    pub at: String,
    /// The network its headers name (`2-2-2`, `2-3-2 with trained biases`), and what its
    /// formulas train it with when that is not the class's (`2-2-2, tanh everywhere, squared
    /// error, Adam (β1 = 0.8, β2 = 0.999, δ = 1e-8)`).
    pub network: String,
    pub iterations: usize,
    pub eta: Option<f64>,
    pub eta_source: String,
    /// How the columns its headers do not name were identified from their formulas: "column C,
    /// headed `i2`, computes as t2: read as t2".
    pub identified: Vec<String>,
    /// Named `status` in JSON, as scripts have read it since before there were five verdicts.
    #[serde(rename = "status")]
    pub verdict: Verdict,
    pub checked_cells: usize,
    pub wrong_cells: usize,
    pub wrong_columns: Vec<WrongColumn>,
    /// Every wrong cell, in sheet order.
    pub cells: Vec<WrongCell>,
    /// Cells that hold a typed number where the table's formulas are, right by value, as ranges.
    pub typed_over: Vec<String>,
    /// The first of those typed numbers, as typed: how a student rounded is a trait of theirs.
    #[serde(skip)]
    pub typed_numbers: Vec<(Pos, f64)>,
    /// Columns of the class layout the table lacks, or could not be checked, and why.
    pub not_checked: Vec<String>,
    pub final_e_total_shown: Option<Value>,
    /// What the table would reach from its first row with correct arithmetic.
    pub final_e_total_correct: Option<Value>,
    /// Whether a chart of the workbook plots this table's E_total (directly, or through cells
    /// that only link to it): the assignment's loss graph.
    pub charted: bool,
    /// The columns of the network the table lacks or left empty, for the rubric.
    #[serde(skip)]
    pub missing: Vec<Col>,
    /// The typed first row, which a class run holds to the values issued to the student.
    #[serde(skip)]
    pub first_row: FirstRow,
}

/// A table's typed first row: each typed cell's number, by name in the columns' order (none
/// where the cell holds no number).
pub(crate) type FirstRow = Vec<(Col, Pos, Option<f64>)>;

/// The values a table's first row was issued to hold, and to whom, as a class run found them.
pub(crate) struct Issued<'a> {
    /// `student 456 (John Doe)`.
    pub(crate) to: &'a str,
    /// The value issued by name (`w1`); None where nothing was issued under that name.
    pub value: &'a dyn Fn(&str) -> Option<f64>,
    /// Whose values the first row holds, when they are another student's.
    pub whose: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub file: String,
    /// Every table's verdict taken together.
    pub verdict: Verdict,
    /// Why the values checked were computed here from the formulas, when they were.
    pub values_computed: Option<String>,
    pub tables: Vec<TableReport>,
    /// The grade by the rubric: `score`, `max_score` and `parts` in JSON, beside the verdict.
    #[serde(flatten)]
    pub score: Score,
    /// The stamp of the workbook's document properties, by which a class run finds its student.
    #[serde(skip)]
    pub stamp: Stamp,
}

impl Report {
    pub(crate) fn new(file: String, values_computed: Option<String>, tables: Vec<TableReport>, score: Score) -> Report {
        let verdict = Verdict::of_all(tables.iter().map(|t| t.verdict));
        Report { file, verdict, values_computed, tables, score, stamp: Stamp::default() }
    }

    /// Holds each table's first row to the values issued to the student: a row that differs
    /// is an `other-inputs` finding on its differing cells, naming whose values they are when
    /// they are another student's; the caller scores it again. The rest of the table
    /// was checked against the row as found, so a copied workbook is otherwise right; this is
    /// what tells it.
    pub(crate) fn hold_to(&mut self, issued: &Issued<'_>, whose: impl Fn(&TableReport) -> Option<String>) {
        for table in &mut self.tables {
            let other = whose(table);
            table.hold_to(&Issued { whose: other.as_deref(), ..*issued });
        }
        self.verdict = Verdict::of_all(self.tables.iter().map(|t| t.verdict));
    }

    /// A finding that the values could not be held to anyone's: said as not checked, never
    /// passed over.
    pub(crate) fn not_held(&mut self, why: &str) {
        for table in &mut self.tables {
            table.not_checked.push(why.to_string());
            if matches!(table.verdict, Verdict::Pass | Verdict::NothingToCheck) {
                table.verdict = Verdict::Incomplete;
            }
        }
        self.verdict = Verdict::of_all(self.tables.iter().map(|t| t.verdict));
    }

    /// The mistakes named anywhere in the workbook, each once, in the order first met.
    pub fn mistakes(&self) -> Vec<Key> {
        let mut keys = Vec::new();
        for w in self.tables.iter().flat_map(|t| &t.wrong_columns) {
            for k in &w.diagnosis.mistakes {
                if !keys.contains(k) {
                    keys.push(*k);
                }
            }
        }
        keys
    }

    /// What the INCOMPLETE tables lack or left unchecked, each item under its sheet's name when
    /// there are several tables: the class line and the summary say it beside the verdict.
    pub fn unchecked(&self) -> Vec<String> {
        let several = self.tables.len() > 1;
        let incomplete = self.tables.iter().filter(|t| t.verdict == Verdict::Incomplete);
        incomplete
            .flat_map(|t| {
                t.not_checked
                    .iter()
                    .map(move |n| if several { format!("'{}' {}: {n}", t.sheet, t.at) } else { n.clone() })
            })
            .collect()
    }

    pub fn wrong_cells(&self) -> usize {
        self.tables.iter().map(|t| t.wrong_cells).sum()
    }
}

impl TableReport {
    fn hold_to(&mut self, issued: &Issued<'_>) {
        let differ: Vec<(Col, Pos, f64, Option<f64>)> = self
            .first_row
            .iter()
            .filter_map(|&(col, at, found)| {
                let found = found?;
                let assigned = (issued.value)(&col.name());
                (assigned != Some(found)).then_some((col, at, found, assigned))
            })
            .collect();
        let Some(&(col, at, found, assigned)) = differ.first() else { return };
        let number = |v: Option<f64>| v.map_or(Value::Text("nothing issued".into()), Value::Number);
        let explanation = match issued.whose {
            Some(whose) => {
                format!("the first row holds the initial values of {whose}, not those issued to {}", issued.to)
            }
            None => {
                let cells: Vec<String> = differ
                    .iter()
                    .map(|(c, at, found, assigned)| match assigned {
                        Some(a) => format!("{} at {} is {found} where {a} was issued", c.name(), at.a1()),
                        None => format!("{} at {} is {found} where nothing was issued", c.name(), at.a1()),
                    })
                    .collect();
                format!("not the assigned values of {}: {}", issued.to, cells.join("; "))
            }
        };
        let diagnosis = Diagnosis::new(SheetKey::OtherInputs, explanation);
        let wrong: Vec<WrongCell> = differ
            .iter()
            .map(|&(c, at, found, assigned)| WrongCell {
                cell: at.a1(),
                column: c.header(),
                iteration: 1,
                expected: number(assigned),
                found: Value::Number(found),
                diagnosis: diagnosis.clone(),
                correct_formula: assigned.map_or(String::new(), |a| a.to_string()),
            })
            .collect();
        let issued_row: Vec<String> = self
            .first_row
            .iter()
            .map(|(c, ..)| {
                (issued.value)(&c.name()).map_or(format!("{} none", c.name()), |v| format!("{} = {v}", c.name()))
            })
            .collect();
        let positions: Vec<Pos> = differ.iter().map(|d| d.1).collect();
        self.wrong_columns.insert(
            0,
            // Placed in the first differing cell's column, so that the rubric's part for that
            // column (the forward pass, for targets and inputs) deducts it as a slip.
            WrongColumn {
                col,
                column: "first row".into(),
                first_wrong_cell: at.a1(),
                iteration: 1,
                expected: number(assigned),
                found: Value::Number(found),
                wrong_cells: differ.len(),
                cells: ranges(&positions).join(", "),
                diagnosis,
                formula_found: None,
                formula_correct: format!("the first row as issued: {}", issued_row.join(", ")),
            },
        );
        self.cells.splice(0..0, wrong);
        self.wrong_cells += differ.len();
        self.verdict = Verdict::Fail;
    }
}

/// Cells as ranges: runs of rows in one column become `Z33:Z100`.
pub(crate) fn ranges(cells: &[Pos]) -> Vec<String> {
    let mut sorted = cells.to_vec();
    sorted.sort_by_key(|p| (p.col, p.row));
    let mut out: Vec<(Pos, Pos)> = Vec::new();
    for p in sorted {
        match out.last_mut() {
            Some((_, end)) if end.col == p.col && end.row + 1 == p.row => *end = p,
            _ => out.push((p, p)),
        }
    }
    out.into_iter().map(|(a, b)| if a == b { a.a1() } else { format!("{}:{}", a.a1(), b.a1()) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_rows_become_ranges() {
        let at = |a1: &str| crate::reader::parse_a1(a1).unwrap();
        let cells = [at("G40"), at("G35"), at("G41"), at("G42"), at("H3")];
        assert_eq!(ranges(&cells), ["G35", "G40:G42", "H3"]);
    }
}
