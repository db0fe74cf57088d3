//! Columns identified by what they compute: the same workbook with its header row rewritten
//! (spelled as real workbooks spell it, a typo, another language, blank, two pairs of headers
//! swapped) and saved without
//! results by openpyxl gets the findings of the original, cell for cell.

use std::path::Path;
use std::process::Command;

use crate::common::check_json as check;
use crate::common::*;
use backprop_sheet::mistakes::CATALOGUE;
use serde_json::Value;

const MODES: [&str; 5] = ["spellings", "typo", "foreign", "blank", "swapped"];

/// Rewrites `from`'s header rows in every mode, beside it: `{stem}-{mode}.xlsx`.
fn rewrite_headers(from: &Path, stem: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
    let status = Command::new("python3").arg(script).arg(from).arg(stem).args(MODES).status().unwrap();
    assert!(status.success(), "the header rewriting script failed");
}

/// A report without what depends on the file's name and headers: the findings alone.
fn findings(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("file");
    for t in report["tables"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("identified");
    }
    report
}

/// The terminal's report without the file's name and the lines saying how columns were read.
fn text(file: &Path) -> Vec<String> {
    let out = bin().arg("check").arg(file).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("  identified: "))
        .map(String::from)
        .collect()
}

#[test]
fn rewritten_headers_get_the_findings_of_the_original() {
    // Identified from formulas, a table is read with the class's maths: the mistakes of others
    // need their headers.
    let class_s = CATALOGUE.iter().filter(|m| maths_for(m).is_empty());
    let keys = std::iter::once(None).chain(class_s.map(|m| Some(m.key)));
    for key in keys {
        let mut args = vec!["--learning-rates", "0.5", "--iterations", "8"];
        args.extend(key.iter().flat_map(|k| ["--mistake", k]));
        let (dir, out) = generate(&args);
        let original = dir.path().join("original.xlsx");
        resave(&out, &original, Saved::WithoutResults);
        rewrite_headers(&out, &dir.path().join("headers"));
        let (code, want) = check(&original, &[]);
        assert_eq!(code, if key.is_some() { 1 } else { 0 }, "{key:?}");
        let want_text = text(&original);
        for mode in MODES {
            let copy = dir.path().join(format!("headers-{mode}.xlsx"));
            let (got_code, got) = check(&copy, &[]);
            let what = format!("{key:?} with headers {mode}");
            assert_eq!(got_code, code, "{what}");
            let identified = got["tables"][0]["identified"].as_array().unwrap().len();
            assert_eq!(identified > 0, mode != "spellings", "{what}: {}", got["tables"][0]["identified"]);
            assert_eq!(findings(got), findings(want.clone()), "{what}");
            assert_eq!(text(&copy), want_text, "{what}");
        }
    }
}

#[test]
fn a_typo_in_a_header_is_read_from_the_formulas_and_said() {
    let (dir, out) = generate(&["--learning-rates", "0.5", "--iterations", "8"]);
    rewrite_headers(&out, &dir.path().join("headers"));
    let (code, report) = check(&dir.path().join("headers-typo.xlsx"), &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["tables"][0]["identified"],
        serde_json::json!(["column C, headed `i2`, computes as t2: read as t2"])
    );
    // Every column named once, but wrongly: the formulas say which is which.
    let (code, report) = check(&dir.path().join("headers-swapped.xlsx"), &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["tables"][0]["identified"],
        serde_json::json!([
            "column J, headed `a_h1`, computes as h1: read as h1",
            "column K, headed `h1`, computes as a_h1: read as a_h1",
            "column N, headed `w6`, computes as w5: read as w5",
            "column O, headed `w5`, computes as w6: read as w6"
        ])
    );
    let (_, blank) = check(&dir.path().join("headers-blank.xlsx"), &[]);
    let lines = blank["tables"][0]["identified"].as_array().unwrap();
    assert_eq!(lines.len(), 31, "every column of the blank header");
    assert_eq!(lines[0], "column B, with no header, computes as t1: read as t1");
    assert_eq!(lines[30], "column AF, with no header, computes as ∂E/∂w8: read as ∂E/∂w8");
}

/// The shapes that once passed unearned: gradient columns or activations under names no one
/// reads, a table left unfinished, a table of typed values without its gradient headers.
#[test]
fn no_pass_that_was_not_earned() {
    let (dir, out) = generate(&["--mistake", "a_h1-for-a_h2", "--learning-rates", "0.5", "--iterations", "8"]);
    let stem = dir.path().join("shape");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
    let modes = ["gradients-unnamed", "activations-unnamed", "unfinished"];
    assert!(Command::new("python3").arg(&script).arg(&out).arg(&stem).args(modes).status().unwrap().success());
    let original = dir.path().join("original.xlsx");
    resave(&out, &original, Saved::WithoutResults);
    let (_, want) = check(&original, &[]);
    for mode in &modes[..2] {
        let (code, report) = check(&dir.path().join(format!("shape-{mode}.xlsx")), &[]);
        assert_eq!((code, &report["verdict"]), (1, &Value::from("fail")), "{mode}");
        assert_eq!(findings(report), findings(want.clone()), "{mode}");
    }
    let (code, report) = check(&dir.path().join("shape-unfinished.xlsx"), &[]);
    assert_eq!((code, &report["verdict"]), (1, &Value::from("fail")), "the first row's mistake is still found");
    assert_eq!(
        report["tables"][0]["not_checked"],
        serde_json::json!([
            "row 5: begun but not finished (w1 w2 w3 w4 w5 w6 w7 w8 filled; t1 t2 i1 i2 h1 a_h1 h2 a_h2 o1 a_o1 o2 a_o2 E1 E2 E_total ∂E/∂w1 ∂E/∂w2 ∂E/∂w3 ∂E/∂w4 ∂E/∂w5 ∂E/∂w6 ∂E/∂w7 ∂E/∂w8 empty)"
        ])
    );
    let (dir, out) = generate(&["--learning-rates", "0.5", "--iterations", "8"]);
    let stem = dir.path().join("shape");
    assert!(Command::new("python3").arg(&script).arg(&out).arg(&stem).arg("unfinished").status().unwrap().success());
    let (code, report) = check(&dir.path().join("shape-unfinished.xlsx"), &[]);
    assert_eq!((code, &report["verdict"]), (1, &Value::from("incomplete")), "{report}");
    let (dir, out) = generate(&["--values-only", "--learning-rates", "0.5", "--iterations", "8"]);
    let stem = dir.path().join("shape");
    assert!(
        Command::new("python3").arg(&script).arg(&out).arg(&stem).arg("gradients-unnamed").status().unwrap().success()
    );
    let (code, report) = check(&dir.path().join("shape-gradients-unnamed.xlsx"), &[]);
    assert_eq!((code, &report["verdict"]), (1, &Value::from("incomplete")), "{report}");
    assert_eq!(
        report["tables"][0]["not_checked"][0],
        "∂E/∂w1: no column headed so (a table of typed values is read by its headers alone)"
    );
}

/// Six tables on one sheet, one per learning rate, stacked or side by side, each with its η cell
/// above it, headed as a real workbook heads them (`t1 ( output of out_o1)`,
/// `∂(E_total)/∂w1`) or not at all: each is found and checked with its own η.
#[test]
fn six_tables_on_one_sheet_each_with_its_eta() {
    let (dir, out) = generate(&["--iterations", "10", "--mistake", "a_h1-for-a_h2"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/one-sheet.py");
    for how in ["stacked", "side-by-side"] {
        for headers in ["real", "blank"] {
            let one = dir.path().join(format!("{how}-{headers}.xlsx"));
            let real = (headers == "real").then_some("real");
            assert!(
                Command::new("python3")
                    .arg(&script)
                    .arg(&out)
                    .arg(&one)
                    .arg(how)
                    .args(real)
                    .status()
                    .unwrap()
                    .success()
            );
            let file = if headers == "blank" {
                let stem = dir.path().join(how);
                let rewrite = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
                assert!(
                    Command::new("python3").arg(rewrite).arg(&one).arg(&stem).arg("blank").status().unwrap().success()
                );
                dir.path().join(format!("{how}-blank.xlsx"))
            } else {
                one
            };
            let (code, report) = check(&file, &[]);
            let what = format!("{how}, headers {headers}");
            assert_eq!(code, 1, "{what}");
            let tables = report["tables"].as_array().unwrap();
            let etas: Vec<f64> = tables.iter().map(|t| t["eta"].as_f64().unwrap()).collect();
            assert_eq!(etas, [0.1, 0.2, 0.5, 0.8, 1.0, 2.0], "{what}");
            for t in tables {
                let columns: Vec<&str> =
                    t["wrong_columns"].as_array().unwrap().iter().map(|w| w["column"].as_str().unwrap()).collect();
                assert_eq!(columns, ["∂E/∂w3", "∂E/∂w4"], "{what}: {}", t["at"]);
                assert_eq!(t["wrong_cells"], 20, "{what}");
            }
        }
    }
}

/// A workbook laid out another way is refused with what was found: the header row that comes
/// closest and the columns it lacks, or one iteration per sheet in labelled cells.
#[test]
fn what_was_found_where_no_table_is() {
    let (dir, out) = generate(&["--values-only", "--learning-rates", "0.5", "--iterations", "4"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
    let stem = dir.path().join("values");
    assert!(Command::new("python3").arg(script).arg(&out).arg(&stem).arg("typo").status().unwrap().success());
    let typo = dir.path().join("values-typo.xlsx");
    let run = bin().arg("check").arg(&typo).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "backprop-sheet: {}: no table to check: the closest is row 3 of sheet 'LR 0.5', which names t1 i2 i1 i2 w1 w2 w3 w4 and 23 more but no column headed t2; a table of typed values needs every typed column headed.\n",
            typo.display()
        )
    );
    let mazur = dir.path().join("mazur.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("iter 1").unwrap();
    for (k, (label, value)) in
        [("i1", 0.05), ("h1", 0.3775), ("out_h1", 0.5933), ("o1", 1.1059), ("out_o1", 0.7514), ("E_total", 0.2984)]
            .into_iter()
            .enumerate()
    {
        sheet.write_string(k as u32, 0, label).unwrap();
        sheet.write_number(k as u32, 1, value).unwrap();
    }
    book.save(&mazur).unwrap();
    let run = bin().arg("check").arg(&mazur).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "backprop-sheet: {}: no table to check: sheet 'iter 1' holds labelled cells h1, out_h1, o1, out_o1, E_total, ...: one iteration per sheet, which check does not read; put the iterations in rows under a header row (t1 t2 i1 i2 w1..w8 ...).\n",
            mazur.display()
        )
    );
}

/// A table of other maths (Adam, whose updates read β1, β2 and δ) with two pairs of headers
/// swapped, or spelled otherwise, is read from its formulas with the original's findings.
#[test]
fn an_adam_table_s_swapped_headers_are_read_from_its_formulas() {
    let (dir, out) = generate(&[
        "--optimizer",
        "adam",
        "--mistake",
        "a_h1-for-a_h2",
        "--learning-rates",
        "0.5",
        "--iterations",
        "6",
    ]);
    let stem = dir.path().join("adam");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
    let modes = ["spellings", "swapped"];
    assert!(Command::new("python3").arg(&script).arg(&out).arg(&stem).args(modes).status().unwrap().success());
    // The original as the rewritten ones are saved: without results, as openpyxl saves.
    let unsaved = dir.path().join("adam-unsaved.xlsx");
    resave(&out, &unsaved, Saved::WithoutResults);
    let (code, original) = check_json(&unsaved, &[]);
    assert_eq!(code, 1);
    assert!(original["tables"][0]["network"].as_str().unwrap().contains("Adam"), "{}", original["tables"][0]);
    for mode in modes {
        let (code, got) = check_json(&dir.path().join(format!("adam-{mode}.xlsx")), &[]);
        assert_eq!(code, 1, "{mode}");
        let identified = got["tables"][0]["identified"].as_array().unwrap().len();
        assert_eq!(identified > 0, mode == "swapped", "{mode}: {}", got["tables"][0]["identified"]);
        assert_eq!(findings(got), findings(original.clone()), "{mode}");
    }
}
