//! The template: the initial values of a run, read from any workbook that labels them, and the
//! project's own template, which holds the assignment's defaults (and is their only home).

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook as XlsxWorkbook, XlsxError};

use crate::columns::{Col, INPUTS};
use crate::engine::{Inputs, Params};
use crate::layout::{iterations_problem, rates_problem};
use crate::workbook::labels::{Label, eta_reference, label, labelled, normalised, value_of};
use crate::workbook::{InputError, Pos, Sheet, Workbook, describe, find_tables, number};

/// The project's template, as `backprop-sheet template` writes it; a plain `generate` reads it.
pub const EMBEDDED: &[u8] = include_bytes!("../templates/backprop-template.xlsx");
pub const EMBEDDED_NAME: &str = "built-in template (templates/backprop-template.xlsx)";

/// The assignment's starting point, with a line for the student beside each value.
const DEFAULTS: [(&str, &[f64], &str); 14] = [
    ("i1", &[0.05], "input 1, fed to both hidden units"),
    ("i2", &[0.1], "input 2, fed to both hidden units"),
    ("t1", &[0.01], "target of output o1"),
    ("t2", &[0.99], "target of output o2"),
    ("w1", &[0.15], "weight i1 -> h1"),
    ("w2", &[0.2], "weight i2 -> h1"),
    ("w3", &[0.25], "weight i1 -> h2"),
    ("w4", &[0.3], "weight i2 -> h2"),
    ("w5", &[0.4], "weight h1 -> o1"),
    ("w6", &[0.45], "weight h2 -> o1"),
    ("w7", &[0.5], "weight h1 -> o2"),
    ("w8", &[0.55], "weight h2 -> o2"),
    ("iterations", &[100.0], "rows per learning rate: iteration 1 is the typed first row"),
    ("learning rates", &[0.1, 0.2, 0.5, 0.8, 1.0, 2.0], "η, one sheet and one loss curve each; add or remove cells"),
];

/// Writes the project's template: one `Inputs` sheet, a label and value(s) per row, a note in
/// column I so that the learning-rate row has room for its values.
pub fn write<W: Write + Seek + Send>(out: W) -> Result<(), XlsxError> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Inputs")?;
    let bold = Format::new().set_bold();
    let head = bold.clone().set_border_bottom(FormatBorder::Medium);
    let input = Format::new().set_background_color(Color::RGB(0xFFF2CC)).set_border(FormatBorder::Thin);
    sheet.write_string_with_format(0, 0, "backprop-sheet template: the first row of the worksheet", &bold)?;
    sheet.write_string(1, 0, "Change the yellow cells, save, and run: backprop-sheet generate --template THIS_FILE")?;
    sheet.write_string_with_format(3, 0, "name", &head)?;
    sheet.write_string_with_format(3, 1, "value", &head)?;
    sheet.write_string_with_format(3, 8, "note", &head)?;
    for (k, (label, values, note)) in DEFAULTS.iter().enumerate() {
        let row = 4 + k as u32;
        sheet.write_string_with_format(row, 0, *label, &bold)?;
        for (j, v) in values.iter().enumerate() {
            sheet.write_number_with_format(row, 1 + j as u16, *v, &input)?;
        }
        sheet.write_string(row, 8, *note)?;
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(8, 60)?;
    book.save_to_writer(out)
}

/// Where a value came from, for messages and for the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub sheet: String,
    pub cell: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet '{}', cell {}", self.sheet, self.cell)
    }
}

/// What a template says; each value with the cell it was read from.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub inputs: BTreeMap<Col, (f64, Source)>,
    pub learning_rates: Option<(Vec<f64>, Source)>,
    pub iterations: Option<(f64, Source)>,
    /// Labels beside a number that look meant for this reader but are not one it knows: said,
    /// never silently ignored.
    pub warnings: Vec<String>,
}

/// Overrides from the command line, applied on top of the template.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub learning_rates: Option<Vec<f64>>,
    pub iterations: Option<usize>,
    pub set: Vec<(Col, f64)>,
}

/// Reads a template's values: a workbook in the class layout (the first data row of its first
/// table), or labelled cells anywhere.
pub fn read(book: &Workbook) -> Result<Found, InputError> {
    let mut found = Found::default();
    for sheet in &book.sheets {
        if let Some(table) = find_tables(sheet).into_iter().find(|t| !t.rows.is_empty()) {
            for col in INPUTS {
                let pos = table.pos(col, 1).expect("a table has every input column and a first row");
                let value = finite(book, sheet, pos, col.name())?;
                found.inputs.insert(col, (value, source(sheet, pos)));
            }
            read_labels(book, sheet, false, &mut found)?;
            if found.learning_rates.is_none() {
                found.learning_rates =
                    eta_reference(sheet, &table).and_then(|p| sheet.number(p).map(|v| (vec![v], source(sheet, p))));
            }
            return Ok(found);
        }
    }
    for sheet in &book.sheets {
        read_labels(book, sheet, true, &mut found)?;
    }
    Ok(found)
}

/// Keeps the first value seen for a name, and refuses a second one that disagrees.
fn keep<T: PartialEq + std::fmt::Debug>(
    book: &Workbook,
    slot: &mut Option<(T, Source)>,
    new: (T, Source),
    what: &str,
    show: impl Fn(&T) -> String,
) -> Result<(), InputError> {
    match slot {
        Some((old, at)) if *old != new.0 => Err(content(
            book,
            format!(
                "{what} is given twice with different values: {} at {at} and {} at {}. Delete one of them",
                show(old),
                show(&new.0),
                new.1
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(new);
            Ok(())
        }
    }
}

fn list(values: &[f64]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

fn content(book: &Workbook, what: String) -> InputError {
    InputError::Content { file: book.file.clone(), what }
}

fn source(sheet: &Sheet, pos: Pos) -> Source {
    Source { sheet: sheet.name.clone(), cell: pos.a1() }
}

fn finite(book: &Workbook, sheet: &Sheet, pos: Pos, what: &str) -> Result<f64, InputError> {
    match sheet.number(pos) {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(content(
            book,
            format!(
                "sheet '{}', cell {}: {what} should be a number but the cell holds {}. Type a number there",
                sheet.name,
                pos.a1(),
                describe(sheet.value(pos))
            ),
        )),
    }
}

/// Adds every labelled value of one sheet to `found` (inputs only when `inputs` is set).
fn read_labels(book: &Workbook, sheet: &Sheet, inputs: bool, found: &mut Found) -> Result<(), InputError> {
    for (pos, text) in sheet.texts() {
        let s = normalised(text);
        let near = ["iter", "epoch", "learn", "rate"].iter().any(|w| s.contains(w));
        if near && label(text).is_none() && value_of(sheet, pos).is_some_and(|(at, _)| sheet.number(at).is_some()) {
            found.warnings.push(format!(
                "{}: the label `{}` is not one this reader knows, so the number beside it was not used; write `iterations` or `learning rates`",
                source(sheet, pos),
                text.chars().take(40).collect::<String>()
            ));
        }
    }
    for (what, _, at, step) in labelled(sheet) {
        match what {
            Label::Input(_) if !inputs => {}
            Label::Input(col) => {
                let value = finite(book, sheet, at, col.name())?;
                let mut slot = found.inputs.get(&col).cloned();
                keep(book, &mut slot, (value, source(sheet, at)), col.name(), |v| v.to_string())?;
                found.inputs.extend(slot.map(|v| (col, v)));
            }
            Label::Iterations => {
                let value = finite(book, sheet, at, "iterations")?;
                keep(book, &mut found.iterations, (value, source(sheet, at)), "iterations", |v| v.to_string())?;
            }
            Label::LearningRate => {
                let mut rates = vec![finite(book, sheet, at, "the learning rate")?];
                let mut p = step(at);
                while sheet.value(p).is_some_and(|d| number(d).is_some()) {
                    rates.push(finite(book, sheet, p, "the learning rate")?);
                    p = step(p);
                }
                keep(book, &mut found.learning_rates, (rates, source(sheet, at)), "the learning rates", |v| list(v))?;
            }
        }
    }
    Ok(())
}

/// Turns what the template says, with the command line's overrides (already valid), into a
/// run's parameters, or says what in the template is missing or wrong. `defaults` fills what the template leaves out, except inputs.
pub fn resolve(
    book: &Workbook,
    found: &Found,
    defaults: Option<&Found>,
    over: &Overrides,
) -> Result<Params, InputError> {
    let mut inputs = Inputs([0.0; INPUTS.len()]);
    let mut missing = Vec::new();
    for col in INPUTS {
        match over.set.iter().rev().find(|(c, _)| *c == col) {
            Some((_, v)) => inputs.set(col, *v),
            None => match found.inputs.get(&col) {
                Some((v, _)) => inputs.set(col, *v),
                None => missing.push(col.name()),
            },
        }
    }
    if missing.len() == INPUTS.len() && found.learning_rates.is_none() && found.iterations.is_none() {
        return Err(content(
            book,
            "no inputs found: label cells i1, i2, t1, t2, w1..w8 with the number beside them, or use the class layout \
             (a header row t1 t2 i1 i2 w1 ... over the first row of values). `backprop-sheet template --out FILE` writes an example"
                .into(),
        ));
    }
    if !missing.is_empty() {
        return Err(content(
            book,
            format!(
                "{} missing: add a cell labelled {} with its value to the right, or pass --set NAME=VALUE",
                missing.join(", "),
                missing[0]
            ),
        ));
    }
    // The command line's values were validated as they were parsed; what the template says is
    // checked here, with the cell it came from.
    let learning_rates = match &over.learning_rates {
        Some(r) => r.clone(),
        None => {
            let (rates, at) =
                found.learning_rates.as_ref().or(defaults.and_then(|d| d.learning_rates.as_ref())).ok_or_else(
                    || content(book, "no learning rates: add a `learning rates` row or pass --learning-rates".into()),
                )?;
            if let Some(problem) = rates_problem(rates) {
                let at = if rates.len() > 1 { format!("in the learning rates from {at} on") } else { at.to_string() };
                return Err(content(book, format!("{at}: {problem}")));
            }
            rates.clone()
        }
    };
    let iterations = match over.iterations {
        Some(n) => n,
        None => {
            let (n, at) =
                found.iterations.as_ref().or(defaults.and_then(|d| d.iterations.as_ref())).ok_or_else(|| {
                    content(book, "no iteration count: add an `iterations` cell or pass --iterations".into())
                })?;
            if let Some(problem) = iterations_problem(*n) {
                return Err(content(book, format!("{at}: {problem}")));
            }
            *n as usize
        }
    };
    Ok(Params { inputs, learning_rates, iterations })
}

/// The run's parameters from a template file, or from the built-in template when `path` is
/// None, with what the template said (and where) for the terminal.
pub fn load(path: Option<&Path>, over: &Overrides) -> Result<(Params, Found), InputError> {
    let builtin = Workbook::from_bytes(Path::new(EMBEDDED_NAME), EMBEDDED)?;
    let defaults = read(&builtin)?;
    let (book, found) = match path {
        None => (builtin, defaults.clone()),
        Some(p) => {
            let mut book = Workbook::open(p)?;
            // Inputs typed as formulas (`=0.1+0.05`) by a program that saved no results.
            book.compute_unsaved();
            let found = read(&book)?;
            (book, found)
        }
    };
    let params = resolve(&book, &found, Some(&defaults), over)?;
    Ok((params, found))
}
