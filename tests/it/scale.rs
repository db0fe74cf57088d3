//! A large run, end to end: the last row of 200,000 iterations as written is the engine's.
//! (Not timed: the speed and memory figures live in the benchmarks, see the README.)

use std::io::BufReader;

use crate::common::*;
use backprop_sheet::columns::Columns;
use backprop_sheet::engine::last_row;
use quick_xml::events::Event;

/// The cached values of the last row of a worksheet part, streamed (the sheet is far too large
/// to hold as a grid): column letters -> the text in `<v>`.
fn last_row_of(path: &std::path::Path, part: &str) -> (u32, Vec<(String, String)>) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let sheet = BufReader::new(zip.by_name(part).unwrap());
    let mut reader = quick_xml::Reader::from_reader(sheet);
    let (mut row, mut cells, mut cell, mut in_v) = (0u32, Vec::new(), String::new(), false);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            Event::Start(e) if e.name().0 == "row" => {
                let r = e.try_get_attribute("r").unwrap().unwrap();
                row = r.value.parse().unwrap();
                cells.clear();
            }
            Event::Start(e) if e.name().0 == "c" => {
                let r = e.try_get_attribute("r").unwrap().unwrap();
                cell = r.value.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
            }
            Event::Start(e) if e.name().0 == "v" => in_v = true,
            Event::Text(t) if in_v => cells.push((cell.clone(), t.to_string())),
            Event::End(e) if e.name().0 == "v" => in_v = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (row, cells)
}

#[test]
fn the_last_row_of_a_large_run_is_the_engines() {
    const N: usize = 200_000;
    let (_dir, out) = generate(&["--learning-rates", "0.8", "--iterations", &N.to_string()]);
    let params = params(&["--learning-rates", "0.8", "--iterations", &N.to_string()]);
    let columns = Columns::class();
    let (want, diverged) = last_row(&params.inputs, 0.8, N, columns.formulas());
    assert_eq!(diverged, None);
    let (row, cells) = last_row_of(&out, "xl/worksheets/sheet2.xml");
    assert_eq!(row as usize, N + 3, "iteration {N} is in sheet row {}", N + 3);
    assert_eq!(cells.len(), 1 + columns.len(), "the iteration and every column");
    assert_eq!(cells[0].0, "A");
    assert_eq!(cells[0].1.parse::<f64>().unwrap(), N as f64);
    for (col, (letters, text)) in columns.all().iter().zip(&cells[1..]) {
        assert_eq!(*letters, backprop_sheet::read::column_name(1 + columns.index(*col) as u32));
        assert_eq!(text.parse::<f64>().unwrap(), want.get(*col), "{col:?} at iteration {N}");
    }
}
