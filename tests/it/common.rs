//! Helpers shared by the end-to-end tests: running the binary, reading what it wrote.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use backprop_sheet::read::{Pos, Sheet, Workbook};

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

/// The run `generate ARGS` makes, through the binary's own command-line parser and merge.
pub fn params(args: &[&str]) -> backprop_sheet::engine::Params {
    backprop_sheet::generate_params(args).unwrap_or_else(|e| panic!("{e}"))
}

pub fn read(path: &Path) -> Workbook {
    Workbook::open(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn sheet<'a>(book: &'a Workbook, name: &str) -> &'a Sheet {
    book.sheets.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no sheet {name}"))
}

pub fn at(a1: &str) -> Pos {
    backprop_sheet::read::parse_a1(a1).unwrap()
}

/// The names of the parts of an xlsx package.
pub fn parts(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let zip = zip::ZipArchive::new(file).unwrap();
    (0..zip.len()).map(|i| zip.name_for_index(i).unwrap().unwrap().to_string()).collect()
}

/// The shared corpus of real workbooks: `BACKPROP_CORPUS`, else `../shared/corpus`. Tests that
/// read it are marked ignored where it is missing (see build.rs), except under CI, where they
/// fail instead.
pub fn corpus() -> PathBuf {
    let dir = match std::env::var_os("BACKPROP_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    assert!(dir.is_dir(), "the corpus is not at {} (set BACKPROP_CORPUS to its folder)", dir.display());
    dir
}

/// How many doubles lie between `a` and `b`: units in the last place.
pub fn ulps(a: f64, b: f64) -> u64 {
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    key(a).abs_diff(key(b))
}

/// The output errors and E_total with `x^2` computed as `x.powf(2.0)` (libm's pow, which
/// spreadsheet engines other than Excel use), from a row's own values; None for other columns.
/// pow can miss the correctly rounded x*x that Excel gives by one ulp, and these are the only
/// cells it reaches.
pub fn squared_with_pow(row: &backprop_sheet::engine::Row, col: backprop_sheet::columns::Col) -> Option<f64> {
    use backprop_sheet::columns::{Col, Ref};
    let columns = row.columns();
    match col {
        Col::E(_) | Col::ETotal => Some(eval_with_pow(columns.definition(col), &|r| match r {
            Ref::Cur(c @ Col::E(_)) => squared_with_pow(row, c).expect("an output error"),
            Ref::Cur(c) => row.get(c),
            Ref::Prev(_) | Ref::Param(_) => f64::NAN,
        })),
        _ => None,
    }
}

/// Copies the package in `from` into `to` part by part, with `options`; `edit` may write a part's
/// new content itself (and says so), as another program saving the workbook would.
pub fn copy_package<W: std::io::Write + std::io::Seek>(
    from: impl std::io::Read + std::io::Seek,
    to: W,
    options: zip::write::SimpleFileOptions,
    mut edit: impl FnMut(&str, &[u8], &mut dyn std::io::Write) -> bool,
) -> W {
    let mut source = zip::ZipArchive::new(from).unwrap();
    let mut writer = zip::ZipWriter::new(to);
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        writer.start_file(name.as_str(), options).unwrap();
        if !edit(&name, &data, &mut writer) {
            std::io::Write::write_all(&mut writer, &data).unwrap();
        }
    }
    writer.finish().unwrap()
}

/// How a program that does not calculate saves a workbook of formulas.
#[derive(Clone, Copy, Debug)]
pub enum Saved {
    /// Results saved, as Excel saves them after calculating.
    WithResults,
    /// No results at all, as openpyxl saves formulas.
    WithoutResults,
    /// Every result 0 and a request to recalculate on open, as XlsxWriter saves them.
    ZerosRecalculateOnOpen,
}

/// A copy of a generated workbook (every formula with its result, and rust_xlsxwriter's request
/// to recalculate on open) re-saved as `how` says.
pub fn resave(from: &Path, to: &Path, how: Saved) {
    let options = zip::write::SimpleFileOptions::default();
    copy_package(std::fs::File::open(from).unwrap(), std::fs::File::create(to).unwrap(), options, |name, data, out| {
        let text = String::from_utf8_lossy(data);
        let new = if name == "xl/workbook.xml" {
            match how {
                Saved::ZerosRecalculateOnOpen => return false,
                _ => text.replace(r#" fullCalcOnLoad="1""#, ""),
            }
        } else if name.starts_with("xl/worksheets/sheet") {
            let mut new = String::with_capacity(text.len());
            let mut rest = text.as_ref();
            while let Some(at) = rest.find("</f><v>") {
                let end = at + rest[at..].find("</v>").expect("a value closes") + 4;
                new.push_str(&rest[..at + 4]);
                match how {
                    Saved::WithResults => new.push_str(&rest[at + 4..end]),
                    Saved::WithoutResults => {}
                    Saved::ZerosRecalculateOnOpen => new.push_str("<v>0</v>"),
                }
                rest = &rest[end..];
            }
            new.push_str(rest);
            new
        } else {
            return false;
        };
        out.write_all(new.as_bytes()).unwrap();
        true
    });
}

/// `e`'s value as a spreadsheet engine that computes `x^2` with libm's `pow` computes it: the
/// project's evaluator for every node but `^`, which is `powf`. Where this equals what another
/// engine shows and the project's value does not, the difference is that `pow`, and nothing else.
pub fn eval_with_pow<L: backprop_sheet::expr::Leaf>(
    e: &backprop_sheet::expr::Expr<L>,
    value: &impl Fn(L) -> f64,
) -> f64 {
    use backprop_sheet::expr::{Expr, Op, is_error};
    let num = |x: &Expr<L>| Expr::<()>::Num(eval_with_pow(x, value));
    let eval = |e: Expr<()>| e.eval(&|_| 0.0);
    match e {
        Expr::Num(x) => *x,
        Expr::Err(err) => err.value(),
        Expr::Ref(l) => value(*l),
        Expr::Neg(x) => -eval_with_pow(x, value),
        Expr::Bin(Op::Pow, a, b) => {
            let (a, b) = (eval_with_pow(a, value), eval_with_pow(b, value));
            if is_error(a) {
                a
            } else if is_error(b) {
                b
            } else {
                a.powf(b)
            }
        }
        Expr::Bin(op, a, b) => eval(Expr::Bin(*op, Box::new(num(a)), Box::new(num(b)))),
        Expr::Call(f, args) => eval(Expr::Call(*f, args.iter().map(num).collect())),
    }
}

/// Runs `check --json` on `file`; returns the exit code and the report.
pub fn check_json(file: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = bin().arg("check").arg(file).arg("--json").args(extra).output().unwrap();
    let code = out.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{stderr}", String::from_utf8_lossy(&out.stdout)));
    (code, report)
}

/// `a+(b+c)` as `(a+b)+c`, and `a+(b-c)` as `(a+b)-c`, everywhere in a tree: how IronCalc
/// 0.9 evaluates a sum whose last term is a parenthesised sum (Excel keeps the parentheses).
pub fn regrouped<L: backprop_sheet::expr::Leaf>(e: &backprop_sheet::expr::Expr<L>) -> backprop_sheet::expr::Expr<L> {
    use backprop_sheet::expr::{Expr, Op};
    match e {
        Expr::Bin(Op::Add, a, b) => match regrouped(b) {
            Expr::Bin(op @ (Op::Add | Op::Sub), b1, b2) => {
                regrouped(&Expr::Bin(op, Box::new(Expr::Bin(Op::Add, Box::new(regrouped(a)), b1)), b2))
            }
            b => Expr::Bin(Op::Add, Box::new(regrouped(a)), Box::new(b)),
        },
        Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(regrouped(a)), Box::new(regrouped(b))),
        Expr::Neg(x) => Expr::Neg(Box::new(regrouped(x))),
        Expr::Call(f, args) => Expr::Call(*f, args.iter().map(regrouped).collect()),
        leaf => leaf.clone(),
    }
}

/// The rows a spreadsheet engine that computes `x^2` with libm's `pow` computes, every cell after
/// the first row's typed ones: where a square feeds later cells (tanh's slope `1-a^2` in every
/// gradient), a one-ulp `pow` carries on down the sheet, so the comparison follows it. With
/// `regroup`, every formula is also [`regrouped`], as IronCalc evaluates it.
pub fn rows_with_pow(
    inputs: &backprop_sheet::engine::Inputs,
    eta: f64,
    iterations: usize,
    regroup: bool,
) -> Vec<Vec<f64>> {
    use backprop_sheet::columns::Slot;
    use backprop_sheet::network::Param;
    let columns = inputs.columns();
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let mut values = vec![0.0; columns.len()];
        for step in columns.formulas().steps() {
            values[step.at] = if i == 0 && step.typed {
                inputs.get(columns.all()[step.at])
            } else {
                let expr = if regroup { regrouped(&step.expr) } else { step.expr.clone() };
                eval_with_pow(&expr, &|s| match s {
                    Slot::Cur(k) => values[k],
                    Slot::Prev(k) => out[i - 1][k],
                    Slot::Param(Param::Eta) => eta,
                    Slot::Param(p) => columns.network.maths.optimizer.value(p).unwrap(),
                })
            };
        }
        out.push(values);
    }
    out
}

/// The lines of the first fenced block or table after `marker` in the README.
pub fn readme_section(marker: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = &readme[readme.find(marker).unwrap_or_else(|| panic!("README lacks {marker}")) + marker.len()..];
    let lines = after.lines().skip_while(|l| l.trim().is_empty());
    let mut lines = lines.peekable();
    if lines.peek().is_some_and(|l| l.starts_with("```")) {
        lines.skip(1).take_while(|l| !l.starts_with("```")).map(String::from).collect()
    } else {
        lines.take_while(|l| l.starts_with('|')).skip(2).map(String::from).collect()
    }
}

/// The flags of the first maths (the class's, tanh hidden units, softmax outputs, Adam,
/// momentum) whose 2-2-2 sheet a catalogue mistake applies to: where `generate --mistake` can
/// write it.
pub fn maths_for(mistake: &backprop_sheet::mistakes::Mistake) -> &'static [&'static str] {
    let choices: [&[&str]; 5] = [
        &[],
        &["--activation", "tanh"],
        &["--output-activation", "softmax", "--loss", "cross-entropy"],
        &["--optimizer", "adam"],
        &["--optimizer", "momentum"],
    ];
    choices
        .into_iter()
        .find(|flags| !mistake.cols(params(flags).inputs.columns()).is_empty())
        .unwrap_or_else(|| panic!("{} applies to none of them", mistake.key))
}
