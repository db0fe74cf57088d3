//! Columns identified by what they compute: the same workbook with its header row rewritten
//! (spelled as real workbooks spell it, a typo, another language, blank) and saved without
//! results by openpyxl gets the findings of the original, cell for cell.

use std::path::Path;
use std::process::Command;

use crate::common::check_json as check;
use crate::common::*;
use backprop_sheet::mistakes::CATALOGUE;
use serde_json::Value;

const MODES: [&str; 4] = ["spellings", "typo", "foreign", "blank"];

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
    let keys = std::iter::once(None).chain(CATALOGUE.iter().map(|m| Some(m.key)));
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
    let (_, blank) = check(&dir.path().join("headers-blank.xlsx"), &[]);
    let lines = blank["tables"][0]["identified"].as_array().unwrap();
    assert_eq!(lines.len(), 31, "every column of the blank header");
    assert_eq!(lines[0], "column B, with no header, computes as t1: read as t1");
    assert_eq!(lines[30], "column AF, with no header, computes as ∂E/∂w8: read as ∂E/∂w8");
}
