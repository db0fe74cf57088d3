//! The slips of real workbooks, each blamed once where it starts and named for what it is: an
//! error flowing down is right where its inputs produce it, a typo in a table of values is
//! wrong at its cell only, a number typed over a formula is said to be typed.

use std::path::Path;
use std::process::Command;

use crate::common::check_json as check;
use crate::common::*;
use serde_json::{Value, json};

/// (cells, mistake keys, explanation) of each finding of the only table.
fn findings(report: &Value) -> Vec<(String, Value, String)> {
    report["tables"][0]["wrong_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let cells = w["cells"].as_str().unwrap().to_string();
            (cells, w["diagnosis"]["mistakes"].clone(), w["diagnosis"]["explanation"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn each_slip_is_blamed_once_for_what_it_is() {
    let (dir, formulas) = generate(&["--learning-rates", "0.5", "--iterations", "10"]);
    let values = dir.path().join("values.xlsx");
    let made = bin()
        .args(["generate", "-q", "--values-only", "--learning-rates", "0.5", "--iterations", "10", "--out"])
        .arg(&values)
        .output()
        .unwrap();
    assert!(made.status.success());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slips.py");
    assert!(
        Command::new("python3").arg(script).arg(&formulas).arg(&values).arg(dir.path()).status().unwrap().success()
    );

    let (code, report) = check(&dir.path().join("error-flows.xlsx"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        [(
            "G7".to_string(),
            json!(["relative-eta"]),
            "η written as B1 without `$`: here it reads B3, the header; filled down, the reference slid off the η cell. Write it as $B$1".to_string()
        )],
        "the #VALUE! below G7 is what its inputs give, and E1 = 0.5*(a_o1-t1)^2 is E1"
    );

    let (code, report) = check(&dir.path().join("typed-typo.xlsx"), &[]);
    assert_eq!(code, 1);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), &found[0].1), ("S7", &json!(["typed-value"])));
    let w = &report["tables"][0]["wrong_columns"][0];
    let rounded: f64 = format!("{:.5e}", w["expected"].as_f64().unwrap()).parse().unwrap();
    assert_eq!(
        found[0].2,
        format!("{} is typed, not computed; to the same 6 significant digits the value is {rounded}", w["found"])
    );

    let (code, report) = check(&dir.path().join("typed-over-sign.xlsx"), &[]);
    assert_eq!(code, 1);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), &found[0].1), ("AD9", &json!(["typed-value", "gradient-sign"])));
    let value = report["tables"][0]["wrong_columns"][0]["found"].as_f64().unwrap();
    assert_eq!(
        found[0].2,
        format!(
            "{value} is typed over the formula, not computed; it is the value with this mistake: the gradient has the wrong sign"
        )
    );

    let (code, report) = check(&dir.path().join("eta-typed.xlsx"), &[]);
    let t = &report["tables"][0];
    assert_eq!((code, &t["eta"]), (0, &json!(0.5)), "{report}");
    assert_eq!(
        t["eta_source"],
        "typed into the weight updates (F5: =F4-0.5*Y4): number-for-eta, the sheet follows no η cell"
    );
    let (code, report) = check(&dir.path().join("eta-named.xlsx"), &[]);
    let t = &report["tables"][0];
    assert_eq!((code, &t["eta"]), (0, &json!(0.5)), "η through its defined name, no value saved: {report}");
    assert_eq!(t["eta_source"], "cell B1, read by the weight updates");
}

/// A chart sheet (a chart of E_total on a sheet of its own) holds no cells: it is passed over,
/// and the workbook's tables are checked.
#[test]
fn a_chart_sheet_is_passed_over() {
    use rust_xlsxwriter::{Chart, ChartType, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chart.xlsx");
    let params = params(&[]);
    let columns = backprop_sheet::columns::Columns::class();
    let rows: Vec<_> = backprop_sheet::engine::rows(&params.inputs, 0.5, 5, columns.formulas()).collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("LR 0.5").unwrap();
    sheet.write_string(0, 0, "η").unwrap();
    sheet.write_number(0, 1, 0.5).unwrap();
    for (k, col) in columns.all().iter().enumerate() {
        sheet.write_string(2, k as u16, col.header()).unwrap();
        for (r, row) in rows.iter().enumerate() {
            sheet.write_number(3 + r as u32, k as u16, row.get(*col)).unwrap();
        }
    }
    let mut chart = Chart::new(ChartType::Line);
    chart.add_series().set_values("='LR 0.5'!$X$4:$X$8");
    let charts = book.add_chartsheet();
    charts.insert_chart(0, 0, &chart).unwrap();
    book.save(&file).unwrap();
    let (code, report) = check(&file, &[]);
    assert_eq!((code, &report["verdict"]), (0, &json!("pass")), "{report}");
}
