//! `generate`'s pipeline: the template read (or written), the sheet's geometry, and the writer
//! that turns the engine's rows into the workbook.

pub(crate) mod key;
pub(crate) mod layout;
mod stamp;
pub(crate) mod template;
pub(crate) mod writer;
pub(crate) mod writeup;
