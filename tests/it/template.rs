//! Templates: the project's own, other workbooks that label the inputs, the class layout, and
//! every kind of bad input.

use std::path::{Path, PathBuf};

use crate::common::*;
use backprop_sheet::columns::{Col, Columns};
use backprop_sheet::engine::rows;
use backprop_sheet::read::find_tables;
use backprop_sheet::template::{self, Overrides};

/// A cell to write into a test workbook.
#[derive(Clone)]
enum V {
    S(&'static str),
    N(f64),
}

/// Writes a one-sheet workbook with `cells` (A1 name, value) into `dir`.
fn workbook(dir: &Path, name: &str, cells: &[(&str, V)]) -> PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (a1, v) in cells {
        let p = at(a1);
        match v {
            V::S(s) => sheet.write_string(p.row, p.col as u16, *s).map(|_| ()),
            V::N(x) => sheet.write_number(p.row, p.col as u16, *x).map(|_| ()),
        }
        .unwrap();
    }
    let path = dir.join(name);
    book.save(&path).unwrap();
    path
}

/// The inputs as labelled cells, in column A/B from row 1, with `skip` left out.
fn labelled(skip: &str) -> Vec<(&'static str, V)> {
    let names = ["i1", "i2", "t1", "t2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"];
    let labels = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12"];
    let values = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12"];
    let mut cells = Vec::new();
    for k in 0..12 {
        if names[k] != skip {
            cells.push((labels[k], V::S(names[k])));
            cells.push((values[k], V::N(0.1 + k as f64 / 100.0)));
        }
    }
    cells
}

const SAVE_AGAIN: &str = "Save it from Excel or LibreOffice as .xlsx (Excel 2007-365) and try again.";
const ITERATIONS: &str =
    "iterations must be a whole number from 1 to 1048573 (Excel's 1,048,576 rows less the 3 rows above the table)";

/// Runs `generate --template` and expects exit code 2, the message `expected` as the first line
/// of stderr (`{file}` standing for the template's path), and no file in the output folder.
fn refused(template: &Path, extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.xlsx");
    let assert =
        bin().arg("generate").arg("--template").arg(template).arg("--out").arg(&out).args(extra).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let expected = expected.replace("{file}", &template.display().to_string());
    assert_eq!(stderr.lines().next(), Some(expected.as_str()), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "output left behind: {stderr}");
}

#[test]
fn the_committed_template_is_what_the_template_command_writes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.xlsx");
    bin().arg("template").arg("--out").arg(&out).assert().success();
    let fresh = read(&out);
    let committed = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/backprop-template.xlsx"));
    assert_eq!(fresh.sheets.len(), committed.sheets.len());
    for (a, b) in fresh.sheets.iter().zip(&committed.sheets) {
        assert_eq!(a.name, b.name);
        assert_eq!(
            a.values, b.values,
            "sheet {}: regenerate with `backprop-sheet template --out templates/backprop-template.xlsx --force`",
            a.name
        );
    }
}

#[test]
fn the_template_labels_every_input_with_a_note() {
    let book = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/backprop-template.xlsx"));
    let found = template::read(&book).unwrap();
    assert_eq!(found.inputs.len(), 12);
    assert_eq!(found.learning_rates.as_ref().unwrap().0.len(), 6);
    assert!(found.iterations.is_some());
    let sheet = &book.sheets[0];
    assert_eq!(sheet.name, "Inputs");
    for (_, at) in found.inputs.values() {
        let pos = backprop_sheet::read::parse_a1(&at.cell).unwrap();
        let note = backprop_sheet::read::Pos { row: pos.row, col: 8 };
        assert!(matches!(sheet.value(note), Some(calamine::Data::String(s)) if s.len() > 5), "note beside {}", at.cell);
    }
}

#[test]
fn a_template_saved_again_by_libreoffice_still_reads() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/template-edited-in-libreoffice.xlsx");
    let params = params(&["--template", fixture.to_str().unwrap()]);
    assert_eq!(params.inputs.get(Col::T(1)), 0.5, "the edit made in LibreOffice");
    assert_eq!(params.inputs.get(Col::T(2)), 0.5);
    let (builtin, _) = template::load(None, &Overrides::default()).unwrap();
    assert_eq!(params.learning_rates, builtin.learning_rates);
    assert_eq!(params.inputs.get(Col::W(8)), builtin.inputs.get(Col::W(8)));
}

#[test]
fn labelled_cells_anywhere_are_read_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut cells = labelled("");
    cells.push(("D2", V::S("learning rate:  η =")));
    cells.push(("F2", V::N(0.7)));
    cells.push(("D4", V::S("Iterations")));
    cells.push(("D5", V::N(12.0)));
    let path = workbook(dir.path(), "t.xlsx", &cells);
    let (params, _) = template::load(Some(&path), &Overrides::default()).unwrap();
    assert_eq!(params.learning_rates, [0.7]);
    assert_eq!(params.iterations, 12);
    assert_eq!(params.inputs.get(Col::W(8)), 0.1 + 11.0 / 100.0);
    let over = Overrides {
        learning_rates: Some(vec![0.3, 0.4]),
        iterations: Some(5),
        set: vec![(Col::W(8), 2.0)],
        ..Overrides::default()
    };
    let (params, _) = template::load(Some(&path), &over).unwrap();
    assert_eq!((params.learning_rates, params.iterations, params.inputs.get(Col::W(8))), (vec![0.3, 0.4], 5, 2.0));
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn the_class_layout_of_the_corpus_reads_as_a_template() {
    let corpus = corpus();
    let (params, _) = template::load(Some(&corpus.join("initial-values-only.xlsx")), &Overrides::default()).unwrap();
    assert_eq!((params.inputs.get(Col::T(1)), params.inputs.get(Col::T(2))), (0.5, 0.5));
    let first = rows(&params.inputs, params.learning_rates[0], 1, Columns::class().formulas()).next().unwrap();
    assert_eq!(format!("{:.14e}", first.get(Col::ETotal)), format!("{:.14e}", 0.0141813779378917));

    let step = corpus.join("step-column.xlsx");
    let (params, found) = template::load(Some(&step), &Overrides::default()).unwrap();
    assert_eq!((params.inputs.get(Col::T(1)), params.inputs.get(Col::T(2))), (0.01, 0.99));
    assert_eq!(params.learning_rates, [1.0]);
    assert_eq!(found.learning_rates.unwrap().1.cell, "E47", "η from its labelled cell");

    let (_d, out) = generate(&["--template", step.to_str().unwrap(), "--iterations", "3"]);
    let book = read(&out);
    let s = sheet(&book, "LR 1");
    assert_eq!(s.number(find_tables(s)[0].pos(Col::T(2), 3).unwrap()), Some(0.99));
}

#[test]
#[cfg_attr(no_corpus, ignore = "the corpus (../shared/corpus or BACKPROP_CORPUS) is not here")]
fn eta_is_found_inside_the_weight_update_formulas() {
    let corpus = corpus();
    // Rohan's η sits in G31 beside `η =`; the update formulas read $G$31 too.
    let (params, found) =
        template::load(Some(&corpus.join("class-sheet-and-own.xlsx")), &Overrides::default()).unwrap();
    assert_eq!(params.learning_rates, [1.0]);
    assert_eq!(found.learning_rates.unwrap().1.cell, "G31");
}

#[test]
fn missing_unreadable_and_corrupt_files() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &dir.path().join("nope.xlsx"),
        &[],
        "backprop-sheet: {file}: no such file. Check the path and the spelling of the name.",
    );

    let text = dir.path().join("notes.xlsx");
    std::fs::write(&text, "this is a text file renamed .xlsx\n").unwrap();
    refused(
        &text,
        &[],
        &format!("backprop-sheet: {{file}}: not an .xlsx workbook (it is not a zip package). {SAVE_AGAIN}"),
    );

    let good = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/backprop-template.xlsx")).unwrap();
    let corrupt = dir.path().join("corrupt.xlsx");
    std::fs::write(&corrupt, &good[..good.len() / 2]).unwrap();
    refused(
        &corrupt,
        &[],
        &format!("backprop-sheet: {{file}}: not an .xlsx workbook (its zip structure is damaged). {SAVE_AGAIN}"),
    );
    let mut flipped = good.clone();
    for b in flipped.iter_mut().skip(200).step_by(7) {
        *b ^= 0x5a;
    }
    let scrambled = dir.path().join("scrambled.xlsx");
    std::fs::write(&scrambled, &flipped).unwrap();
    refused(
        &scrambled,
        &[],
        &format!("backprop-sheet: {{file}}: not an .xlsx workbook (its zip structure is damaged). {SAVE_AGAIN}"),
    );
}

#[test]
fn workbooks_without_usable_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let empty = workbook(dir.path(), "empty.xlsx", &[("C3", V::S("shopping list")), ("C4", V::N(3.0))]);
    refused(
        &empty,
        &[],
        "backprop-sheet: {file}: no inputs found: label cells i1, i2, t1, t2, w1..w8 with the number beside them, or use the class layout (a header row t1 t2 i1 i2 w1 ... over the first row of values). `backprop-sheet template --out FILE` writes an example.",
    );

    let no_w3 = workbook(dir.path(), "no-w3.xlsx", &labelled("w3"));
    refused(
        &no_w3,
        &[],
        "backprop-sheet: {file}: w3 missing for the network 2-2-2: add a cell labelled w3 with its value to the right, or pass --set NAME=VALUE.",
    );

    let mut cells = labelled("w5");
    cells.push(("A9", V::S("w5")));
    cells.push(("B9", V::S("0,4")));
    let text = workbook(dir.path(), "text.xlsx", &cells);
    refused(
        &text,
        &[],
        "backprop-sheet: {file}: sheet 'Sheet1', cell B9: w5 should be a number but the cell holds the text `0,4`. Type a number there.",
    );

    let mut cells = labelled("");
    cells.push(("D1", V::S("w1")));
    cells.push(("E1", V::N(0.9)));
    let twice = workbook(dir.path(), "twice.xlsx", &cells);
    refused(
        &twice,
        &[],
        "backprop-sheet: {file}: w1 is given twice with different values: 0.9 at sheet 'Sheet1', cell E1 and 0.14 at sheet 'Sheet1', cell B5. Delete one of them.",
    );
}

#[test]
fn a_non_finite_value_is_refused_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (k, name) in ["i1", "i2", "t1", "t2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"].iter().enumerate() {
        sheet.write_string(k as u32, 0, *name).unwrap();
        if *name == "w2" {
            let f = rust_xlsxwriter::Formula::new("=EXP(1000)").set_result("#NUM!");
            sheet.write_formula(k as u32, 1, f).unwrap();
        } else {
            sheet.write_number(k as u32, 1, 0.5).unwrap();
        }
    }
    let path = dir.path().join("num.xlsx");
    book.save(&path).unwrap();
    refused(
        &path,
        &[],
        "backprop-sheet: {file}: sheet 'Sheet1', cell B6: w2 should be a number but the cell holds the error #NUM!. Type a number there.",
    );
}

#[test]
fn iterations_and_learning_rates_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    for (name, n, shown) in [("zero.xlsx", 0.0, "0"), ("huge.xlsx", 2e6, "2000000"), ("half.xlsx", 2.5, "2.5")] {
        let mut cells = labelled("");
        cells.push(("D1", V::S("iterations")));
        cells.push(("E1", V::N(n)));
        let path = workbook(dir.path(), name, &cells);
        refused(&path, &[], &format!("backprop-sheet: {{file}}: sheet 'Sheet1', cell E1: {ITERATIONS}, not {shown}."));
    }
    let mut cells = labelled("");
    cells.push(("D1", V::S("learning rates")));
    cells.push(("E1", V::N(0.5)));
    cells.push(("F1", V::N(-0.1)));
    let path = workbook(dir.path(), "negative.xlsx", &cells);
    refused(
        &path,
        &[],
        "backprop-sheet: {file}: in the learning rates from sheet 'Sheet1', cell E1 on: learning rate -0.1 is not a positive number: every learning rate must be > 0.",
    );
    refused(
        &path,
        &["--learning-rates", "0"],
        "error: invalid value '0' for '--learning-rates <LEARNING_RATES>...': learning rate 0 is not a positive number: every learning rate must be > 0",
    );
    let good = workbook(dir.path(), "good.xlsx", &labelled(""));
    refused(
        &good,
        &["--iterations", "1048574"],
        &format!("error: invalid value '1048574' for '--iterations <ITERATIONS>': {ITERATIONS}, not 1048574"),
    );
}

/// A template written for other maths (`template --optimizer adam --activation tanh ...`) and read
/// back by `generate --template` gives the workbook the same flags give, part for part.
#[test]
fn a_template_of_other_maths_gives_the_workbook_its_flags_give() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 3] = [
        &["--optimizer", "adam", "--activation", "tanh", "--beta1", "0.8"],
        &[
            "--network",
            "2-3-2",
            "--bias",
            "--output-activation",
            "softmax",
            "--loss",
            "cross-entropy",
            "--optimizer",
            "momentum",
            "--momentum",
            "0.5",
        ],
        &[
            "--activation",
            "leaky-relu=0.2",
            "--output-activation",
            "linear",
            "--optimizer",
            "rmsprop",
            "--alpha",
            "0.9",
            "--eps",
            "1e-6",
        ],
    ];
    let run = ["--iterations", "5", "--learning-rates", "0.5"];
    for (k, flags) in cases.iter().enumerate() {
        let template = dir.path().join(format!("t{k}.xlsx"));
        bin().arg("template").args(*flags).arg("--out").arg(&template).assert().success();
        let (_a, from_template) = generate(&[&["--template", template.to_str().unwrap()][..], &run].concat());
        let (_b, from_flags) = generate(&[*flags, &run].concat());
        let contents = |path: &Path| {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
            // The creation time aside, which a second apart differs.
            (0..zip.len())
                .filter_map(|i| {
                    let mut part = zip.by_index(i).unwrap();
                    let name = part.name().unwrap().to_string();
                    let mut bytes = Vec::new();
                    std::io::Read::read_to_end(&mut part, &mut bytes).unwrap();
                    (name != "docProps/core.xml").then_some((name, bytes))
                })
                .collect::<Vec<_>>()
        };
        assert!(contents(&from_template) == contents(&from_flags), "{flags:?}");
        assert_eq!(params(&["--template", template.to_str().unwrap()]), params(flags), "{flags:?}");
    }
}

/// Each cell of the maths refused where it is, saying what it should hold.
#[test]
fn bad_activation_loss_optimizer_and_parameter_cells_are_refused_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let activations =
        "sigmoid, tanh, relu, leaky-relu (or leaky-relu=α, α 0.01 unless given), linear; softmax for the outputs";
    let cases: [(&[(&str, V)], String); 7] = [
        (
            &[("D1", V::S("optimizer")), ("E1", V::S("sgd"))],
            "sheet 'Sheet1', cell E1: the optimizer should be one of gd, momentum, nesterov, adagrad, rmsprop, adam, not the text `sgd`".into(),
        ),
        (
            &[("D1", V::S("activation")), ("E1", V::S("swish"))],
            format!("sheet 'Sheet1', cell E1: `swish` is not an activation: use one of {activations}"),
        ),
        (
            &[("D1", V::S("Output activation:")), ("E1", V::N(3.0))],
            format!("sheet 'Sheet1', cell E1: the output activation should be one of {activations}, not `3`"),
        ),
        (
            &[("D1", V::S("loss")), ("E1", V::S("mse"))],
            "sheet 'Sheet1', cell E1: the loss should be squared or cross-entropy, not the text `mse`".into(),
        ),
        (
            &[("D1", V::S("output activation")), ("E1", V::S("softmax"))],
            "sheet 'Sheet1', cell E1: a softmax output goes with the loss cross-entropy, whose deltas are a_o-t: write cross-entropy in the `loss` cell".into(),
        ),
        (
            &[("D1", V::S("optimizer")), ("E1", V::S("adam")), ("D2", V::S("μ")), ("E2", V::N(0.5))],
            "sheet 'Sheet1', cell E2: μ is not a parameter of the optimizer adam (its parameters are η, β1, β2, δ): delete the cell, or write the optimizer it belongs to in an `optimizer` cell".into(),
        ),
        (
            &[("D1", V::S("optimizer")), ("E1", V::S("adam")), ("D2", V::S("beta1")), ("E2", V::N(1.5))],
            "sheet 'Sheet1', cell E2: β1 (first moment's decay rate) should be a number from 0 to below 1, not 1.5".into(),
        ),
    ];
    for (k, (cells, message)) in cases.into_iter().enumerate() {
        let mut all = labelled("");
        all.extend(cells.iter().cloned());
        let path = workbook(dir.path(), &format!("bad{k}.xlsx"), &all);
        refused(&path, &[], &format!("backprop-sheet: {{file}}: {message}."));
    }
    let adam = workbook(
        dir.path(),
        "adam.xlsx",
        &[labelled(""), vec![("D1", V::S("optimizer")), ("E1", V::S("adam"))]].concat(),
    );
    refused(
        &adam,
        &["--momentum", "0.5"],
        "backprop-sheet: --momentum is not a parameter of the template's optimizer adam (sheet 'Sheet1', cell E1): its parameters are η, β1, β2, δ",
    );
    // --optimizer over the template's: its parameter cells are said to go unused.
    let with_beta = workbook(
        dir.path(),
        "adam-beta.xlsx",
        &[
            labelled(""),
            vec![("D1", V::S("optimizer")), ("E1", V::S("adam")), ("D2", V::S("beta1")), ("E2", V::N(0.8))],
        ]
        .concat(),
    );
    let out = dir.path().join("momentum.xlsx");
    let run = bin()
        .args(["generate", "-q", "--iterations", "2", "--optimizer", "momentum", "--template"])
        .arg(&with_beta)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(run.stderr).unwrap(),
        "backprop-sheet: warning: sheet 'Sheet1', cell E2: β1 = 0.8 is not a parameter of --optimizer momentum (its parameters are η, μ), so it was not used\n"
    );
}
