//! backprop-sheet: the 2-2-2 backpropagation assignment worksheet (and any small network like it),
//! computed exactly as a spreadsheet computes it, written as an Excel workbook, and checked cell
//! by cell.
//!
//! The data takes one path: a template is read into [`engine::Params`], the engine turns them
//! into rows from the column definitions in [`columns`] (generated from the [`network`]), and the
//! report writes the rows as a workbook; `check` reads a filled-in workbook and compares it with
//! the same definitions.

pub mod check;
pub mod class;
pub mod cli;
pub mod columns;
pub mod engine;
pub mod expr;
pub mod gradient_check;
pub mod layout;
pub mod mark;
pub mod mistakes;
pub mod network;
pub mod output;
pub mod panics;
pub mod report;
pub mod summary;
pub mod template;
pub mod terminal;
pub mod workbook;
