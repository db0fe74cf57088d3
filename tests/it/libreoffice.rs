//! LibreOffice, a real spreadsheet engine, recalculates generated workbooks in full and must
//! reach the engine's numbers; the package must open and survive its round trip clean.
//!
//! Needs `soffice` and Python-UNO (`.ci/run` installs them). Where they are missing these tests
//! are marked ignored, with the reason (build.rs); under CI (the variable CI set) they fail.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use backprop_sheet::columns::Col;
use backprop_sheet::engine::rows;
use backprop_sheet::read::{Pos, column_name};

/// Every formula cell's value as LibreOffice holds it after a full recalculation, by sheet and
/// A1 name, and the workbook as LibreOffice saved it.
fn recalc(xlsx: &Path) -> (HashMap<String, HashMap<String, serde_json::Value>>, PathBuf) {
    let dir = xlsx.parent().unwrap();
    let (saved, json) = (dir.join("saved-by-libreoffice.xlsx"), dir.join("values.json"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lo.py");
    let status =
        Command::new("/usr/bin/python3").arg(script).arg("recalc").arg(xlsx).arg(&saved).arg(&json).status().unwrap();
    assert!(status.success(), "LibreOffice could not recalculate {}", xlsx.display());
    let values = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (values, saved)
}

/// `x` as LibreOffice 7.4 writes it into a file: its shortest round-trip text rounded half up to
/// 15 significant digits. (Not the double rounded directly, nor its 17-digit text: measured on
/// 18,552 formula cells of the default workbook, this rule matched all of them, rounding the
/// 17-digit text half up matched 18,168, and rounding the exact double 18,095.)
fn fifteen_digits(x: f64) -> f64 {
    let text = format!("{x:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap();
    let negative = mantissa.starts_with('-');
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    let mut exponent: i32 = exponent.parse().unwrap();
    if digits.len() > 15 {
        let up = digits[15] >= 5;
        digits.truncate(15);
        if up {
            let mut i = 14;
            loop {
                if digits[i] < 9 {
                    digits[i] += 1;
                    break;
                }
                digits[i] = 0;
                if i == 0 {
                    digits.insert(0, 1);
                    digits.pop();
                    exponent += 1;
                    break;
                }
                i -= 1;
            }
        }
    }
    let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let value: f64 =
        format!("{}.{}e{exponent}", &s[..1], &s[1..].trim_end_matches('0')).replace(".e", "e").parse().unwrap();
    if negative { -value } else { value }
}

struct Tally {
    cells: usize,
    agree_15: usize,
    identical: usize,
    /// Cells whose double differs, by column, with the largest difference in ulps.
    differ: HashMap<Col, (usize, u64)>,
    /// Cells of the gradient check whose double is the x^2-with-pow result, not the engine's.
    check_pow: usize,
}

fn compare(args: &[&str]) -> Tally {
    let (_dir, out) = generate(args);
    let params = params(args);
    let (doubles, saved) = recalc(&out);
    let book = read(&saved);
    let mut t = Tally { cells: 0, agree_15: 0, identical: 0, differ: HashMap::new(), check_pow: 0 };
    let checked = args.contains(&"--gradient-check");
    for &eta in &params.learning_rates {
        let name = backprop_sheet::write::sheet_name(eta);
        let lo = &doubles[&name];
        let sheet = sheet(&book, &name);
        let columns = params.inputs.columns();
        for (i, row) in rows(&params.inputs, eta, params.iterations, columns.formulas()).enumerate() {
            for &col in columns.all() {
                if i == 0 && col.is_typed() {
                    continue;
                }
                let pos = Pos { row: 3 + i as u32, col: 1 + columns.index(col) as u32 };
                let a1 = format!("{}{}", column_name(pos.col), pos.row + 1);
                let want = row.get(col);
                t.cells += 1;
                let written =
                    sheet.number(pos).unwrap_or_else(|| panic!("{name}!{a1} missing after LibreOffice saved it"));
                assert_eq!(written, fifteen_digits(want), "{name}!{a1} ({col:?}) at 15 digits");
                t.agree_15 += 1;
                let full: f64 = lo[&a1].as_str().unwrap_or_else(|| panic!("{name}!{a1}: {}", lo[&a1])).parse().unwrap();
                if full == want {
                    t.identical += 1;
                } else {
                    // The one explained difference: x^2 by pow (see `squared_with_pow`).
                    assert_eq!(
                        Some(full),
                        squared_with_pow(&row, col),
                        "{name}!{a1} ({col:?}): LibreOffice {full:e}, engine {want:e}"
                    );
                    let e = t.differ.entry(col).or_insert((0, 0));
                    e.0 += 1;
                    e.1 = e.1.max(ulps(full, want));
                }
            }
            if checked {
                check_columns(&mut t, &row, sheet, lo, &name, 3 + i as u32);
            }
        }
    }
    let charts = parts(&saved).iter().filter(|p| p.starts_with("xl/charts/chart") && p.ends_with(".xml")).count();
    assert_eq!(charts, params.learning_rates.len() + 1, "every chart survives LibreOffice's round trip");
    t
}

/// The gradient check's cells of one row: LibreOffice's double is the engine's, or the result
/// of the same formula with `x^2` by pow; the file holds it at 15 digits.
fn check_columns(
    t: &mut Tally,
    row: &backprop_sheet::engine::Row,
    sheet: &backprop_sheet::read::Sheet,
    lo: &HashMap<String, serde_json::Value>,
    name: &str,
    sheet_row: u32,
) {
    use backprop_sheet::gradient_check::{DEFAULT_EPSILON, GradientCheck, Leaf};
    let check = GradientCheck::of(row.columns());
    let ours = check.values(&|c| row.get(c), DEFAULT_EPSILON);
    let mut with_pow = vec![0.0; check.width()];
    for (j, f) in check.formulas().iter().enumerate() {
        with_pow[j] = eval_with_pow(f, &|l| match l {
            Leaf::Col(c) => row.get(c),
            Leaf::Eps => DEFAULT_EPSILON,
            Leaf::Fd(m) => with_pow[m],
        });
        let pos = Pos { row: sheet_row, col: u32::from(backprop_sheet::write::check_col(row.columns(), j)) };
        let a1 = pos.a1();
        let full: f64 = lo[&a1].as_str().unwrap_or_else(|| panic!("{name}!{a1}: {}", lo[&a1])).parse().unwrap();
        t.cells += 1;
        assert_eq!(sheet.number(pos), Some(fifteen_digits(full)), "{name}!{a1} saved at 15 digits");
        t.agree_15 += 1;
        if full == ours[j] {
            t.identical += 1;
        } else {
            assert_eq!(
                full, with_pow[j],
                "{name}!{a1}: LibreOffice {full:e}, engine {:e}, pow {:e}",
                ours[j], with_pow[j]
            );
            t.check_pow += 1;
        }
    }
}

fn print(case: &str, t: &Tally) {
    println!(
        "LibreOffice {case}: {} computed cells; {} agree at 15 digits; {} bit-identical ({:.3}%)",
        t.cells,
        t.agree_15,
        t.identical,
        100.0 * t.identical as f64 / t.cells as f64
    );
    let mut differ: Vec<_> = t.differ.iter().collect();
    differ.sort_by_key(|(c, _)| **c);
    for (col, (n, max)) in differ {
        println!("    {:?}: {n} cells differ, by at most {max} ulp", col);
    }
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_the_default_workbook_to_the_engines_values() {
    let t = compare(&[]);
    print("default 6 x 100", &t);
    assert_eq!(t.cells, 6 * (100 * 31 - 12));
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_eta_10_for_500_iterations() {
    let t = compare(&["--learning-rates", "10", "--iterations", "500"]);
    print("η = 10 x 500", &t);
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_targets_one_half_at_eta_2() {
    let t = compare(&["--learning-rates", "2", "--set", "t1=0.5", "--set", "t2=0.5"]);
    print("t1 = t2 = 0.5, η = 2", &t);
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn the_package_is_well_formed_and_converts_without_complaint() {
    let (dir, out) = generate(&["--iterations", "20"]);
    let file = std::fs::File::open(&out).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{name} is not well-formed XML: {e}"),
            }
        }
    }
    converts_without_complaint(&out, dir.path());
}

/// LibreOffice opens `xlsx` and prints it to a PDF in `dir` without a word of complaint.
fn converts_without_complaint(xlsx: &Path, dir: &Path) {
    let converted = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(xlsx)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(converted.status.success());
    let stderr = String::from_utf8_lossy(&converted.stderr);
    assert!(!stderr.to_lowercase().contains("error"), "{stderr}");
    let pdf = dir.join(xlsx.with_extension("pdf").file_name().unwrap());
    assert!(pdf.metadata().unwrap().len() > 10_000);
}

#[test]
fn fifteen_digits_rounds_the_shortest_text_half_up() {
    assert_eq!(fifteen_digits(0.1), 0.1);
    assert_eq!(fifteen_digits(0.24251985734837728), 0.242519857348377);
    assert_eq!(fifteen_digits(-0.04245525009260471), -0.0424552500926047);
    // Shortest text 0.5067569288365085 (the double is 0.50675692883650847): a tie, rounded up.
    assert_eq!(fifteen_digits(0.5067569288365085), 0.506756928836509);
    assert_eq!(fifteen_digits(0.9999999999999999), 1.0);
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_the_gradient_check() {
    let t = compare(&["--gradient-check", "--learning-rates", "0.5,2", "--iterations", "60"]);
    print("gradient check 2 x 60", &t);
    println!("    FD: {} cells of the gradient check are the x^2-with-pow result", t.check_pow);
    assert_eq!(t.cells, 2 * (60 * 31 - 12) + 2 * 60 * 9);
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_opens_a_marked_copy_without_complaint() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/structural-slips.xlsx");
    let marked = dir.path().join("marked");
    bin().arg("check").arg(&fixture).arg("--annotate").arg(&marked).assert().code(1);
    converts_without_complaint(&marked.join("structural-slips.xlsx"), dir.path());
    // LibreOffice reads the notes back, one for each finding (on its first cell).
    let (values, saved) = recalc(&marked.join("structural-slips.xlsx"));
    assert!(values.contains_key("LR 0.5"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(saved).unwrap()).unwrap();
    let mut notes = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.name().unwrap().contains("comments") {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            notes += text.matches("<comment ").count();
        }
    }
    let (_, report) = check_json(&fixture, &[]);
    let findings: std::collections::BTreeSet<(String, String)> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let sheet = t["sheet"].as_str().unwrap().to_string();
            let firsts: Vec<String> = t["wrong_columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["first_wrong_cell"].as_str().unwrap().to_string())
                .collect();
            firsts.into_iter().map(move |c| (sheet.clone(), c))
        })
        .collect();
    assert!(findings.len() > 1);
    assert_eq!(notes, findings.len() + 1, "every note, and the grade's, survives LibreOffice's round trip");
}

/// A network of another shape with trained biases and its gradient check: LibreOffice, unlike
/// IronCalc, keeps `a+(b+c)` as written, so the output bias's finite difference is the engine's.
#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_another_network_with_trained_biases() {
    let t = compare(&[
        "--network",
        "2-3-2",
        "--train-bias",
        "--gradient-check",
        "--learning-rates",
        "0.5",
        "--iterations",
        "40",
    ]);
    print("2-3-2 with trained biases and the gradient check, 1 x 40", &t);
    let (columns, checks) = (2 + 2 + 6 + 1 + 6 + 6 + 1 + 4 + 2 + 1 + 12 + 2, 12 + 2 + 1);
    assert_eq!(t.cells, 40 * columns - 18 + 40 * checks, "every cell but the 18 typed");
    assert_eq!(t.identical, t.cells, "all bit-identical, as the README says");
}

/// Submissions saved as `.ods` (LibreOffice's own format, formulas in OpenFormula) and `.xls`
/// (Excel 97-2003) are read: the same findings as the `.xlsx` they came from, the formulas of the
/// `.ods` included.
/// (The numbers are LibreOffice's, saved to 15 digits.)
#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn ods_and_xls_submissions_are_read_with_their_formulas() {
    let (dir, out) = generate(&["--mistake", "a_h1-for-a_h2", "--learning-rates", "0.5", "--iterations", "8"]);
    let (code, want) = check_json(&out, &[]);
    assert_eq!(code, 1);
    // LibreOffice saves results recomputed to 15 digits: the findings, not the numbers, compare.
    // LibreOffice's .xls stores filled-down formulas as shared ones, which the .xls reader does
    // not decode: those cells are checked by their values, as a table of typed values is.
    let findings = |report: &serde_json::Value, format: &str| -> Vec<Vec<serde_json::Value>> {
        let columns = report["tables"][0]["wrong_columns"].as_array().unwrap();
        let keys: &[&str] = if format == "xls" {
            &["cells", "column", "diagnosis"]
        } else {
            &["cells", "column", "diagnosis", "formula_found"]
        };
        columns.iter().map(|w| keys.iter().map(|k| w[*k].clone()).collect()).collect()
    };
    for format in ["ods", "xls"] {
        let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
        let status = Command::new("soffice")
            .args([profile.as_str(), "--headless", "--convert-to", format, "--outdir"])
            .arg(dir.path())
            .arg(&out)
            .output()
            .unwrap();
        assert!(status.status.success(), "LibreOffice could not save {format}");
        let (code, got) = check_json(&out.with_extension(format), &[]);
        assert_eq!(code, 1, "{format}: {got}");
        assert_eq!(findings(&got, format), findings(&want, format), "{format}");
    }
}

/// One workbook holding every optimizer (`--compare-optimizers`, biases trained): LibreOffice
/// recalculates each sheet, its state columns and SQRT included, to the engine's doubles, or
/// where it computes `x^2` with pow, to that result followed down the sheet.
#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_recalculates_every_optimizer() {
    use backprop_sheet::columns::Columns;
    use backprop_sheet::network::{Maths, Optimizer};
    let args = ["--compare-optimizers", "--train-bias", "--learning-rates", "0.1", "--iterations", "60"];
    let (_dir, out) = generate(&args);
    let params = params(&args);
    let (doubles, _) = recalc(&out);
    for name in Optimizer::NAMES {
        let optimizer = Optimizer::named(name).unwrap();
        let network = params.inputs.columns().network;
        let columns = Columns::of(network.with_maths(Maths { optimizer, ..network.maths }));
        let inputs = params.inputs.reshaped(columns);
        let with_pow = rows_with_pow(&inputs, 0.1, 60, false);
        let lo = &doubles[optimizer.sheet_name()];
        let (mut cells, mut identical) = (0, 0);
        for (i, row) in rows(&inputs, 0.1, 60, columns.formulas()).enumerate() {
            for (c, &col) in columns.all().iter().enumerate() {
                if i == 0 && col.is_typed() {
                    continue;
                }
                let a1 = format!("{}{}", column_name(1 + c as u32), 4 + i);
                let full: f64 = lo[&a1].as_str().unwrap_or_else(|| panic!("{name}!{a1}: {}", lo[&a1])).parse().unwrap();
                cells += 1;
                if full == row.values[c] {
                    identical += 1;
                } else {
                    assert_eq!(
                        full, with_pow[i][c],
                        "{name}!{a1} ({col:?}): LibreOffice {full:e}, engine {:e}",
                        row.values[c]
                    );
                }
            }
        }
        println!("LibreOffice {}: {cells} computed cells, {identical} bit-identical", optimizer.sheet_name());
        assert_eq!(cells, 60 * columns.len() - columns.all().iter().filter(|c| c.is_typed()).count());
    }
}
