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

/// One student's workbook of 1,100 tables on a sheet (typed values, copied from a generated
/// table) beside a classmate's: the class summary is still a workbook for both, the field of
/// sheet names longer than a cell holds cut with a note saying so.
#[test]
fn a_workbook_of_1100_tables_costs_no_one_the_summary() {
    const TABLES: u32 = 1_100;
    const SHEET: &str = "one sheet, eleven hundred table";
    let (dir, out) = generate(&["--values-only", "--learning-rates", "0.5", "--iterations", "2"]);
    let book = read(&out);
    let source = sheet(&book, "LR 0.5");
    let table = &backprop_sheet::read::find_tables(source)[0];
    let (top, bottom) = (table.header_row, *table.rows.last().unwrap());
    let width = table.cols.values().max().unwrap() + 1;
    let class = dir.path().join("class");
    std::fs::create_dir(&class).unwrap();
    std::fs::copy(&out, class.join("a-classmate.xlsx")).unwrap();
    let mut many = rust_xlsxwriter::Workbook::new();
    let target = many.add_worksheet().set_name(SHEET).unwrap();
    let height = bottom - top + 2;
    for k in 0..TABLES {
        for (r, row) in (top..=bottom).enumerate() {
            for col in 0..width {
                let at = (k * height + r as u32, col as u16);
                match source.value(backprop_sheet::read::Pos { row, col }) {
                    Some(calamine::Data::String(s)) => target.write_string(at.0, at.1, s).unwrap(),
                    Some(d) => target.write_number(at.0, at.1, backprop_sheet::read::number(d).unwrap()).unwrap(),
                    None => target,
                };
            }
        }
    }
    many.save(class.join("b-many.xlsx")).unwrap();

    let summary = dir.path().join("summary.xlsx");
    let run = bin().arg("check").arg(&class).args(["--eta", "0.5", "--summary"]).arg(&summary).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let text = String::from_utf8(run.stdout).unwrap();
    assert_eq!(text.lines().last(), Some("2 workbooks: 2 pass, 0 fail, 0 incomplete, 0 nothing to check, 0 unusable"));
    let summary = read(&summary);
    let rows = sheet(&summary, "Class");
    let cell = |a1: &str| rows.value(at(a1)).map(ToString::to_string).unwrap_or_default();
    assert_eq!(cell("F2"), "a-classmate.xlsx", "the file relative to the folder given");
    assert_eq!(cell("F3"), "b-many.xlsx");
    assert_eq!(cell("H3"), "1100", "every table counted");
    let names = vec![SHEET; TABLES as usize].join("; ");
    let note = format!(" … (cut: {} characters, more than a cell holds)", names.chars().count());
    let kept: String = names.chars().take(32_767 - note.chars().count()).collect();
    assert_eq!(cell("I3"), format!("{kept}{note}"));
    assert_eq!(cell("I2"), "LR 0.5", "the classmate's row as ever");
}
