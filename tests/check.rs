//! `check`, end to end: the corpus of real workbooks, and the project's own fixtures.

mod common;

use std::path::{Path, PathBuf};

use backprop_sheet::mistakes::CATALOGUE;
use common::*;
use serde_json::Value;

/// Runs `check --json` on `file`; returns the exit code and the report.
fn check(file: &Path, extra: &[&str]) -> (i32, Value) {
    let out = bin().arg("check").arg(file).arg("--json").args(extra).output().unwrap();
    let code = out.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{stderr}", String::from_utf8_lossy(&out.stdout)));
    (code, report)
}

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
fn the_course_reference_sheet_and_a_students_own() {
    let Some(corpus) = corpus() else { return };
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
fn six_sheets_one_per_rate() {
    let Some(corpus) = corpus() else { return };
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
    }
}

#[test]
fn a_step_column_and_a_labelled_eta() {
    let Some(corpus) = corpus() else { return };
    let (code, report) = check(&corpus.join("step-column.xlsx"), &[]);
    assert_eq!(code, 1);
    let t = &tables(&report)[0];
    assert_eq!(t["eta"], 1.0);
    assert!(t["eta_source"].as_str().unwrap().contains("labelled cell E47"), "{}", t["eta_source"]);
    assert_eq!(t["iterations"], 101);
    let w = wrong(t);
    assert_eq!(
        w.iter().map(|(c, at, _)| (c.as_str(), at.as_str())).collect::<Vec<_>>(),
        [("∂E/∂w3", "AA49"), ("∂E/∂w4", "AB49")]
    );
    assert!(w.iter().all(|(.., keys)| keys == &["a_h1-for-a_h2"]));
}

#[test]
fn a_first_row_alone_is_nothing_to_check_yet() {
    let Some(corpus) = corpus() else { return };
    let (code, report) = check(&corpus.join("initial-values-only.xlsx"), &[]);
    assert_eq!(code, 0);
    assert_eq!(tables(&report).len(), 1);
    assert_eq!(tables(&report)[0]["iterations"], 1);
    assert_eq!(tables(&report)[0]["status"], "nothing_to_check");
    let text = bin().arg("check").arg(corpus.join("initial-values-only.xlsx")).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("NOTHING TO CHECK YET"));
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
    assert!(t["wrong_columns"][0]["diagnosis"]["explanation"].as_str().unwrap().contains("0.5069"));
}

#[test]
fn every_known_mistake_is_caught_at_its_cells_and_named() {
    for mistake in CATALOGUE {
        let (_d, out) = generate(&["--mistake", mistake.key, "--learning-rates", "0.5", "--iterations", "12"]);
        let (code, report) = check(&out, &[]);
        assert_eq!(code, 1, "{}", mistake.key);
        let t = &tables(&report)[0];
        let w = wrong(t);
        let mut cols: Vec<&str> = mistake.cols.iter().map(|c| c.header()).collect();
        let mut found: Vec<&str> = w.iter().map(|(c, ..)| c.as_str()).collect();
        cols.sort();
        found.sort();
        assert_eq!(found, cols, "{}: exactly the columns it touches", mistake.key);
        for (col, at, keys) in &w {
            assert_eq!(keys, &[mistake.key], "{}: diagnosis of {col}", mistake.key);
            let row: u32 = at.trim_start_matches(char::is_alphabetic).parse().unwrap();
            let first = if mistake.cols.iter().all(|c| c.is_input()) { 5 } else { 4 };
            assert_eq!(row, first, "{}: {col} wrong from the first row it can be", mistake.key);
        }
    }
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
    assert!(String::from_utf8_lossy(&out.stderr).contains("no table to check"));
    let out = bin().arg("check").arg(dir.path().join("missing.xlsx")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
}

#[test]
fn the_readme_lists_every_known_mistake() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for m in CATALOGUE {
        assert!(readme.contains(&format!("| `{}` |", m.key)), "README lacks mistake {}", m.key);
    }
}
