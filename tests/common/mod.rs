//! Helpers shared by the end-to-end tests: running the binary, reading what it wrote.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use backprop_sheet::workbook::{Pos, Sheet, Workbook};

pub fn bin() -> Command {
    Command::cargo_bin("backprop-sheet").expect("the binary is built")
}

/// Runs `generate` with `args` into a fresh folder and returns (folder, workbook path).
pub fn generate(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.xlsx");
    bin().arg("generate").arg("--out").arg(&out).args(args).assert().success();
    (dir, out)
}

pub fn read(path: &Path) -> Workbook {
    Workbook::open(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn sheet<'a>(book: &'a Workbook, name: &str) -> &'a Sheet {
    book.sheets.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no sheet {name}"))
}

pub fn at(a1: &str) -> Pos {
    backprop_sheet::workbook::parse_a1(a1).unwrap()
}

/// The names of the parts of an xlsx package.
pub fn parts(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let zip = zip::ZipArchive::new(file).unwrap();
    (0..zip.len()).map(|i| zip.name_for_index(i).unwrap().unwrap().to_string()).collect()
}

/// The shared corpus of real workbooks, when it is there. With BACKPROP_CORPUS set (as CI sets
/// it) a missing corpus is a failure, not a skip.
pub fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("BACKPROP_CORPUS") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(d.is_dir(), "BACKPROP_CORPUS={} is set but is not a folder", d.display());
            return Some(d);
        }
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no corpus at {} (set BACKPROP_CORPUS to require it)", dir.display());
        None
    }
}

/// How many doubles lie between `a` and `b`: units in the last place.
pub fn ulps(a: f64, b: f64) -> u64 {
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    key(a).abs_diff(key(b))
}

/// E1, E2 and E_total with `x^2` computed as `x.powf(2.0)` (libm's pow, which spreadsheet
/// engines other than Excel use), from a row's own values; None for other columns. pow can miss
/// the correctly rounded x*x that Excel gives by one ulp, and these are the only cells it reaches.
pub fn squared_with_pow(row: &backprop_sheet::engine::Row, col: backprop_sheet::columns::Col) -> Option<f64> {
    use backprop_sheet::columns::Col;
    let e1 = 0.5 * (row.get(Col::T1) - row.get(Col::AO1)).powf(2.0);
    let e2 = 0.5 * (row.get(Col::T2) - row.get(Col::AO2)).powf(2.0);
    match col {
        Col::E1 => Some(e1),
        Col::E2 => Some(e2),
        Col::ETotal => Some(e1 + e2),
        _ => None,
    }
}
