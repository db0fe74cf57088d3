//! `generate`, end to end: the workbook it writes, read back with calamine.

use crate::common::*;
use backprop_sheet::columns::{Col, Columns};
use backprop_sheet::engine::rows;
use backprop_sheet::read::find_tables;

#[test]
fn default_workbook_holds_every_row_as_formulas_with_the_engines_values() {
    let (_dir, out) = generate(&[]);
    let params = params(&[]);
    let book = read(&out);
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Summary", "LR 0.1", "LR 0.2", "LR 0.5", "LR 0.8", "LR 1", "LR 2"]);

    for (sheet, &eta) in book.sheets[1..].iter().zip(&params.learning_rates) {
        let tables = find_tables(sheet);
        assert_eq!(tables.len(), 1, "{}", sheet.name);
        let table = &tables[0];
        assert_eq!(table.rows.len(), params.iterations, "{}: every row present", sheet.name);
        assert!(table.step_col.is_some(), "an iteration column");
        let eta_cell = at("B1");
        assert_eq!(sheet.number(eta_cell), Some(eta));
        let columns = params.inputs.columns();
        for (k, row) in rows(&params.inputs, eta, params.iterations, columns.formulas()).enumerate() {
            let iteration = k + 1;
            for &col in columns.all() {
                let pos = table.pos(col, iteration).unwrap();
                assert_eq!(sheet.number(pos), Some(row.get(col)), "{} {} iteration {iteration}", sheet.name, pos.a1());
                let formula = sheet.formulas.get(&pos);
                if iteration == 1 && col.is_typed() {
                    assert!(formula.is_none(), "typed input at {}", pos.a1());
                } else {
                    let f = formula.unwrap_or_else(|| panic!("{} {}: no formula", sheet.name, pos.a1()));
                    if matches!(col, Col::W(_)) {
                        assert!(f.contains("$B$1"), "{} {}: `{f}` must read η absolutely", sheet.name, pos.a1());
                    }
                }
            }
        }
    }
    let charts = parts(&out).into_iter().filter(|p| p.starts_with("xl/charts/chart") && p.ends_with(".xml")).count();
    assert_eq!(charts, 7, "one chart per learning rate and the overlay");
}

#[test]
fn the_terminal_shows_each_rates_final_error_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wb.xlsx");
    let params = params(&[]);
    let assert = bin().arg("generate").arg("--out").arg(&out).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains(&out.display().to_string()), "{stdout}");
    for eta in &params.learning_rates {
        let last = rows(&params.inputs, *eta, params.iterations, params.inputs.columns().formulas()).last().unwrap();
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&eta.to_string()))
            .unwrap_or_else(|| panic!("no line for {eta}:\n{stdout}"));
        assert!(line.contains(&format!("{:.12}", last.get(Col::ETotal))), "{line}");
    }
}

#[test]
fn values_only_writes_the_same_numbers_and_no_formula() {
    let (_d1, with) = generate(&["--iterations", "30"]);
    let (_d2, plain) = generate(&["--iterations", "30", "--values-only"]);
    let (a, b) = (read(&with), read(&plain));
    for (sa, sb) in a.sheets[1..].iter().zip(&b.sheets[1..]) {
        assert!(sb.formulas.is_empty(), "{}: formulas in a values-only sheet", sb.name);
        let t = &find_tables(sa)[0];
        assert_eq!(t.rows.len(), 30);
        for iteration in 1..=30 {
            for &col in Columns::class().all() {
                let pos = t.pos(col, iteration).unwrap();
                assert_eq!(sa.number(pos), sb.number(pos), "{} {}", sa.name, pos.a1());
                assert!(sa.number(pos).is_some());
            }
        }
    }
}

#[test]
fn flags_override_the_template() {
    let (_d, out) = generate(&["--learning-rates", "1", "--iterations", "201"]);
    let book = read(&out);
    assert_eq!(book.sheets.len(), 2);
    let sheet = sheet(&book, "LR 1");
    let t = &find_tables(sheet)[0];
    // Microsoft Excel 16's values at iteration 201 for the default inputs and η = 1.
    assert_eq!(sheet.number(t.pos(Col::W(1), 201).unwrap()), Some(0.27607620508492187));
    assert_eq!(sheet.number(t.pos(Col::W(5), 201).unwrap()), Some(-2.328077232628517));
    assert_eq!(sheet.number(t.pos(Col::ETotal, 201).unwrap()), Some(0.0052074660863154505));

    let (_d, out) = generate(&["--set", "t1=0.5", "--set", "T2=0.5", "--learning-rates", "0.5,2", "--iterations", "3"]);
    let book = read(&out);
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Summary", "LR 0.5", "LR 2"]);
    let s = &book.sheets[2];
    let t = &find_tables(s)[0];
    assert_eq!(s.number(t.pos(Col::T(1), 3).unwrap()), Some(0.5));
    assert_eq!(s.number(t.pos(Col::T(2), 1).unwrap()), Some(0.5));
}

#[test]
fn the_summary_links_each_rate_and_explains_the_formulas() {
    let (_d, out) = generate(&["--iterations", "10"]);
    let book = read(&out);
    let summary = sheet(&book, "Summary");
    let texts: Vec<&str> = summary.texts().into_iter().map(|(_, t)| t).collect();
    for &col in Columns::class().all().iter().filter(|c| !matches!(c, Col::T(_) | Col::I(_))) {
        assert!(texts.iter().any(|t| t.starts_with(&format!("{} = ", col.header()))), "derivation of {col:?}");
    }
    let links: Vec<&String> = summary.formulas.values().filter(|f| f.contains("'LR 0.5'!")).collect();
    assert_eq!(links.len(), 3 + 10, "η, first and final E_total of LR 0.5, and its curve: {links:?}");
}

#[test]
fn the_charts_plot_a_curve_table_of_at_most_a_thousand_points() {
    let (_d, out) = generate(&["--iterations", "2500", "--learning-rates", "0.5,2"]);
    let book = read(&out);
    let summary = sheet(&book, "Summary");
    let params = params(&["--iterations", "2500", "--learning-rates", "0.5,2"]);
    let e_total: Vec<Vec<f64>> = params
        .learning_rates
        .iter()
        .map(|&eta| rows(&params.inputs, eta, 2500, Columns::class().formulas()).map(|r| r.get(Col::ETotal)).collect())
        .collect();
    // The table: iteration in column N from row 5, then one column per learning rate.
    let mut iterations = Vec::new();
    let mut row = 4;
    while let Some(i) = summary.number(backprop_sheet::read::Pos { row, col: 13 }) {
        iterations.push(i as usize);
        for (k, &eta) in params.learning_rates.iter().enumerate() {
            let pos = backprop_sheet::read::Pos { row, col: 14 + k as u32 };
            assert_eq!(summary.number(pos), Some(e_total[k][i as usize - 1]), "curve of η = {eta} at iteration {i}");
            assert!(
                summary.formulas[&pos].contains(&format!("'LR {eta}'!$X${}", i as usize + 3)),
                "{}",
                summary.formulas[&pos]
            );
        }
        row += 1;
    }
    assert_eq!(iterations.first(), Some(&1));
    assert_eq!(iterations.last(), Some(&2500), "the last iteration is always plotted");
    assert!(iterations.len() <= 1001, "{} points", iterations.len());
    assert!(iterations.windows(2).all(|w| w[1] - w[0] <= 3), "evenly spaced");
    let chart = parts(&out).into_iter().filter(|p| p.starts_with("xl/charts/chart")).count();
    assert_eq!(chart, 3);
}

#[test]
fn bad_flags_are_refused_with_exit_code_2_and_no_output() {
    for args in [
        &["--set", "w9=1"][..],
        &["--set", "w1=abc"],
        &["--set", "w1=inf"],
        &["--iterations", "0"],
        &["--iterations", "1048574"],
        &["--learning-rates", "0"],
        &["--learning-rates", "-1"],
        &["--learning-rates", "0.5,0.5"],
        &["--learning-rates", "inf"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.xlsx");
        bin().arg("generate").arg("--out").arg(&out).args(args).assert().code(2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{args:?} left a file");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["generate", "--set", "w1=inf", "--out"]).arg(dir.path().join("o.xlsx")).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().next(),
        Some("error: invalid value 'w1=inf' for '--set <NAME=VALUE>': the value must be a finite number")
    );
}

#[test]
fn help_lists_the_mistakes_and_completions_are_printed() {
    let help = bin().args(["generate", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for m in backprop_sheet::mistakes::CATALOGUE {
        assert!(help.contains(&format!("- {}:", m.key)), "--help lacks {}", m.key);
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("backprop-sheet"), "{shell}");
    }
    let out = bin().args(["generate", "--mistake", "no-such-slip"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let keys: Vec<&str> = backprop_sheet::mistakes::CATALOGUE.iter().map(|m| m.key).collect();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().take(2).collect();
    assert_eq!(
        lines,
        [
            "error: invalid value 'no-such-slip' for '--mistake <KEY>'".to_string(),
            format!("  [possible values: {}]", keys.join(", "))
        ]
    );
}

/// What bash completes after `words` (the last one being completed), through the script
/// `completions bash` prints, as bash's own `complete` calls it.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=(backprop-sheet {})\nCOMP_CWORD={}\n\
         f=$(complete -p backprop-sheet | sed 's/.*-F \\([^ ]*\\).*/\\1/')\n\
         \"$f\" backprop-sheet '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len(),
        words.last().unwrap(),
        if words.len() > 1 { words[words.len() - 2] } else { "backprop-sheet" },
    );
    let out = std::process::Command::new("bash").arg("-c").arg(program).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_every_subcommand_s_options_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("backprop-sheet.bash");
    std::fs::write(&script, bin().args(["completions", "bash"]).output().unwrap().stdout).unwrap();
    for command in ["generate", "check", "template", "rubric", "completions"] {
        let help = bin().args([command, "--help"]).output().unwrap().stdout;
        let help = String::from_utf8(help).unwrap();
        // Each option's own line: `  -q, --quiet` or `      --out <FILE>`.
        let options: std::collections::BTreeSet<&str> = help
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
            .filter_map(|l| l.split([' ', ',', '=']).find(|w| w.starts_with("--") && w.len() > 2))
            .collect();
        assert!(options.contains("--help"), "{command}: {options:?}");
        let offered = bash_completes(&script, &[command, "--"]);
        for option in &options {
            assert!(offered.iter().any(|o| o == option), "{command} {option} is not completed: {offered:?}");
        }
    }
    assert_eq!(bash_completes(&script, &["check", "--ann"]), ["--annotate"]);
    let keys: Vec<&str> = backprop_sheet::mistakes::CATALOGUE.iter().map(|m| m.key).collect();
    assert_eq!(bash_completes(&script, &["generate", "--mistake", ""]), keys);
    assert_eq!(
        bash_completes(&script, &["completions", ""]),
        ["-h", "--help", "bash", "elvish", "fish", "powershell", "zsh"]
    );
}

/// The gradient check's columns of every learning-rate sheet: per row, the finite differences
/// and the derived gradients beside them, and the largest relative difference.
fn gradient_check(out: &std::path::Path) -> Vec<(Vec<f64>, Vec<f64>, f64)> {
    use backprop_sheet::write::check_col;
    let book = read(out);
    let mut rows = Vec::new();
    for sheet in &book.sheets[1..] {
        assert_eq!(sheet.number(at("B2")), Some(backprop_sheet::gradient_check::DEFAULT_EPSILON), "ε in B2");
        let table = &find_tables(sheet)[0];
        let columns = table.columns;
        let gradients: Vec<Col> = columns.trained().map(|(_, g)| g).collect();
        for iteration in 1..=table.rows.len() {
            let row = table.rows[iteration - 1];
            let cell = |col: u16| {
                let pos = backprop_sheet::read::Pos { row, col: u32::from(col) };
                assert!(sheet.formulas.contains_key(&pos), "{} {}: a live formula", sheet.name, pos.a1());
                sheet.number(pos).unwrap()
            };
            let fd: Vec<f64> = (0..gradients.len()).map(|k| cell(check_col(columns, k))).collect();
            let derived: Vec<f64> =
                gradients.iter().map(|g| sheet.number(table.pos(*g, iteration).unwrap()).unwrap()).collect();
            rows.push((fd, derived, cell(check_col(columns, gradients.len()))));
        }
    }
    rows
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

#[test]
fn the_gradient_check_confirms_the_derivation_and_refutes_the_course_mistake() {
    let (_d, out) = generate(&["--gradient-check"]);
    let rows = gradient_check(&out);
    assert_eq!(rows.len(), 6 * 100);
    for (fd, derived, largest) in &rows {
        assert!(*largest < 1e-5, "{largest}");
        let own = fd.iter().zip(derived).map(|(f, d)| relative(*d, *f)).fold(0.0, f64::max);
        assert_eq!(*largest, own, "the row's largest relative difference");
    }
    let (_d, out) = generate(&["--gradient-check", "--mistake", "a_h1-for-a_h2"]);
    for (fd, derived, _) in gradient_check(&out) {
        for k in 0..8 {
            let gap = relative(derived[k], fd[k]);
            if k == 2 || k == 3 {
                assert!(gap > 1e-4, "∂E/∂w{} differs from its finite difference: {gap}", k + 1);
            } else {
                assert!(gap < 1e-5, "∂E/∂w{} agrees: {gap}", k + 1);
            }
        }
    }
    let summary = bin()
        .args(["generate", "--gradient-check", "--learning-rates", "0.5", "--out"])
        .arg(out.with_file_name("s.xlsx"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&summary.stdout).contains("largest FD rel diff"));
    let book = read(&out.with_file_name("s.xlsx"));
    let texts: Vec<&str> = sheet(&book, "Summary").texts().into_iter().map(|(_, t)| t).collect();
    assert!(texts.iter().any(|t| t.starts_with("holds: every gradient agrees")), "{texts:?}");
}

/// The value of a column at an iteration of a generated sheet, found by its header.
fn cell_of(sheet: &backprop_sheet::read::Sheet, col: Col, iteration: usize) -> f64 {
    let table = &find_tables(sheet)[0];
    sheet.number(table.pos(col, iteration).unwrap()).unwrap()
}

fn rounded(x: f64, digits: usize) -> String {
    format!("{:.*e}", digits - 1, x)
}

/// Matt Mazur's "A Step by Step Backpropagation Example": his first pass is exact; his later
/// figures are those of w1..w4 updated with the already-updated w5..w8.
#[test]
fn mazur_s_worked_example_is_reproduced_and_so_is_his_code_s_slip() {
    let mazur = ["--bias", "--set", "b1=0.35", "--set", "b2=0.6", "--learning-rates", "0.5", "--iterations", "10001"];
    let (_d, out) = generate(&mazur);
    let book = read(&out);
    let s = sheet(&book, "LR 0.5");
    assert_eq!(rounded(cell_of(s, Col::ETotal, 1), 9), rounded(0.298371109, 9));
    assert_eq!(rounded(cell_of(s, Col::W(5), 2), 8), rounded(0.35891648, 8));
    assert_eq!(rounded(cell_of(s, Col::W(1), 2), 9), rounded(0.149780716, 9));
    assert_eq!(rounded(cell_of(s, Col::ETotal, 2), 9), rounded(0.291027774, 9), "the correct second pass");
    assert_eq!(cell_of(s, Col::B(1), 10001), 0.35, "the biases stay as typed");
    assert_eq!(rounded(cell_of(s, Col::AO(1), 10001), 8), rounded(0.015913620, 8), "the correct 10,000 rounds");
    assert_eq!(rounded(cell_of(s, Col::AO(2), 10001), 9), rounded(0.984064274, 9));
    assert_eq!(rounded(cell_of(s, Col::ETotal, 10001), 5), rounded(3.5102e-05, 5));

    let (_d, out) = generate(&[&mazur[..], &["--mistake", "updated-output-weights"]].concat());
    let book = read(&out);
    let s = sheet(&book, "LR 0.5");
    assert_eq!(rounded(cell_of(s, Col::ETotal, 1), 9), rounded(0.298371109, 9));
    assert_eq!(rounded(cell_of(s, Col::W(5), 2), 8), rounded(0.35891648, 8), "the output layer's step is right");
    assert_eq!(rounded(cell_of(s, Col::W(1), 2), 6), rounded(0.149818, 6), "the hidden layer's is not");
    assert_eq!(rounded(cell_of(s, Col::ETotal, 2), 9), rounded(0.291027924, 9), "Mazur's published figure");
    assert_eq!(rounded(cell_of(s, Col::AO(1), 10001), 8), rounded(0.015912196, 8));
    assert_eq!(rounded(cell_of(s, Col::AO(2), 10001), 9), rounded(0.984065734, 9));
    assert_eq!(rounded(cell_of(s, Col::ETotal, 10001), 5), rounded(3.5085e-05, 5));
    let (code, report) = check_json(&out, &[]);
    assert_eq!(code, 1);
    let keys: Vec<&str> = report["tables"][0]["wrong_columns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["diagnosis"]["mistakes"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()))
        .collect();
    assert!(!keys.is_empty() && keys.iter().all(|k| *k == "updated-output-weights"), "{keys:?}");
}

/// Other shapes and trained biases: every derived gradient agrees with the central finite
/// difference of E_total beside it to a relative 1e-6, and `check` passes the workbook.
#[test]
fn every_network_s_gradients_agree_with_finite_differences_and_pass_check() {
    for network in
        [&["--network", "2-3-2"][..], &["--network", "3-2-1"], &["--train-bias"], &["--network", "1-8-3", "--bias"]]
    {
        let args = [network, &["--gradient-check", "--learning-rates", "0.5,2", "--iterations", "50"]].concat();
        let (_d, out) = generate(&args);
        let rows = gradient_check(&out);
        assert_eq!(rows.len(), 2 * 50, "{network:?}");
        let params = params(&args);
        let trained = params.inputs.columns().trained().count();
        for (fd, derived, largest) in &rows {
            assert_eq!(fd.len(), trained, "{network:?}: a finite difference per trained parameter");
            let own = fd.iter().zip(derived).map(|(f, d)| relative(*d, *f)).fold(0.0, f64::max);
            assert!(own < 1e-6, "{network:?}: {own:e}");
            assert_eq!(*largest, own, "{network:?}");
        }
        let (code, report) = check_json(&out, &[]);
        assert_eq!(code, 0, "{network:?}: {report}");
        assert_eq!(report["tables"][0]["network"], params.inputs.columns().network.to_string());
    }
}

#[test]
fn a_template_for_any_network_is_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    bin().args(["template", "--network", "2-3-2", "--train-bias", "--out"]).arg(&path).assert().success();
    let book = read(&path);
    let labels: Vec<&str> = book.sheets[0].texts().into_iter().map(|(_, t)| t).collect();
    for name in ["network", "biases", "i2", "t2", "w12", "b1", "b2", "iterations", "learning rates"] {
        assert!(labels.contains(&name), "{name} in {labels:?}");
    }
    let args = ["--template", path.to_str().unwrap()];
    let params = params(&args);
    let network = params.inputs.columns().network;
    assert_eq!(network.to_string(), "2-3-2 with trained biases", "the shape and biases from labelled cells");
    for col in params.inputs.columns().typed() {
        assert_eq!(
            Some(params.inputs.get(col)),
            params.inputs.columns().default_value(col),
            "{col:?}: the documented default"
        );
    }
    // Another shape than the template's is refused: its weights would mean other connections.
    let out = bin().args(["generate", "--network", "2-2-2"]).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: {}: the template is for a 2-3-2 network, not 2-2-2: its weights would mean other connections. Write a template for it with `backprop-sheet template --network 2-2-2`.\n",
            path.display()
        )
    );
    // A mistake the network has no room for is refused before anything is written.
    let out = bin().args(["generate", "--network", "3-2-1", "--mistake", "t1-for-t2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "backprop-sheet: the mistake `t1-for-t2` does not apply to the network 3-2-1 (t1 where t2 belongs): choose another\n"
    );
    let out = bin().args(["generate", "--set", "w9=1"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "backprop-sheet: built-in template (templates/backprop-template.xlsx): --set w9: the network 2-2-2 has no such input; its inputs are t1 t2 i1 i2 w1 w2 w3 w4 w5 w6 w7 w8.\n"
    );
}

/// The parts of a package, by name: what the workbook is, whatever wrote it.
fn package_parts(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            (part.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// Sheets written in parallel make the workbook one worker makes: every part the same, byte for
/// byte, but the time of writing in the document properties.
#[test]
fn one_worker_and_several_write_the_same_workbook() {
    for args in [
        &["--iterations", "300"][..],
        &["--gradient-check", "--network", "2-3-2", "--train-bias", "--mistake", "t1-for-t2"],
    ] {
        let (_d1, one) = generate(&[args, &["--jobs", "1"]].concat());
        let (_d2, many) = generate(&[args, &["--jobs", "4"]].concat());
        let (mut a, mut b) = (package_parts(&one), package_parts(&many));
        assert!(a.remove("docProps/core.xml").is_some() && b.remove("docProps/core.xml").is_some());
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{args:?}");
        for (name, bytes) in &a {
            assert!(bytes == &b[name], "{args:?}: {name} differs");
        }
        assert!(a.keys().filter(|n| n.starts_with("xl/worksheets/sheet")).count() == 7, "{args:?}");
    }
}

/// Excel holds at most 8,192 characters in a cell's formula: the gradient check of the largest
/// networks would pass that, and is refused before anything is written; the network itself fits.
#[test]
fn formulas_too_long_for_excel_are_refused_and_the_largest_network_fits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.xlsx");
    for network in ["7-7-7", "8-8-8"] {
        let refused = bin()
            .args(["generate", "--network", network, "--train-bias", "--gradient-check", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        let message = String::from_utf8_lossy(&refused.stderr);
        let length: usize =
            message.split("needs formulas of ").nth(1).and_then(|r| r.split(' ').next()?.parse().ok()).unwrap();
        assert!(length > 8192, "{message}");
        assert_eq!(
            message,
            format!(
                "backprop-sheet: the gradient check of the network {network} with trained biases needs formulas of {length} characters, and Excel holds at most 8192 in a cell: choose a smaller network, or leave out --gradient-check\n"
            )
        );
        assert!(!out.exists(), "nothing written");
    }
    let (_d, out) = generate(&["--network", "8-8-8", "--train-bias", "--learning-rates", "1", "--iterations", "3"]);
    let parts = package_parts(&out);
    let sheet = String::from_utf8(parts["xl/worksheets/sheet2.xml"].clone()).unwrap();
    let longest = sheet.split("<f>").skip(1).map(|f| f.split("</f>").next().unwrap().chars().count()).max().unwrap();
    assert!(longest > 1000 && longest <= 8192, "{longest}");
}

/// The workbooks `generate` writes are the previous release's, byte for byte in every part but
/// the time of writing: the class's sheet, another network with trained biases, the gradient
/// check with a mistake, and values only (`fixtures/previous-release-parts.tsv`, each part's
/// CRC-32 and size as that release wrote them). The stamp is new: `docProps/custom.xml`, its
/// entry in `[Content_Types].xml` and its relationship in `_rels/.rels`; those two parts are
/// the release's once that entry is taken out, and the stamp holds the digest of the run's
/// first row.
#[test]
fn the_workbooks_are_the_previous_release_s_byte_for_byte() {
    let listed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/previous-release-parts.tsv"),
    )
    .unwrap();
    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    for line in listed.lines().filter(|l| !l.starts_with('#')) {
        let (args, part) = line.split_once('\t').unwrap();
        match runs.last_mut() {
            Some((a, parts)) if a == args => parts.push(part.to_string()),
            _ => runs.push((args.to_string(), vec![part.to_string()])),
        }
    }
    assert_eq!(runs.len(), 4);
    let stamp_entries = [
        (
            "[Content_Types].xml",
            r#"<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>"#,
        ),
        (
            "_rels/.rels",
            r#"<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>"#,
        ),
    ];
    for (args, want) in runs {
        let flags: Vec<&str> = if args == "-" { Vec::new() } else { args.split(' ').collect() };
        let (_dir, out) = generate(&flags);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let mut part = |name: &str| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
            text
        };
        let mut got: Vec<String> = Vec::new();
        for (name, entry) in stamp_entries {
            let text = part(name);
            assert_eq!(text.matches(entry).count(), 1, "generate {args}: {name} lists the stamp once");
            let without = text.replace(entry, "");
            got.push(format!("{name}\t{:08x}\t{}", crc32fast::hash(without.as_bytes()), without.len()));
        }
        let stamp = backprop_sheet::read::Workbook::from_bytes(&out, &std::fs::read(&out).unwrap()).unwrap().stamp;
        let issue = backprop_sheet::variant::Issue::default();
        assert_eq!(stamp, backprop_sheet::variant::Stamp::of(&params(&flags).inputs, &issue), "generate {args}");
        got.extend(
            (0..zip.len())
                .map(|i| {
                    let e = zip.by_index_raw(i).unwrap();
                    format!("{}\t{:08x}\t{}", e.name().unwrap(), e.crc32(), e.size())
                })
                .filter(|line| {
                    !["docProps/core.xml\t", "docProps/custom.xml\t", "[Content_Types].xml\t", "_rels/.rels\t"]
                        .iter()
                        .any(|p| line.starts_with(p))
                }),
        );
        assert_eq!(got, want, "generate {args}");
    }
}

/// `--activation` and `--output-activation` change the activations' formulas and their slopes in
/// the gradients, and the Summary says which; an unknown name is refused by the flag.
#[test]
fn the_activations_are_written_as_formulas_and_named_on_the_summary() {
    let args = ["--activation", "tanh", "--output-activation", "leaky-relu=0.2", "--iterations", "3"];
    let (_d, out) = generate(&args);
    let book = read(&out);
    let texts: Vec<&str> = sheet(&book, "Summary").texts().into_iter().map(|(_, t)| t).collect();
    assert!(texts.contains(&"Inputs i1 i2, hidden h1 h2, outputs o1 o2, tanh hidden, leaky ReLU (α = 0.2) outputs, no bias, squared error, gradient descent."));
    assert!(texts.contains(&"a_h1 = TANH(h1)"), "{texts:?}");
    assert!(texts.contains(&"a_o2 = IF(o2>0,o2,0.2*o2)"));
    assert!(texts.contains(&"∂E/∂w5 = (a_o1-t1)*IF(o1>0,1,0.2)*a_h1"));
    assert!(texts.contains(&"∂E/∂w1 = ((a_o1-t1)*IF(o1>0,1,0.2)*w5+(a_o2-t2)*IF(o2>0,1,0.2)*w7)*(1-a_h1^2)*i1"));
    let lr = sheet(&book, "LR 0.5");
    assert!(lr.formulas.values().any(|f| f == "TANH(J4)"), "a_h1 of the first row reads h1 beside it");

    let out = bin().args(["generate", "--activation", "softplus", "--out", "x.xlsx"]).output().unwrap();
    assert!(!out.status.success());
    let first = String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        "error: invalid value 'softplus' for '--activation <NAME>': `softplus` is not an activation: use one of sigmoid, tanh, relu, leaky-relu (or leaky-relu=α, α 0.01 unless given), linear; softmax for the outputs"
    );
}

/// `--compare-optimizers`: a sheet per optimizer at the one learning rate, each holding its own
/// optimizer's E_total (the engine's, for that optimizer), the Summary naming them in its table,
/// its chart and the updates' derivation; more than one learning rate is refused.
#[test]
fn compare_optimizers_writes_a_sheet_per_optimizer() {
    use backprop_sheet::columns::Columns;
    use backprop_sheet::network::{Maths, Optimizer};
    let args = ["--compare-optimizers", "--learning-rates", "0.1", "--iterations", "30", "--momentum", "0.8"];
    let (_d, out) = generate(&args);
    let book = read(&out);
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Summary", "Gradient descent", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"]);
    let params = params(&args);
    let network = params.inputs.columns().network;
    for (k, name) in Optimizer::NAMES.iter().enumerate() {
        let mut optimizer = Optimizer::named(name).unwrap();
        if let Some(tuned) = optimizer.with(backprop_sheet::network::Param::Momentum, 0.8) {
            optimizer = tuned;
        }
        let columns = Columns::of(network.with_maths(Maths { optimizer, ..network.maths }));
        let inputs = params.inputs.reshaped(columns);
        let last = rows(&inputs, 0.1, 30, columns.formulas()).last().unwrap();
        let sheet = &book.sheets[1 + k];
        let t = &find_tables(sheet)[0];
        assert_eq!(sheet.number(t.pos(Col::ETotal, 30).unwrap()), Some(last.get(Col::ETotal)), "{name}");
    }
    let summary = sheet(&book, "Summary");
    let texts: Vec<&str> = summary.texts().into_iter().map(|(_, t)| t).collect();
    assert!(texts.contains(&"Inputs i1 i2, hidden h1 h2, outputs o1 o2, sigmoid everywhere, no bias, squared error, each optimizer on a sheet of its own."));
    assert!(texts.contains(&"Momentum:  w1 = prev(w1)-η*v_w1"), "{texts:?}");
    assert!(texts.contains(&"           v_w1 = μ*prev(v_w1)+prev(∂E/∂w1)"));
    assert!(texts.contains(&"Adam"));
    let out = bin().args(["generate", "--compare-optimizers", "--out", "x.xlsx"]).output().unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "backprop-sheet: --compare-optimizers trains every optimizer at one learning rate, not 6: give it with --learning-rates, e.g. --learning-rates 0.1"
    );
}

/// `--loss cross-entropy`: with softmax outputs, the exponentials and their sum as columns
/// between the sums and the activations, each error -t*LN(a), the deltas a_o-t; with sigmoid
/// outputs the binary cross-entropy. Combinations that do not make sense are refused, each with
/// what to do.
#[test]
fn cross_entropy_is_written_with_softmax_or_sigmoid_outputs() {
    let args = ["--loss", "cross-entropy", "--output-activation", "softmax", "--iterations", "3"];
    let columns = params(&args).inputs.columns();
    let headers: Vec<String> = columns.all()[16..26].iter().map(|c| c.header()).collect();
    assert_eq!(headers.join(" "), "o1 exp_o1 o2 exp_o2 exp_sum a_o1 a_o2 E1 E2 E_total");
    let (_d, out) = generate(&args);
    let book = read(&out);
    let texts: Vec<&str> = sheet(&book, "Summary").texts().into_iter().map(|(_, t)| t).collect();
    for line in [
        "exp_o1 = EXP(o1)",
        "exp_sum = exp_o1+exp_o2",
        "a_o1 = exp_o1/exp_sum",
        "E1 = -t1*LN(a_o1)",
        "∂E/∂w5 = (a_o1-t1)*a_h1",
    ] {
        assert!(texts.contains(&line), "{line}: {texts:?}");
    }
    let sigmoid = params(&["--loss", "cross-entropy"]).inputs.columns();
    assert_eq!(sigmoid.text(Col::E(2)), "-(t2*LN(a_o2)+(1-t2)*LN(1-a_o2))");
    assert_eq!(sigmoid.text(Col::Dw(8)), "(a_o2-t2)*a_h2");

    for (flags, message) in [
        (
            &["--output-activation", "softmax"][..],
            "backprop-sheet: --output-activation softmax goes with --loss cross-entropy, whose deltas are a_o-t",
        ),
        (
            &["--loss", "cross-entropy", "--output-activation", "relu"],
            "backprop-sheet: --loss cross-entropy needs outputs in (0,1): give --output-activation softmax or sigmoid",
        ),
        (
            &["--activation", "softmax"],
            "backprop-sheet: softmax is the output layer's: give it with --output-activation",
        ),
        (
            &["--loss", "cross-entropy", "--output-activation", "softmax", "--network", "2-2-1"],
            "backprop-sheet: a softmax over one output is always 1: give two outputs or more, or --output-activation sigmoid",
        ),
        (
            &["--loss", "cross-entropy", "--output-activation", "softmax", "--train-bias"],
            "backprop-sheet: with softmax outputs the shared output bias b2 moves every output's sum alike, which a softmax ignores: its gradient is always 0. Give --bias (fixed biases) instead of --train-bias",
        ),
        (
            &["--loss", "cross-entropy", "--output-activation", "softmax", "--set", "t1=0.5"],
            "backprop-sheet: softmax outputs are a distribution, and t1 + t2 sum to 1.49, not 1: set them with --set (e.g. --set t1=0.2 --set t2=0.8)",
        ),
    ] {
        let out = bin().args(["generate", "--out", "x.xlsx"]).args(flags).output().unwrap();
        assert!(!out.status.success(), "{flags:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end(), message);
    }
}

/// The README's table of each optimizer's columns is their derivation, line for line.
#[test]
fn the_readme_quotes_each_optimizer_s_columns_as_they_are() {
    use backprop_sheet::columns::Columns;
    use backprop_sheet::network::{Maths, Network, Optimizer};
    let table: Vec<String> = Optimizer::NAMES
        .iter()
        .map(|name| {
            let optimizer = Optimizer::named(name).unwrap();
            let columns = Columns::of(Network::default().with_maths(Maths { optimizer, ..Maths::default() }));
            let lines = columns.formulas().derivation();
            let update = lines.iter().find_map(|l| l.strip_prefix("w1 = ")).unwrap();
            let own = [Col::MW(1), Col::VW(1), Col::Beta1T, Col::Beta2T].map(|c| format!("{} = ", c.header()));
            let state: Vec<String> =
                lines.iter().filter(|l| own.iter().any(|o| l.starts_with(o))).map(|l| format!("`{l}`")).collect();
            let state = if state.is_empty() { "none".to_string() } else { state.join(", ") };
            format!("| `{name}` | `{update}` | {state} |")
        })
        .collect();
    assert_eq!(readme_section("<!-- generated: Optimizer columns -->"), table);
}
