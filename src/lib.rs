//! backprop-sheet: the 2-2-2 backpropagation assignment worksheet (and any small network like it),
//! computed exactly as a spreadsheet computes it, written as an Excel workbook, and checked cell
//! by cell.
//!
//! Two pipelines over one model. `generate`: a template is read ([`generate::template`]) into the
//! run's parameters, the engine turns them into rows from the column definitions
//! ([`model::columns`]), and the writer streams the rows into a workbook. `check`: a workbook is
//! read ([`reader`]), its tables found and each cell held to the same definitions ([`check`]),
//! and a class of them graded and handed back ([`class`]). [`cli`] is the only layer that prints;
//! [`sys`] is plumbing that knows nothing of networks. The arrows point one way (a test keeps
//! them so): cli → class → check → reader → model, generate → reader, model; everything may use
//! sys and error.
//!
//! The crate is a binary's library: its modules are private, and this facade is what the
//! binary, the tests, the benchmarks and the fuzz target use.

#![warn(unreachable_pub)]

mod check;
mod class;
mod cli;
mod error;
mod generate;
mod model;
mod reader;
mod sys;

pub use cli::{generate_params, main};
/// The shared model, whole: the tests hold the engine and the definitions to Excel's numbers.
pub use model::{columns, engine, expr, gradient_check, mistakes, network, variant};

/// Reading a workbook back, as `check` reads it.
pub mod read {
    pub use crate::reader::{Pos, Sheet, Table, Workbook, column_name, find_tables, number, parse_a1};
}

/// The checker, for tests that go round the binary.
pub mod checker {
    pub use crate::check::{Options, Report, SheetKey, Verdict, check};
    pub use crate::cli::terminal::render;
}

/// The workbook writer and where it puts things, for the benchmarks and the tests.
pub mod write {
    pub use crate::generate::layout::{check_col, sheet_name};
    pub use crate::generate::writer::{Options, ZIP_LEVEL, write};
}

/// The template reader: what a workbook says of a run's inputs, merged with overrides.
pub mod template {
    pub use crate::generate::template::{Overrides, load, read};
}

/// Reads `bytes` as a workbook someone handed in, through every reader such a file meets (the
/// template reader, the checker and the report's rendering), and drops the results: what the
/// fuzz target and the mutation tests drive. Errors are expected; a panic is a bug.
pub fn read_untrusted(bytes: &[u8]) {
    if let Ok(book) = reader::Workbook::from_bytes(std::path::Path::new("untrusted.xlsx"), bytes) {
        let _ = generate::template::read(&book);
        let _ = cli::terminal::render(&check::check(book, &check::Options::default()));
    }
}

/// Reads `bytes` as a workbook someone handed in, checks it, and when it has wrong cells marks
/// them as `check --annotate` does: the marked copy, or None where the workbook cannot be read,
/// has nothing to mark, or cannot be marked (each said in words to the user; here dropped). What
/// the marker's fuzz target drives: a panic is a bug, and every part it writes must parse.
pub fn mark_untrusted(bytes: &[u8]) -> Option<Vec<u8>> {
    let book = reader::Workbook::from_bytes(std::path::Path::new("untrusted.xlsx"), bytes).ok()?;
    let report = check::check(book, &check::Options::default());
    if report.wrong_cells() == 0 {
        return None;
    }
    let mut out = std::io::Cursor::new(Vec::new());
    class::mark::mark(bytes, &report, &mut out).ok()?;
    Some(out.into_inner())
}
