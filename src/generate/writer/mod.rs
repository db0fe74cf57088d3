//! The report writer: the assignment workbook, a `Summary` sheet and one sheet per learning
//! rate, every computed cell a live formula carrying the engine's value as its cached result.

use std::io::{Seek, Write};

use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartLine, ChartType, Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
    utility::{quote_sheet_name, row_col_to_cell, row_col_to_cell_absolute},
};

mod package;
mod rows;

use rows::FormulaText;

use crate::error::Failure;

use crate::generate::layout::{
    EPS_ROW, ETA_COL, ETA_ROW, FIRST_COL, HEADER_ROW, check_col, param_cell, rate_text, sheet_name, sheet_row,
    table_col,
};
use crate::model::columns::{Col, Columns, Formulas};
use crate::model::engine::{Inputs, Params, Row};
use crate::model::expr::{self, Expr};
use crate::model::gradient_check::{self, GradientCheck};
use crate::model::mistakes::Mistake;
use crate::model::network::{Maths, Optimizer, Param};
use crate::model::variant::{Issue, Stamp};

/// The deflate level of the package, sheets and all (zlib-rs, the zip crate's own backend):
/// measured against level 1 and 6 and against C zlib, see the README's performance section.
pub const ZIP_LEVEL: u8 = 2;

/// Okabe–Ito colours: distinct for readers with colour-blindness, and in print.
pub(crate) const PALETTE: [u32; 8] = [0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000, 0xF0E442];

/// The outcome of one learning rate, for the terminal and the Summary sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct RateSummary {
    pub eta: f64,
    /// The sheet's name, and its curve's on the Summary (`η = 0.5`, or the optimizer's name).
    pub sheet: String,
    pub label: String,
    pub first_error: f64,
    pub final_error: f64,
    /// The first iteration (1-based) whose row holds a spreadsheet error (`#NUM!`).
    pub diverged_at: Option<usize>,
    /// E_total at each iteration the charts plot (every one up to 1,000, evenly spaced ones past that).
    pub curve: Vec<f64>,
    /// With the gradient check: the largest relative difference between a derived gradient and
    /// its finite difference over the whole sheet.
    pub fd_max: Option<f64>,
}

/// The iterations the charts plot: every one up to [`CURVE_POINTS`], else evenly spaced ones and
/// the last. The charts read them from a table on the Summary sheet rather than from whole
/// columns: a chart of a million points helps no one, and a spreadsheet library caches each
/// point of a chart's range in memory when it saves.
pub(crate) struct Curve {
    step: usize,
    iterations: usize,
}

/// The most points a chart's curve has (one more when the last iteration falls between steps).
pub(crate) const CURVE_POINTS: usize = 1000;

/// Where the curve table sits on the Summary sheet: right of the printed page.
const CURVE_TOP: u32 = 3;
const CURVE_LEFT: u16 = 13;

impl Curve {
    pub(crate) fn new(iterations: usize) -> Curve {
        Curve { step: iterations.div_ceil(CURVE_POINTS).max(1), iterations }
    }

    pub(crate) fn includes(&self, iteration: usize) -> bool {
        (iteration - 1).is_multiple_of(self.step) || iteration == self.iterations
    }

    fn iterations(&self) -> impl Iterator<Item = usize> + '_ {
        (1..=self.iterations).filter(|&i| self.includes(i))
    }

    fn points(&self) -> usize {
        self.iterations().count()
    }

    /// The chart range of one column of the table on the Summary sheet.
    fn range(&self, column: u16) -> (&'static str, u32, u16, u32, u16) {
        ("Summary", CURVE_TOP + 1, column, CURVE_TOP + self.points() as u32, column)
    }
}

struct Formats {
    title: Format,
    label: Format,
    header: Format,
    iteration: Format,
    input: Format,
    eta: Format,
    value: Format,
    gradient: Format,
    percent: Format,
    text: Format,
}

impl Formats {
    fn new() -> Formats {
        let value = Format::new().set_num_format("0.000000");
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_border_bottom(FormatBorder::Medium)
                .set_background_color(Color::RGB(0xDDEBF7)),
            iteration: Format::new().set_num_format("0").set_align(FormatAlign::Center),
            input: value.clone().set_background_color(Color::RGB(0xFFF2CC)),
            eta: Format::new().set_bold().set_background_color(Color::RGB(0xFFF2CC)).set_align(FormatAlign::Center),
            value,
            gradient: Format::new().set_num_format("0.000E+00"),
            percent: Format::new().set_num_format("0.00%"),
            text: Format::new().set_font_name("Consolas"),
        }
    }

    /// Gradients and the optimizers' moments, which they are made of, in scientific notation: they
    /// are small.
    fn for_column(&self, col: Col) -> &Format {
        let small = Columns::is_gradient(col) || matches!(col, Col::MW(_) | Col::MB(_) | Col::VW(_) | Col::VB(_));
        if small { &self.gradient } else { &self.value }
    }
}

/// How to write the workbook, beyond the run's parameters.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Plain numbers instead of formulas.
    pub values_only: bool,
    /// Write this known mistake into the formulas (and compute the values it gives): for teaching,
    /// and for testing `check`.
    pub mistake: Option<&'static Mistake>,
    /// Add the finite-difference check of every gradient, with this step ε (see
    /// [`gradient_check`]).
    pub gradient_check: Option<f64>,
    /// Learning-rate sheets written at once, each by its own thread (0 counts as 1). The
    /// workbook is the same whatever the number.
    pub workers: usize,
    /// The deflate level, when not [`ZIP_LEVEL`]: for the benchmark that chose it.
    pub deflate_level: Option<u8>,
    /// One sheet per optimizer, at the run's one learning rate, instead of one per learning rate.
    pub compare: Option<[Optimizer; 6]>,
    /// To whom the initial values were issued, for the workbook's stamp.
    pub issue: Issue,
}

/// One sheet of the workbook: the network it trains from the run's first row, at one learning
/// rate, under its name and the label its curve carries.
struct Sheet {
    inputs: Inputs,
    eta: f64,
    name: String,
    /// Its curve's name on the Summary (`η = 0.5`, `Adam`), and what its own chart's title says
    /// of it.
    label: String,
    title: String,
    /// Which of the run's [`Written`] formulas it writes.
    written: usize,
}

/// The formulas of one network as the sheets write them: the worksheet's own (or with the
/// mistake), each column's text, and the gradient check's texts.
struct Written {
    formulas: Formulas,
    texts: Vec<FormulaText>,
    check_texts: Vec<FormulaText>,
}

impl Written {
    fn new(columns: &'static Columns, mistake: Option<&Mistake>) -> Written {
        let formulas = mistake.map_or_else(|| columns.formulas().clone(), |m| m.formulas(columns));
        let texts = columns.all().iter().map(|&c| FormulaText::new(columns, formulas.get(c))).collect();
        let check = GradientCheck::of(columns);
        let check_texts = check.formulas().iter().map(|f| FormulaText::check(columns, f)).collect();
        Written { formulas, texts, check_texts }
    }
}

/// The run's sheets, and the formulas they write: one sheet per learning rate, all of one
/// network, or with `compare`, one per optimizer at the one learning rate.
fn sheets(params: &Params, options: &Options) -> (Vec<Sheet>, Vec<Written>) {
    let columns = params.inputs.columns();
    match options.compare {
        None => {
            let sheets = params
                .learning_rates
                .iter()
                .map(|&eta| Sheet {
                    inputs: params.inputs.clone(),
                    eta,
                    name: sheet_name(eta),
                    label: format!("η = {}", rate_text(eta)),
                    title: format!("η = {}", rate_text(eta)),
                    written: 0,
                })
                .collect();
            (sheets, vec![Written::new(columns, options.mistake)])
        }
        Some(optimizers) => {
            let eta = params.learning_rates[0];
            let mut written = Vec::new();
            let sheets = optimizers
                .iter()
                .enumerate()
                .map(|(k, &optimizer)| {
                    let network = columns.network;
                    let columns = Columns::of(network.with_maths(Maths { optimizer, ..network.maths }));
                    written.push(Written::new(columns, None));
                    let name = optimizer.sheet_name().to_string();
                    let title = format!("{name}, η = {}", rate_text(eta));
                    Sheet { inputs: params.inputs.reshaped(columns), eta, label: name.clone(), name, title, written: k }
                })
                .collect();
            (sheets, written)
        }
    }
}

/// Writes the whole workbook to `out` and returns each learning rate's outcome. Each
/// learning-rate sheet is computed and written by a worker, `options.workers` at a time, rows
/// streaming from the engine into a compressed archive of the sheet's own in `spill` (the
/// output's folder, so that the space checked is the space used): memory does not grow with
/// the iteration count, and the workbook is the same whatever the number of workers.
/// `progress` hears of every row, from whichever worker wrote it, and says whether to go on.
pub fn write<W: Write + Seek + Send>(
    params: &Params,
    options: Options,
    spill: &std::path::Path,
    out: W,
    progress: impl Fn(usize) -> bool + Sync,
) -> Result<Vec<RateSummary>, Failure> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&crate::generate::stamp::properties(&Stamp::of(&params.inputs, &options.issue)));
    workbook.set_tempdir(spill)?;
    let level = options.deflate_level.unwrap_or(ZIP_LEVEL);
    workbook.set_zip_compression_level(level);
    let formats = Formats::new();
    let columns = params.inputs.columns();
    let (sheets, written) = sheets(params, &options);
    workbook.add_worksheet().set_name("Summary")?;

    let curve = Curve::new(params.iterations);
    let job = |index: usize| {
        let sheet = &sheets[index];
        let w = &written[sheet.written];
        SheetJob {
            sheet,
            iterations: params.iterations,
            curve: &curve,
            index,
            values_only: options.values_only,
            formulas: &w.formulas,
            texts: &w.texts,
            check: options.gradient_check.map(|eps| (eps, w.check_texts.as_slice())),
        }
    };
    // Each sheet's head (η, the header, the first row) and its chart, by rust_xlsxwriter; saved
    // once to learn what the workers write around.
    for index in 0..sheets.len() {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        write_sheet_head(sheet, &job(index), &formats)?;
    }
    let parts = package::sheet_parts(&workbook.save_to_buffer()?, sheets.len())?;
    let (summaries, archives) = write_in_parallel(&parts, options.workers, level, &job, spill, &progress)?;
    let summary = workbook.worksheet_from_index(0)?;
    let derivation: Vec<&Formulas> = written.iter().map(|w| &w.formulas).collect();
    write_summary(summary, params, &curve, &derivation, options.mistake, &summaries, &formats)?;
    write_curves(summary, columns, &curve, &summaries, &formats)?;
    package::assemble(&workbook.save_to_buffer()?, &parts, archives, out)?;
    Ok(summaries)
}

/// The longest formula the workbook would hold, in characters: the last row's, whose references
/// are longest. Excel refuses a cell formula longer than [`crate::generate::layout::MAX_FORMULA_CHARS`].
pub(crate) fn longest_formula(params: &Params, options: &Options) -> usize {
    let columns = params.inputs.columns();
    let formulas = options.mistake.map_or_else(|| columns.formulas().clone(), |m| m.formulas(columns));
    let mut texts: Vec<FormulaText> =
        columns.all().iter().map(|&c| FormulaText::new(columns, formulas.get(c))).collect();
    if options.gradient_check.is_some() {
        texts.extend(GradientCheck::of(columns).formulas().iter().map(|f| FormulaText::check(columns, f)));
    }
    let mut text = String::new();
    texts
        .iter()
        .map(|t| {
            t.render(sheet_row(params.iterations) + 1, &mut text);
            text.chars().count()
        })
        .max()
        .unwrap_or(0)
}

/// Writes each learning rate's sheet, `workers` at a time, each worker taking the next sheet
/// when it is done with one. The first failure stops the others (at their next row) and is the
/// one reported.
fn write_in_parallel<'a>(
    parts: &[package::SheetPart],
    workers: usize,
    level: u8,
    job: &(impl Fn(usize) -> SheetJob<'a> + Sync),
    spill: &std::path::Path,
    progress: &(impl Fn(usize) -> bool + Sync),
) -> Result<(Vec<RateSummary>, Vec<std::fs::File>), Failure> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = AtomicBool::new(false);
    let go_on = |rows| !stop.load(Ordering::Relaxed) && progress(rows);
    let work = |index: usize| {
        let result =
            crate::sys::panics::contained(|| rows::write_sheet(&parts[index], &job(index), spill, level, &go_on));
        let result = Failure::flatten(result);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
    };
    let mut written = Vec::with_capacity(parts.len());
    // A sheet stopped because another failed says `Interrupted`: the other's failure is the one.
    let mut failed: Option<Failure> = None;
    crate::sys::parallel::run_ordered(parts.len(), workers, work, |_, result| match result {
        Ok(sheet) => {
            written.push(sheet);
            true
        }
        Err(e) => {
            if failed.as_ref().is_none_or(|f| *f == Failure::Interrupted) {
                failed = Some(e);
            }
            false
        }
    });
    match failed {
        Some(e) => Err(e),
        None if written.len() < parts.len() => Err(Failure::Interrupted),
        None => Ok(written.into_iter().unzip()),
    }
}

/// One sheet: what to compute and the formula texts to write.
struct SheetJob<'a> {
    sheet: &'a Sheet,
    iterations: usize,
    curve: &'a Curve,
    /// The sheet's position among the sheets: its column in the curve table.
    index: usize,
    values_only: bool,
    formulas: &'a Formulas,
    texts: &'a [FormulaText],
    /// The gradient check's step and its columns' formulas, when it is written.
    check: Option<(f64, &'a [FormulaText])>,
}

/// A learning-rate sheet as rust_xlsxwriter writes it: η (and ε), the header, the column
/// formats, the first row (the typed inputs in yellow) and the chart. The rows after the first
/// are the worker's ([`rows::write_sheet`]). Rows in order: a constant-memory sheet cannot go
/// back to one.
fn write_sheet_head(sheet: &mut Worksheet, job: &SheetJob, formats: &Formats) -> Result<(), Failure> {
    sheet.set_name(&job.sheet.name)?;
    write_parameters(sheet, job, formats)?;
    write_header(sheet, job, formats)?;
    write_first_row(sheet, job, formats)?;
    // Beside the table (and the gradient check), where it hides no cell; the η row says where.
    let columns = job.sheet.inputs.columns();
    let beside = if job.check.is_some() { GradientCheck::of(columns).width() } else { 0 };
    let chart_col = check_col(columns, beside) + 1;
    sheet.insert_chart(HEADER_ROW, chart_col, &sheet_chart(job))?;
    Ok(())
}

/// The labelled cells above the table: η and the optimizer's other parameters, and ε with the
/// gradient check.
fn write_parameters(sheet: &mut Worksheet, job: &SheetJob, formats: &Formats) -> Result<(), XlsxError> {
    let optimizer = job.sheet.inputs.columns().network.maths.optimizer;
    let mut meanings = Vec::new();
    let mut last = ETA_COL;
    for &p in optimizer.params() {
        let (row, col) = param_cell(optimizer, p);
        let value = optimizer.value(p).unwrap_or(job.sheet.eta);
        sheet.write_string_with_format(row, col - 1, format!("{} =", p.name()), &formats.label)?;
        sheet.write_number_with_format(row, col, value, &formats.eta)?;
        meanings.push(if p == Param::Eta { p.meaning().to_string() } else { format!("{} {}", p.name(), p.meaning()) });
        last = col;
    }
    let note = if job.values_only {
        "Values only: this sheet holds numbers, not formulas."
    } else {
        "Every cell below is a formula: change η or a yellow input and the sheet recomputes. The loss chart is to the right of the table."
    };
    sheet.write_string(ETA_ROW, last + 1, format!("{}. {note}", meanings.join("; ")))?;
    if let Some((eps, _)) = job.check {
        sheet.write_string_with_format(EPS_ROW, 0, "ε =", &formats.label)?;
        sheet.write_number_with_format(EPS_ROW, ETA_COL, eps, &formats.eta)?;
        sheet.write_string(
            EPS_ROW,
            ETA_COL + 1,
            "finite-difference step: right of the table, (E(w+ε)-E(w-ε))/2ε for each weight, and the largest relative difference from the derived gradient (the derivation holds below 1e-5).",
        )?;
    }
    Ok(())
}

/// The header row and each column's width and number format.
fn write_header(sheet: &mut Worksheet, job: &SheetJob, formats: &Formats) -> Result<(), XlsxError> {
    sheet.write_string_with_format(HEADER_ROW, 0, "iteration", &formats.header)?;
    let columns = job.sheet.inputs.columns();
    let gradient_check = GradientCheck::of(columns);
    for &col in columns.all() {
        sheet.write_string_with_format(HEADER_ROW, table_col(columns, col), col.header(), &formats.header)?;
    }
    if job.check.is_some() {
        for k in 0..gradient_check.width() {
            let at = check_col(columns, k);
            sheet.write_string_with_format(HEADER_ROW, at, gradient_check.header(k), &formats.header)?;
            sheet.set_column_width(at, 13)?;
            sheet.set_column_format(at, &formats.gradient)?;
        }
    }
    // Each column's number format is set once, on the column: a cell written without a format
    // takes its column's (hashing a Format for every cell was a sixth of the run).
    sheet.set_column_width(0, 10)?;
    sheet.set_column_format(0, &formats.iteration)?;
    for &col in columns.all() {
        sheet.set_column_width(table_col(columns, col), 12)?;
        sheet.set_column_format(table_col(columns, col), formats.for_column(col))?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, FIRST_COL)?;
    Ok(())
}

/// The first row: typed inputs in yellow, the other cells formulas (or values).
fn write_first_row(sheet: &mut Worksheet, job: &SheetJob, formats: &Formats) -> Result<(), XlsxError> {
    let columns = job.sheet.inputs.columns();
    let row = Row::first(&job.sheet.inputs, job.formulas);
    let r = sheet_row(1);
    let mut text = String::new();
    sheet.write_number(r, 0, 1.0)?;
    for (k, &col) in columns.all().iter().enumerate() {
        let (value, at) = (row.values[k], FIRST_COL + k as u16);
        if col.is_typed() {
            write_value(sheet, r, at, value, Some(&formats.input))?;
        } else if job.values_only {
            write_value(sheet, r, at, value, None)?;
        } else {
            job.texts[k].render(r + 1, &mut text);
            sheet.write_formula(r, at, rust_xlsxwriter::Formula::new(&text).set_result(expr::shortest(value)))?;
        }
    }
    if let Some((eps, texts)) = job.check {
        for (k, &value) in GradientCheck::of(columns).values(&|c| row.get(c), eps).iter().enumerate() {
            if job.values_only {
                write_value(sheet, r, check_col(columns, k), value, None)?;
            } else {
                texts[k].render(r + 1, &mut text);
                let formula = rust_xlsxwriter::Formula::new(&text).set_result(expr::shortest(value));
                sheet.write_formula(r, check_col(columns, k), formula)?;
            }
        }
    }
    Ok(())
}

/// The sheet's own loss chart, read from its column of the Summary's curve table.
fn sheet_chart(job: &SheetJob) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    chart
        .add_series()
        .set_name("E_total")
        .set_categories(job.curve.range(CURVE_LEFT))
        .set_values(job.curve.range(CURVE_LEFT + 1 + job.index as u16))
        .set_format(ChartLine::new().set_color(Color::RGB(PALETTE[0])).set_width(2.0));
    chart.title().set_name(&format!("E_total by iteration, {}", job.sheet.title));
    chart.x_axis().set_name("iteration").set_min(0).set_max(job.iterations.max(2) as f64);
    chart.y_axis().set_name("E_total").set_num_format("0.000");
    chart.legend().set_hidden();
    chart.set_width(720).set_height(400);
    chart
}

/// A plain value; an error as its text, since a cell cannot hold an error without a formula.
fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: f64,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    match (expr::CellError::of(value), format) {
        (Some(e), Some(f)) => sheet.write_string_with_format(row, col, e.text(), f)?,
        (Some(e), None) => sheet.write_string(row, col, e.text())?,
        (None, Some(f)) => sheet.write_number_with_format(row, col, value, f)?,
        (None, None) => sheet.write_number(row, col, value)?,
    };
    Ok(())
}

/// Names in the Summary's results formulas.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    First,
    Final,
}

/// Where the results table sits on the Summary sheet: beside the inputs.
const RESULTS_TOP: u32 = 3;
const RESULTS_LEFT: u16 = 3;

/// The Summary sheet: what the workbook is, the inputs, each sheet's results, the chart of every
/// curve and the derivation. The order of the writes is the order of the shared strings, so it is
/// kept. `formulas` are the sheets' networks: one, or the optimizers compared.
fn write_summary(
    sheet: &mut Worksheet,
    params: &Params,
    curve: &Curve,
    formulas: &[&Formulas],
    mistake: Option<&Mistake>,
    summaries: &[RateSummary],
    formats: &Formats,
) -> Result<(), XlsxError> {
    let columns = params.inputs.columns();
    let title = format!("Backpropagation by hand: a {} network, worked by spreadsheet", columns.network);
    sheet.write_string_with_format(0, 0, title, &formats.title)?;
    match mistake {
        Some(m) => sheet.write_string_with_format(
            1,
            0,
            format!("WRONG ON PURPOSE: this workbook carries the mistake `{}`: {}.", m.key, m.what),
            &formats.label,
        )?,
        None => sheet.write_string(1, 0, what_is_trained(columns.network, formulas.len() > 1))?,
    };
    let compared = formulas.len() > 1;
    write_inputs(sheet, params, formats)?;
    write_results(sheet, params, summaries, compared, formats)?;
    let chart_row = RESULTS_TOP + 2 + summaries.len().max(6) as u32;
    let overlay = overlay_chart(curve, params.iterations, summaries, compared);
    sheet.insert_chart(chart_row, RESULTS_LEFT, &overlay)?;
    let last = write_derivation(sheet, columns, formulas, chart_row + 22, formats)?;
    // One landscape page: the tables, the chart (about eight columns wide) and the derivation.
    sheet.set_print_area(0, 0, last, RESULTS_LEFT + 8)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 1);
    Ok(())
}

/// The Summary's second line: the network's units and the maths it is trained with (with
/// `compared`, by each optimizer in turn).
fn what_is_trained(network: crate::model::network::Network, compared: bool) -> String {
    let names = |n: u8, col: fn(u8) -> Col| (1..=n).map(|k| col(k).name()).collect::<Vec<_>>().join(" ");
    let bias = match network.bias {
        crate::model::network::Bias::None => "no bias",
        crate::model::network::Bias::Fixed => "biases b1 b2 fixed",
        crate::model::network::Bias::Trained => "biases b1 b2 trained",
    };
    let activations = match (network.maths.activation, network.maths.output_activation) {
        (hidden, output) if hidden == output => format!("{hidden} everywhere"),
        (hidden, output) => format!("{hidden} hidden, {output} outputs"),
    };
    format!(
        "Inputs {}, hidden {}, outputs {}, {activations}, {bias}, {}, {}.",
        names(network.inputs, Col::I),
        names(network.hidden, Col::H),
        names(network.outputs, Col::O),
        network.maths.loss.text(),
        if compared { "each optimizer on a sheet of its own" } else { network.maths.optimizer.text() }
    )
}

/// Inputs, as typed into the first row of every learning-rate sheet, and the iterations.
fn write_inputs(sheet: &mut Worksheet, params: &Params, formats: &Formats) -> Result<(), XlsxError> {
    sheet.write_string_with_format(3, 0, "Inputs", &formats.label)?;
    let mut r = 4;
    for col in params.inputs.columns().typed() {
        sheet.write_string(r, 0, col.name())?;
        sheet.write_number_with_format(r, 1, params.inputs.get(col), &formats.value)?;
        r += 1;
    }
    sheet.write_string(r, 0, "iterations")?;
    sheet.write_number_with_format(r, 1, params.iterations as f64, &formats.iteration)?;
    Ok(())
}

/// Results: links to each sheet's E_total, and the reduction computed from them.
fn write_results(
    sheet: &mut Worksheet,
    params: &Params,
    summaries: &[RateSummary],
    compared: bool,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let (top, left) = (RESULTS_TOP, RESULTS_LEFT);
    let first = if compared { "optimizer" } else { "η" };
    let mut heads = vec![first, "E_total at iteration 1", "final E_total", "reduction", "diverged at"];
    let checked = summaries.iter().any(|s| s.fd_max.is_some());
    if checked {
        heads.extend(["largest FD rel diff", "derivation"]);
    }
    for (k, head) in heads.iter().enumerate() {
        sheet.write_string_with_format(top, left + k as u16, *head, &formats.header)?;
    }
    let reduction: Expr<Outcome> = expr::parse(
        "1-final/first",
        &|w: &str| match w {
            "first" => Ok(Expr::Ref(Outcome::First)),
            "final" => Ok(Expr::Ref(Outcome::Final)),
            _ => Err(format!("unknown name `{w}`")),
        },
        &|_: &str, _: &str| None,
    )
    .expect("the reduction formula is well-formed");
    for (k, s) in summaries.iter().enumerate() {
        write_result(sheet, params, top + 1 + k as u32, s, &reduction, compared, formats)?;
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 10)?;
    sheet.set_column_width(2, 3)?;
    sheet.set_column_range_width(left, left + 4, 14)?;
    sheet.set_column_width(left + 1, 22)?;
    if compared {
        sheet.set_column_width(left, 18)?;
    }
    if checked {
        sheet.set_column_width(left + 5, 18)?;
        sheet.set_column_width(left + 6, 60)?;
    }
    Ok(())
}

/// One sheet's line of the results, in row `r`: its η (a link to the sheet's cell), or with
/// `compared` its optimizer's name.
#[allow(clippy::too_many_arguments)]
fn write_result(
    sheet: &mut Worksheet,
    params: &Params,
    r: u32,
    s: &RateSummary,
    reduction: &Expr<Outcome>,
    compared: bool,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let columns = params.inputs.columns();
    let left = RESULTS_LEFT;
    let sheet_ref = quote_sheet_name(&s.sheet);
    let cell = |row: u32, col: u16| format!("{sheet_ref}!{}", row_col_to_cell_absolute(row, col));
    let last_row = sheet_row(params.iterations);
    let links = [
        (cell(ETA_ROW, ETA_COL), s.eta, &formats.eta),
        (cell(sheet_row(1), table_col(columns, Col::ETotal)), s.first_error, &formats.value),
        (cell(last_row, table_col(columns, Col::ETotal)), s.final_error, &formats.value),
    ];
    for (c, (target, value, format)) in links.into_iter().enumerate() {
        if c == 0 && compared {
            sheet.write_string_with_format(r, left, &s.label, &formats.label)?;
            continue;
        }
        let f = rust_xlsxwriter::Formula::new(format!("={target}")).set_result(expr::shortest(value));
        sheet.write_formula_with_format(r, left + c as u16, f, format)?;
    }
    let at = |col: u16| row_col_to_cell(r, col);
    let text = reduction.print(&|n, out: &mut String| {
        out.push_str(&at(match n {
            Outcome::First => left + 1,
            Outcome::Final => left + 2,
        }))
    });
    let value = reduction.eval(&|n| match n {
        Outcome::First => s.first_error,
        Outcome::Final => s.final_error,
    });
    let f = rust_xlsxwriter::Formula::new(format!("={text}")).set_result(expr::shortest(value));
    sheet.write_formula_with_format(r, left + 3, f, &formats.percent)?;
    match s.diverged_at {
        Some(i) => sheet.write_string(r, left + 4, format!("iteration {i} (#NUM!)"))?,
        None => sheet.write_string(r, left + 4, "no")?,
    };
    if let Some(largest) = s.fd_max {
        let column = check_col(columns, GradientCheck::of(columns).max_column());
        let range = format!(
            "{}:{}",
            row_col_to_cell_absolute(sheet_row(1), column),
            row_col_to_cell_absolute(sheet_row(params.iterations), column)
        );
        let f = rust_xlsxwriter::Formula::new(format!("=MAX({sheet_ref}!{range})")).set_result(expr::shortest(largest));
        sheet.write_formula_with_format(r, left + 5, f, &formats.gradient)?;
        let verdict = match largest {
            x if expr::is_error(x) && s.diverged_at.is_some() => "cannot tell: the run diverged".to_string(),
            // No #NUM!, yet no number: the network saturated, every gradient and difference 0.
            x if expr::is_error(x) => {
                "cannot tell: the network saturated (its gradients are 0, and 0/0 has no value)".to_string()
            }
            x if x < gradient_check::HOLDS_BELOW => {
                "holds: every gradient agrees with its finite difference".to_string()
            }
            x => format!("does not hold: a gradient differs from its finite difference by {x:.1e}"),
        };
        sheet.write_string(r, left + 6, verdict)?;
    }
    Ok(())
}

/// The derivation from row `r` on, generated from the very definitions the cells use; returns
/// its last row.
fn write_derivation(
    sheet: &mut Worksheet,
    columns: &Columns,
    formulas: &[&Formulas],
    mut r: u32,
    formats: &Formats,
) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(r, 0, "Where each number comes from", &formats.label)?;
    r += 1;
    sheet.write_string(r, 0, "Iteration 1 holds the typed inputs (yellow); every other cell is a formula of its own row and the row above it:")?;
    r += 1;
    for line in formulas[0].derivation() {
        sheet.write_string_with_format(r, 0, line, &formats.text)?;
        r += 1;
    }
    // The optimizers compared: each sheet's own update and state, shown for w1.
    for f in &formulas[1..] {
        let optimizer = f.columns().network.maths.optimizer;
        let own = [Col::W(1), Col::MW(1), Col::VW(1), Col::Beta1T, Col::Beta2T];
        let lines: Vec<String> = f
            .derivation()
            .into_iter()
            .filter(|l| own.iter().any(|c| l.starts_with(&format!("{} = ", c.header()))))
            .collect();
        for (k, line) in lines.iter().enumerate() {
            let name = if k == 0 { format!("{}:", optimizer.sheet_name()) } else { String::new() };
            sheet.write_string_with_format(r, 0, format!("{name:<10} {line}"), &formats.text)?;
            r += 1;
        }
    }
    let constant: Vec<String> = columns.typed().filter(|&c| columns.is_constant(c)).map(Col::name).collect();
    let mut all = Vec::new();
    for f in formulas {
        for &p in f.columns().network.maths.optimizer.params() {
            if !all.contains(&p) {
                all.push(p);
            }
        }
    }
    let params: Vec<String> = all.iter().map(|p| format!("{} is the {} cell", p.name(), p.meaning())).collect();
    sheet.write_string(
        r,
        0,
        format!(
            "{} stay as typed. prev(x) is x in the row above; {} of each sheet.",
            constant.join(", "),
            params.join("; ")
        ),
    )?;
    Ok(r)
}

fn overlay_chart(curve: &Curve, iterations: usize, summaries: &[RateSummary], compared: bool) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    for (k, s) in summaries.iter().enumerate() {
        chart
            .add_series()
            .set_name(&s.label)
            .set_categories(curve.range(CURVE_LEFT))
            .set_values(curve.range(CURVE_LEFT + 1 + k as u16))
            .set_format(ChartLine::new().set_color(Color::RGB(PALETTE[k % PALETTE.len()])).set_width(2.25));
    }
    let per = if compared { "optimizer" } else { "learning rate" };
    chart.title().set_name(&format!("E_total by iteration, one curve per {per}"));
    chart.x_axis().set_name("iteration").set_min(0).set_max(iterations.max(2) as f64);
    chart.y_axis().set_name("E_total").set_num_format("0.000");
    chart.legend().set_position(ChartLegendPosition::Right);
    chart.set_width(760).set_height(420);
    chart
}

/// The table the charts plot: iteration, then E_total of each learning rate, each value a link
/// to its sheet's cell (so it follows a change of η there) carrying the engine's value.
fn write_curves(
    sheet: &mut Worksheet,
    columns: &Columns,
    curve: &Curve,
    summaries: &[RateSummary],
    formats: &Formats,
) -> Result<(), XlsxError> {
    let title = match curve.step {
        1 => "E_total by iteration (the charts plot this)".to_string(),
        n => format!("E_total at every {n}th iteration and the last (the charts plot this)"),
    };
    sheet.write_string_with_format(CURVE_TOP - 1, CURVE_LEFT, title, &formats.label)?;
    sheet.write_string_with_format(CURVE_TOP, CURVE_LEFT, "iteration", &formats.header)?;
    sheet.set_column_width(CURVE_LEFT, 10)?;
    for (k, s) in summaries.iter().enumerate() {
        let c = CURVE_LEFT + 1 + k as u16;
        sheet.write_string_with_format(CURVE_TOP, c, &s.label, &formats.header)?;
        sheet.set_column_width(c, 12)?;
    }

    for (j, iteration) in curve.iterations().enumerate() {
        let r = CURVE_TOP + 1 + j as u32;
        sheet.write_number_with_format(r, CURVE_LEFT, iteration as f64, &formats.iteration)?;
        for (k, s) in summaries.iter().enumerate() {
            let target = row_col_to_cell_absolute(sheet_row(iteration), table_col(columns, Col::ETotal));
            let link = format!("={}!{target}", quote_sheet_name(&s.sheet));
            let f = rust_xlsxwriter::Formula::new(link).set_result(expr::shortest(s.curve[j]));
            sheet.write_formula_with_format(r, CURVE_LEFT + 1 + k as u16, f, &formats.value)?;
        }
    }
    Ok(())
}
