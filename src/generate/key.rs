//! The key of a class's variants: every student's initial values in one CSV, which is also a
//! roster (its first columns are `id`, `name`, `email`) and all a teacher needs besides the seed.

use std::io::Write;

use crate::error::Failure;
use crate::model::engine::Inputs;
use crate::model::variant::digest;
use crate::reader::roster::{Student, escape};

/// Writes the key: a header `id,name,email,seed,values,<each typed column>`, then a row per
/// student. Student text is escaped ([`escape`]) so that no spreadsheet opening the file
/// evaluates it.
pub(crate) fn write<W: Write>(issued: &[(&Student, Inputs)], seed: u64, out: W) -> Result<(), Failure> {
    let mut csv = csv::Writer::from_writer(out);
    let failed = |_| Failure::Failed("the CSV could not be written".into());
    let Some((_, first)) = issued.first() else { return Ok(()) };
    let typed: Vec<_> = first.columns().typed().collect();
    let header = ["id", "name", "email", "seed", "values"].map(String::from).into_iter();
    csv.write_record(header.chain(typed.iter().map(|c| c.name()))).map_err(failed)?;
    for (student, inputs) in issued {
        let text = [&student.id, &student.name, &student.email].map(|t| escape(t));
        let stamp = [seed.to_string(), digest(inputs)];
        let values = typed.iter().map(|&c| inputs.get(c).to_string());
        csv.write_record(text.into_iter().chain(stamp).chain(values)).map_err(failed)?;
    }
    csv.flush().map_err(|e| Failure::Failed(crate::error::io_reason(&e)))
}
