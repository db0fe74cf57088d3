//! backprop-sheet: the 2-2-2 backpropagation assignment worksheet, computed exactly as a
//! spreadsheet computes it, written as an Excel workbook, and checked cell by cell.

pub mod columns;
pub mod engine;
pub mod expr;
