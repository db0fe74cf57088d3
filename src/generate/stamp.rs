//! The stamp as the writers put it in a workbook: custom document properties, which Excel and
//! LibreOffice keep through a save and show only under File > Properties.

use rust_xlsxwriter::DocProperties;

use crate::model::variant::Stamp;

pub(crate) fn properties(stamp: &Stamp) -> DocProperties {
    let mut properties = DocProperties::new();
    if let Some(student) = &stamp.issue.student {
        properties = properties.set_custom_property(Stamp::STUDENT, student.as_str());
    }
    // As text: a seed is any 64-bit number, and a number property holds an i32 or a double.
    if let Some(seed) = stamp.issue.seed {
        properties = properties.set_custom_property(Stamp::SEED, seed.to_string());
    }
    if let Some(values) = &stamp.values {
        properties = properties.set_custom_property(Stamp::VALUES, values.as_str());
    }
    properties
}
