//! `check`, end to end: the corpus of real workbooks, and the project's own fixtures.

use std::path::{Path, PathBuf};

use crate::common::check_json as check;
use crate::common::*;
use backprop_sheet::checker::SheetKey;
use backprop_sheet::columns::Columns;
use backprop_sheet::mistakes::CATALOGUE;
use serde_json::Value;

fn tables(report: &Value) -> &Vec<Value> {
    report["tables"].as_array().unwrap()
}

fn table<'a>(report: &'a Value, sheet: &str) -> &'a Value {
    tables(report).iter().find(|t| t["sheet"] == sheet).unwrap_or_else(|| panic!("no table on {sheet}"))
}

/// (column, first wrong cell, mistake keys) of each wrong column.
fn wrong(table: &Value) -> Vec<(String, String, Vec<String>)> {
    table["wrong_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let keys = w["diagnosis"]["mistakes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect();
            (w["column"].as_str().unwrap().to_string(), w["first_wrong_cell"].as_str().unwrap().to_string(), keys)
        })
        .collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn the_course_reference_sheet_and_a_students_own() {
    let corpus = corpus();
    let (code, report) = check(&corpus.join("class-sheet-and-own.xlsx"), &[]);
    assert_eq!(code, 1);
    let rohan = table(&report, "Rohan");
    assert_eq!(rohan["status"], "fail");
    let w = wrong(rohan);
    let cells: Vec<(&str, &str)> = w.iter().map(|(c, at, _)| (c.as_str(), at.as_str())).collect();
    assert_eq!(cells, [("∂E/∂w3", "Z33"), ("∂E/∂w4", "AA33")], "and no other column wrong");
    assert!(w.iter().all(|(.., keys)| keys == &["a_h1-for-a_h2"]));
    assert_eq!(rohan["eta"], 1.0);
    assert!(rohan["wrong_columns"][0]["formula_found"].as_str().unwrap().ends_with("*a_h1*(1-a_h1)*i1"));

    let own = table(&report, "Self");
    assert_eq!(own["status"], "fail");
    let w = wrong(own);
    assert_eq!(w.iter().map(|(c, ..)| c.as_str()).collect::<Vec<_>>(), ["∂E/∂w1", "∂E/∂w2", "∂E/∂w3", "∂E/∂w4"]);
    assert!(w.iter().all(|(.., keys)| keys == &["missing-parentheses"]), "{w:?}");
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn six_sheets_one_per_rate() {
    let corpus = corpus();
    let (code, report) = check(&corpus.join("six-sheets-per-rate.xlsx"), &[]);
    assert_eq!(code, 1);
    assert_eq!(tables(&report).len(), 6);
    for (t, eta) in tables(&report).iter().zip([0.1, 0.2, 0.5, 0.8, 1.0, 2.0]) {
        assert_eq!(t["status"], "fail");
        assert_eq!(t["eta"], eta);
        let w = wrong(t);
        let dw1 = w.iter().find(|(c, ..)| c == "∂E/∂w1").expect("∂E/∂w1 is wrong");
        assert_eq!(dw1.1, "X32", "first wrong in iteration 1");
        assert!(dw1.2.contains(&"product-for-difference".to_string()), "{dw1:?}");
        // The weight updates that read t2 instead of η are named as such.
        let w1 = w.iter().find(|(c, ..)| c == "w1").unwrap();
        assert_eq!(w1.2, ["relative-eta"]);
        let why = &t["wrong_columns"].as_array().unwrap().iter().find(|c| c["column"] == "w1").unwrap()["diagnosis"];
        assert_eq!(
            why["explanation"],
            "η written as B29 without `$`: here it reads B32, t2 of iteration 1; filled down, the reference slid off the η cell. Write it as $B$29"
        );
        // Formulas copied from the neighbouring column are named as such.
        for (col, from) in [("w3", "w2"), ("h1", "w2"), ("E2", "E1")] {
            let copied = t["wrong_columns"].as_array().unwrap().iter().find(|c| {
                c["column"] == col && c["diagnosis"]["mistakes"] == serde_json::json!(["other-column-formula"])
            });
            let copied = copied.unwrap_or_else(|| panic!("{}: {col} copied from {from}", t["sheet"]));
            assert!(copied["diagnosis"]["explanation"].as_str().unwrap().starts_with(&format!("{from}'s formula")));
        }
    }
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn a_step_column_and_a_labelled_eta() {
    let corpus = corpus();
    let (code, report) = check(&corpus.join("step-column.xlsx"), &[]);
    assert_eq!(code, 1);
    let t = &tables(&report)[0];
    assert_eq!(t["eta"], 1.0);
    assert_eq!(t["eta_source"], "labelled cell E47 (label in B47)");
    assert_eq!(t["iterations"], 101);
    let w = wrong(t);
    assert_eq!(
        w.iter().map(|(c, at, _)| (c.as_str(), at.as_str())).collect::<Vec<_>>(),
        [("∂E/∂w3", "AA49"), ("∂E/∂w4", "AB49")]
    );
    assert!(w.iter().all(|(.., keys)| keys == &["a_h1-for-a_h2"]));
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn a_first_row_alone_is_nothing_to_check_yet() {
    let corpus = corpus();
    let (code, report) = check(&corpus.join("initial-values-only.xlsx"), &[]);
    assert_eq!(code, 0);
    assert_eq!(tables(&report).len(), 1);
    assert_eq!(tables(&report)[0]["iterations"], 1);
    assert_eq!(tables(&report)[0]["status"], "nothing_to_check");
    let text = bin().arg("check").arg(corpus.join("initial-values-only.xlsx")).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.lines().find(|l| l.contains("NOTHING TO CHECK YET")),
        Some("  NOTHING TO CHECK YET: only the typed first row, no computed cell"),
        "{text}"
    );
}

#[test]
fn a_generated_workbook_passes_with_no_wrong_cell() {
    let (_d, out) = generate(&["--iterations", "40"]);
    let (code, report) = check(&out, &[]);
    assert_eq!(code, 0);
    assert_eq!(tables(&report).len(), 6);
    for t in tables(&report) {
        assert_eq!(t["status"], "pass", "{t}");
        assert_eq!(t["wrong_cells"], 0);
        assert_eq!(t["checked_cells"], 40 * 31 - 12, "every computed cell checked");
        assert_eq!(t["final_e_total_shown"], t["final_e_total_correct"]);
    }
    let (code, _) = check(&generate(&["--iterations", "5", "--values-only"]).1, &[]);
    assert_eq!(code, 0, "values only: the same numbers pass");
}

#[test]
fn a_generated_workbook_saved_by_libreoffice_still_passes() {
    let (code, report) = check(&fixture("generated-saved-by-libreoffice.xlsx"), &[]);
    assert_eq!(code, 0, "{report}");
    for t in tables(&report) {
        assert_eq!(t["status"], "pass");
        assert_eq!(t["checked_cells"], 20 * 31 - 12);
    }
}

#[test]
fn a_typed_slip_is_reported_once_where_it_is() {
    let (code, report) = check(&fixture("typed-slip.xlsx"), &[]);
    assert_eq!(code, 1);
    let t = &tables(&report)[0];
    assert_eq!(t["wrong_cells"], 1, "the cells computed from the slip are right given it");
    assert_eq!(wrong(t), [("a_h1".to_string(), "K6".to_string(), vec!["typed-value".to_string()])]);
    assert_eq!(
        t["wrong_columns"][0]["diagnosis"]["explanation"],
        "0.5068 is typed, not computed; to the same 4 significant digits the value is 0.5069"
    );
}

/// Every catalogued mistake, written into a workbook of each network it applies to, is found
/// at exactly the cells it changes, from the first row it can be, and named.
#[test]
fn every_known_mistake_is_caught_at_its_cells_and_named_in_every_network() {
    let networks: [&[&str]; 4] = [&[], &["--network", "2-3-2"], &["--network", "3-2-1"], &["--train-bias"]];
    let mut caught = 0;
    for network in networks {
        let columns = params(network).inputs.columns();
        for mistake in CATALOGUE.iter().filter(|m| !m.cols(columns).is_empty()) {
            let args = [network, &["--mistake", mistake.key, "--learning-rates", "0.5", "--iterations", "12"]].concat();
            let (_d, out) = generate(&args);
            let (code, report) = check(&out, &[]);
            let what = format!("{} in {}", mistake.key, columns.network);
            assert_eq!(code, 1, "{what}");
            let t = &tables(&report)[0];
            assert_eq!(t["network"], columns.network.to_string(), "{what}: the network read from the headers");
            let w = wrong(t);
            let mut cols: Vec<String> = mistake.cols(columns).iter().map(|c| c.header()).collect();
            let mut found: Vec<String> = w.iter().map(|(c, ..)| c.clone()).collect();
            cols.sort();
            found.sort();
            assert_eq!(found, cols, "{what}: exactly the columns it touches");
            for (col, at, keys) in &w {
                assert_eq!(keys, &[mistake.key], "{what}: diagnosis of {col}");
                let row: u32 = at.trim_start_matches(char::is_alphabetic).parse().unwrap();
                let first = if mistake.cols(columns).iter().all(|c| c.is_typed()) { 5 } else { 4 };
                assert_eq!(row, first, "{what}: {col} wrong from the first row it can be");
            }
            caught += 1;
        }
    }
    assert_eq!(caught, 12 + 12 + 10 + 12, "every mistake that applies, in each network");
}

#[test]
fn eta_from_the_flag_and_tolerance_from_the_flag() {
    let (_d, out) = generate(&["--learning-rates", "0.5", "--iterations", "6"]);
    let (code, report) = check(&out, &["--eta", "0.7"]);
    assert_eq!(code, 1, "with the wrong η every weight update is wrong");
    let t = &tables(&report)[0];
    assert_eq!(t["eta_source"], "--eta");
    assert_eq!(wrong(t).len(), 8);
    let (code, _) = check(&out, &["--eta", "0.7", "--rel-tol", "0.5"]);
    assert_eq!(code, 0, "a loose enough tolerance accepts it");
}

#[test]
fn a_file_without_a_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.xlsx");
    bin().arg("template").arg("--out").arg(&t).assert().success();
    let out = bin().arg("check").arg(&t).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: {}: no table to check: no sheet has a header row naming t1 t2 i1 i2 w1..w8 (and the other columns; or those of another network) above rows of numbers, nor formulas that compute them.\n",
            t.display()
        )
    );
    let missing = dir.path().join("missing.xlsx");
    let out = bin().arg("check").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("backprop-sheet: {}: no such file. Check the path and the spelling of the name.\n", missing.display())
    );
}

/// (cell, mistake keys) of every wrong cell, in sheet order.
fn cells(report: &Value) -> Vec<(String, Vec<String>)> {
    tables(report)
        .iter()
        .flat_map(|t| t["cells"].as_array().unwrap())
        .map(|c| {
            let keys =
                c["diagnosis"]["mistakes"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().into()).collect();
            (c["cell"].as_str().unwrap().to_string(), keys)
        })
        .collect()
}

#[test]
fn every_known_mistake_gets_the_same_findings_however_the_workbook_was_saved() {
    for mistake in CATALOGUE {
        let args = [maths_for(mistake), &["--mistake", mistake.key, "--learning-rates", "0.5", "--iterations", "12"]];
        let (dir, out) = generate(&args.concat());
        let mut seen = Vec::new();
        for how in [Saved::WithResults, Saved::WithoutResults, Saved::ZerosRecalculateOnOpen] {
            let copy = dir.path().join(format!("{how:?}.xlsx"));
            resave(&out, &copy, how);
            let (code, report) = check(&copy, &[]);
            assert_eq!(code, 1, "{} {how:?}", mistake.key);
            let computed = report["values_computed"].as_str();
            match how {
                Saved::WithResults => assert_eq!(computed, None, "saved results are read as they are"),
                Saved::WithoutResults => assert_eq!(computed, Some("the workbook has formulas without saved results")),
                Saved::ZerosRecalculateOnOpen => assert_eq!(
                    computed,
                    Some(
                        "the workbook asks to be recalculated when opened (fullCalcOnLoad), so its saved results are placeholders"
                    )
                ),
            }
            let found = cells(&report);
            assert!(found.iter().all(|(_, keys)| keys == &[mistake.key]), "{} {how:?}: {found:?}", mistake.key);
            seen.push(found);
        }
        assert_eq!(seen[0], seen[1], "{}: without results, the same cells", mistake.key);
        assert_eq!(seen[0], seen[2], "{}: results saved as 0, the same cells", mistake.key);
    }
}

#[test]
fn a_correct_workbook_saved_without_results_passes_and_says_why_it_computed() {
    let (dir, out) = generate(&["--learning-rates", "0.5,2", "--iterations", "30"]);
    for how in [Saved::WithoutResults, Saved::ZerosRecalculateOnOpen] {
        let copy = dir.path().join("copy.xlsx");
        resave(&out, &copy, how);
        let (code, report) = check(&copy, &[]);
        assert_eq!(code, 0, "{how:?}: {report}");
        assert!(tables(&report).iter().all(|t| t["checked_cells"] == 30 * 31 - 12), "{how:?}");
        let text = bin().arg("check").arg(&copy).output().unwrap();
        let why = match how {
            Saved::WithoutResults => "the workbook has formulas without saved results",
            _ => {
                "the workbook asks to be recalculated when opened (fullCalcOnLoad), so its saved results are placeholders"
            }
        };
        let text = String::from_utf8(text.stdout).unwrap();
        assert_eq!(text.lines().nth(1), Some(format!("values computed here: {why}").as_str()), "{how:?}");
    }
}

/// The first finding of the table on `sheet`: (column, cells, mistake keys, explanation).
fn finding(report: &Value, sheet: &str, k: usize) -> (String, String, Vec<String>, String) {
    let w = &table(report, sheet)["wrong_columns"][k];
    let keys = w["diagnosis"]["mistakes"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().into()).collect();
    (
        w["column"].as_str().unwrap().into(),
        w["cells"].as_str().unwrap().into(),
        keys,
        w["diagnosis"]["explanation"].as_str().unwrap().into(),
    )
}

#[test]
fn structural_slips_are_named_by_what_was_written() {
    let (code, report) = check(&fixture("structural-slips.xlsx"), &[]);
    assert_eq!(code, 1);
    // η filled down without `$`: from F6 on, every update reads the cell below the last.
    let (col, at, keys, why) = finding(&report, "LR 0.5", 0);
    assert_eq!((col.as_str(), at.as_str(), keys.as_slice()), ("w1", "F6:F15", &["relative-eta".to_string()][..]));
    assert_eq!(
        why,
        "η written as B1 without `$`: here it reads B2, an empty cell; filled down, the reference slid off the η cell. Write it as $B$1"
    );
    assert_eq!(table(&report, "LR 0.5")["wrong_columns"].as_array().unwrap().len(), 1);
    // η slid onto the header: the cell holds #VALUE!, and says so.
    let (col, at, keys, why) = finding(&report, "LR 0.8", 0);
    assert_eq!((col.as_str(), at.as_str(), keys[0].as_str()), ("w2", "G7", "relative-eta"));
    assert_eq!(
        why,
        "η written as B1 without `$`: here it reads B3, the header; filled down, the reference slid off the η cell. Write it as $B$1"
    );
    assert_eq!(table(&report, "LR 0.8")["wrong_columns"][0]["found"], "#VALUE!");
    // A number typed where η belongs, and one reference for another.
    let (_, at, keys, why) = finding(&report, "LR 1", 0);
    assert_eq!((at.as_str(), keys[0].as_str()), ("H6", "number-for-eta"));
    assert_eq!(why, "the number 0.2 typed where the η cell B1 belongs: the sheet no longer follows η");
    let (col, at, keys, why) = finding(&report, "LR 1", 1);
    assert_eq!(
        (col.as_str(), at.as_str(), keys[0].as_str(), why.as_str()),
        ("a_h1", "K8", "wrong-reference", "h2 where h1 belongs")
    );
    // The row a reference reads, and an error that is not #NUM!.
    let (_, at, keys, why) = finding(&report, "LR 2", 0);
    assert_eq!((at.as_str(), keys[0].as_str()), ("N8", "wrong-row"));
    assert_eq!(why, "reads w5 of 2 rows up (N6) where the row above's belongs");
    assert_eq!(table(&report, "LR 2")["wrong_columns"][1]["found"], "#DIV/0!");
    let (col, at, keys, _) = finding(&report, "LR 2", 2);
    assert_eq!((col.as_str(), at.as_str(), keys[0].as_str()), ("∂E/∂w6", "AD9", "gradient-sign"));
}

#[test]
fn a_deleted_row_is_named_in_a_formula_table_and_in_a_table_of_values() {
    let (code, report) = check(&fixture("deleted-row-formulas.xlsx"), &[]);
    assert_eq!(code, 1);
    let found = cells(&report);
    assert_eq!(found.len(), 12, "the cells whose formulas read the deleted row, and no other: {found:?}");
    assert!(found.iter().all(|(cell, keys)| cell.ends_with('8') && keys == &["deleted-reference"]), "{found:?}");

    let (code, report) = check(&fixture("deleted-row-values.xlsx"), &[]);
    assert_eq!(code, 1);
    let found = cells(&report);
    let weights: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(weights, ["F8", "G8", "H8", "I8", "N8", "O8", "P8", "Q8"]);
    assert!(found.iter().all(|(_, keys)| keys == &["missing-iteration"]), "{found:?}");
    let text = bin().arg("check").arg(fixture("deleted-row-values.xlsx")).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.lines().find(|l| l.contains("w1 .. w8")),
        Some("  w1 .. w8: F8 .. Q8 (8 wrong cells, iteration 5)"),
        "{text}"
    );
}

#[test]
fn a_number_typed_over_a_formula_is_right_by_value_and_noted() {
    let (_, report) = check(&fixture("typed-slip.xlsx"), &[]);
    assert_eq!(tables(&report)[0]["typed_over"], serde_json::json!(["M6"]), "K6 is wrong, M6 right but typed");
}

/// Writes a sheet of typed values with `tables` side by side on one header row: each its column
/// offset, its rows (value of a column at an iteration), written by `cell`.
fn value_workbook(path: &Path, tables: &[u32], rows: usize, cell: impl Fn(usize, usize, usize) -> Option<f64>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "η").unwrap();
    sheet.write_number(0, 1, 0.5).unwrap();
    for (t, &left) in tables.iter().enumerate() {
        for (k, col) in Columns::class().all().iter().enumerate() {
            sheet.write_string(2, left as u16 + k as u16, col.header()).unwrap();
            for r in 0..rows {
                if let Some(v) = cell(t, r, k) {
                    sheet.write_number(3 + r as u32, left as u16 + k as u16, v).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

fn engine_rows(n: usize) -> Vec<backprop_sheet::engine::Row> {
    let params = params(&[]);
    backprop_sheet::engine::rows(&params.inputs, 0.5, n, Columns::class().formulas()).collect()
}

#[test]
fn two_tables_on_one_header_row_are_both_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.xlsx");
    let rows = engine_rows(8);
    // The second table has one slip: a_h1 (its column 9) of iteration 4.
    value_workbook(&path, &[0, 33], 8, |t, r, k| {
        let v = rows[r].values[k];
        Some(if t == 1 && r == 3 && k == 9 { v + 0.01 } else { v })
    });
    let (code, report) = check(&path, &[]);
    assert_eq!(code, 1);
    assert_eq!(tables(&report).len(), 2);
    assert_eq!(tables(&report)[0]["status"], "pass");
    assert_eq!(tables(&report)[1]["at"], "AH3");
    assert_eq!(cells(&report), [("AQ7".to_string(), vec!["typed-value".to_string()])]);
}

#[test]
fn a_typed_table_of_six_digits_passes_with_a_value_one_ulp_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("six.xlsx");
    let rows = engine_rows(6);
    let six = |x: f64| format!("{x:.5e}").parse::<f64>().unwrap();
    value_workbook(&path, &[0], 6, |_, r, k| {
        let v = if k < 4 || r == 0 && k < 16 { rows[r].values[k] } else { six(rows[r].values[k]) };
        // As a program writing 17 digits stores a six-digit number: one ulp away.
        Some(if r == 2 && k == 9 { v.next_up() } else { v })
    });
    let (code, report) = check(&path, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(tables(&report)[0]["status"], "pass");
}

#[test]
fn text_in_the_first_row_is_a_finding_at_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.xlsx");
    let rows = engine_rows(1);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (k, col) in Columns::class().all().iter().enumerate() {
        sheet.write_string(2, k as u16, col.header()).unwrap();
        if k == 0 {
            sheet.write_string(3, 0, "0,01").unwrap();
        } else {
            sheet.write_number(3, k as u16, rows[0].values[k]).unwrap();
        }
    }
    book.save(&path).unwrap();
    let (code, report) = check(&path, &[]);
    assert_eq!(code, 1, "{report}");
    let t = &tables(&report)[0];
    assert_eq!(t["status"], "fail");
    assert_eq!(cells(&report), [("A4".to_string(), vec!["not-a-number".to_string()])]);
    assert_eq!(t["cells"][0]["found"], "0,01");
}

#[test]
fn json_is_printed_on_every_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.xlsx");
    let (code, report) = check(&missing, &[]);
    assert_eq!(code, 2);
    assert_eq!(report["file"], missing.display().to_string());
    assert_eq!(
        report["error"],
        format!("{}: no such file. Check the path and the spelling of the name.", missing.display())
    );
    let (code, report) = check(&fixture("typed-slip.xlsx"), &["--eta", "-1"]);
    assert_eq!(code, 2, "a usage error");
    assert_eq!(
        report["error"],
        "invalid value '-1' for '--eta <ETA>': learning rate -1 is not a positive number: every learning rate must be > 0"
    );
}

/// The course's reference sheet, saved by Excel, is the oracle: the same run generated here holds
/// every one of its computed cells bit for bit, and `check` computes the same numbers from the
/// formulas alone when the results are not saved.
#[test]
fn excel_s_own_sheet_is_reproduced_cell_for_cell() {
    let corpus = corpus();
    let excel = read(&corpus.join("class-sheet-and-own.xlsx"));
    let rohan = sheet(&excel, "Rohan");
    let oracle = &backprop_sheet::read::find_tables(rohan)[0];
    let args = ["--mistake", "a_h1-for-a_h2", "--set", "t1=0.5", "--set", "t2=0.5", "--learning-rates", "1"];
    let (dir, out) = generate(&[&args[..], &["--iterations", "68"]].concat());
    let ours = read(&out);
    let lr = sheet(&ours, "LR 1");
    let table = &backprop_sheet::read::find_tables(lr)[0];
    let mut compared = 0;
    for iteration in 1..=68 {
        for &col in Columns::class().all() {
            let excel_value = rohan.number(oracle.pos(col, iteration).unwrap());
            let value = lr.number(table.pos(col, iteration).unwrap());
            assert!(excel_value.is_some());
            assert_eq!(value, excel_value, "{col:?} iteration {iteration}");
            compared += 1;
        }
    }
    assert_eq!(compared, 2108, "68 rows of 31 columns, the typed first row included");
    println!("Excel oracle: {compared} cells of sheet 'Rohan' reproduced bit for bit");

    let copy = dir.path().join("no-results.xlsx");
    resave(&out, &copy, Saved::WithoutResults);
    let (_, report) = check(&copy, &[]);
    let t = &tables(&report)[0];
    let dw3 = &t["wrong_columns"][0];
    assert_eq!(dw3["found"].as_f64(), rohan.number(at("Z33")), "computed from the formulas, Excel's number");
    assert_eq!(
        t["final_e_total_shown"].as_f64(),
        rohan.number(oracle.pos(backprop_sheet::columns::Col::ETotal, 68).unwrap())
    );
}

#[test]
fn a_duplicated_row_in_a_table_of_values_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.xlsx");
    let rows = engine_rows(8);
    // Iteration 4 pasted twice: sheet rows 7 and 8 hold the same numbers.
    value_workbook(&path, &[0], 9, |_, r, k| Some(rows[if r <= 3 { r } else { r - 1 }].values[k]));
    let (code, report) = check(&path, &[]);
    assert_eq!(code, 1);
    let found = cells(&report);
    let at: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(at, ["E8", "F8", "G8", "H8", "M8", "N8", "O8", "P8"], "the weights of the copy, nothing after it");
    assert!(found.iter().all(|(_, keys)| keys == &["row-repeated"]), "{found:?}");
}

#[test]
fn the_readme_quotes_the_definitions_and_the_catalogue_as_they_are() {
    let derivation = Columns::class().formulas().derivation();
    assert_eq!(readme_section("<!-- generated: Formulas::derivation -->"), derivation);
    let table: Vec<String> = CATALOGUE.iter().map(|m| format!("| `{}` | {} |", m.key, m.what)).collect();
    assert_eq!(readme_section("<!-- generated: mistakes::CATALOGUE -->"), table);
    let keys: Vec<String> = SheetKey::ALL.iter().map(|k| format!("| `{}` | {} |", k.key(), k.meaning())).collect();
    assert_eq!(readme_section("<!-- generated: check::SheetKey -->"), keys);
}

/// A table of typed values, each rounded to `digits` significant digits and computed, column by
/// column, from the rounded cells it reads (its own row's and the row above's), as a student
/// rounding every value as they type it would: every cell is right to the precision it was
/// typed with. Written at `path`, headed as the class layout heads it.
fn rounded_table(path: &Path, digits: usize, iterations: usize, eta: f64) {
    use backprop_sheet::columns::Ref;
    let columns = Columns::class();
    let inputs = params(&[]).inputs;
    let round = |x: f64| format!("{:.*e}", digits - 1, x).parse::<f64>().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut above: Vec<f64> = Vec::new();
    for (c, &col) in columns.all().iter().enumerate() {
        sheet.write_string(0, c as u16, col.header()).unwrap();
    }
    for iteration in 0..iterations {
        let mut row = vec![0.0; columns.len()];
        for (c, &col) in columns.all().iter().enumerate() {
            row[c] = round(if iteration == 0 && columns.is_input(col) {
                inputs.get(col)
            } else {
                columns.definition(col).eval(&|r: Ref| match r {
                    Ref::Cur(c) => row[columns.index(c)],
                    Ref::Prev(c) => above[columns.index(c)],
                    Ref::Param(_) => eta,
                })
            });
            sheet.write_number(1 + iteration as u32, c as u16, row[c]).unwrap();
        }
        above = row;
    }
    book.save(path).unwrap();
}

/// Every cell right to the precision it was typed with, and still no PASS: values rounded to
/// three digits as they are typed stop the weights moving, and the last E_total is not the one
/// correct arithmetic reaches from the first row. At full precision, the same table passes.
#[test]
fn a_final_e_total_correct_arithmetic_does_not_reach_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (rounded, full) = (dir.path().join("rounded.xlsx"), dir.path().join("full.xlsx"));
    rounded_table(&rounded, 3, 60, 0.5);
    rounded_table(&full, 17, 60, 0.5);
    let (code, report) = check(&full, &["--eta", "0.5"]);
    assert_eq!((code, &report["verdict"]), (0, &Value::from("pass")), "{report:#}");
    let (code, report) = check(&rounded, &["--eta", "0.5"]);
    let t = &tables(&report)[0];
    assert_eq!((code, &report["verdict"]), (1, &Value::from("incomplete")), "{report:#}");
    assert_eq!(t["wrong_cells"], 0, "every cell right to its three digits");
    assert_eq!(
        t["not_checked"],
        serde_json::json!([format!(
            "E_total: the last row shows {}, correct arithmetic from the first row and η reaches {}: a cell that could not be checked is wrong",
            t["final_e_total_shown"], t["final_e_total_correct"]
        )])
    );
    let (shown, correct) = (t["final_e_total_shown"].as_f64().unwrap(), t["final_e_total_correct"].as_f64().unwrap());
    // Half a unit of the third digit of 0.05..., and the drift allowed a table of typed values.
    assert!((shown - correct).abs() > 5e-5 + 1e-4 * correct, "beyond its three digits: {shown} against {correct}");
}
