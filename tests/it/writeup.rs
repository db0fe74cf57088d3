//! `writeup`: every number of the README held to the workbook `generate` writes for the same run,
//! the pictures parsed and rendered by other programs, the folder written as promised.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use backprop_sheet::columns::{self, Col, Columns, Ref};
use backprop_sheet::network::Param;
use backprop_sheet::read::{Pos, Sheet, Workbook, find_tables};
use backprop_sheet::write::sheet_name;

use crate::common::{bin, generate, read, sheet};

/// Runs `writeup ARGS` into a fresh folder and returns (temporary folder, the write-up's folder).
fn writeup(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("writeup");
    bin().arg("writeup").arg("--out").arg(&out).args(args).assert().success();
    (dir, out)
}

/// The README rounds to nine significant digits: a printed number is right when the cell's value
/// rounds to the same nine digits.
fn same(printed: &str, value: f64) -> bool {
    let printed = printed.trim().trim_start_matches('(').trim_end_matches(')');
    let p: f64 = printed.parse().unwrap_or_else(|_| panic!("`{printed}` is not a number"));
    format!("{:.8e}", p) == format!("{:.8e}", value)
}

/// A generated sheet's cells, by column and iteration.
struct Cells<'a> {
    sheet: &'a Sheet,
    table: backprop_sheet::read::Table,
}

impl Cells<'_> {
    fn of<'a>(book: &'a Workbook, eta: f64) -> Cells<'a> {
        let sheet = sheet(book, &sheet_name(eta));
        Cells { sheet, table: find_tables(sheet).remove(0) }
    }

    /// A cell of the table, its column found by its header as `generate` writes it.
    fn get(&self, col: Col, iteration: usize) -> f64 {
        self.at(&col.header(), iteration)
    }

    fn at(&self, header: &str, iteration: usize) -> f64 {
        let texts = self.sheet.texts();
        let found = texts.iter().find(|(p, t)| p.row == self.table.header_row && *t == header);
        let (at, _) = found.unwrap_or_else(|| panic!("no column `{header}`"));
        self.sheet.number(Pos { row: self.table.rows[iteration - 1], col: at.col }).unwrap()
    }

    /// The finite difference beside a gradient at iteration 1 (`∂E/∂w5 (FD)`).
    fn fd(&self, gradient: Col) -> f64 {
        self.at(&format!("{} (FD)", gradient.header()), 1)
    }
}

/// The lines of the README's fenced blocks, each entry (a line and the lines continuing it) as
/// one string, with the notes under it.
fn entries(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            continue;
        }
        let trimmed = line.trim_start();
        match out.last_mut() {
            Some(last) if line.starts_with(' ') && trimmed.starts_with("= ") => {
                last.0.push(' ');
                last.0.push_str(trimmed);
            }
            Some(last) if line.starts_with(' ') => last.1.push(trimmed.to_string()),
            _ => out.push((line.to_string(), Vec::new())),
        }
    }
    out
}

/// A formula's tokens: numbers, names (`prev(x)` one token), and single characters.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut k = 0;
    let number = |c: char| c.is_ascii_digit() || c == '.';
    let word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '∂' | 'η');
    while k < chars.len() {
        let start = k;
        if number(chars[k]) {
            while k < chars.len() && (number(chars[k]) || chars[k] == 'e' || (chars[k] == '-' && chars[k - 1] == 'e')) {
                k += 1;
            }
        } else if word(chars[k]) {
            // `β1^t` is one name (Adam's power of β1); `a_h1^2` a name squared.
            // `∂E/∂w1` is one name too; `m_w1/x` a division.
            let power = |k: usize| chars[k] == '^' && chars.get(k + 1).is_some_and(|c| c.is_alphabetic());
            let by = |k: usize| chars[k] == '/' && chars.get(k + 1) == Some(&'∂');
            while k < chars.len() && (word(chars[k]) || power(k) || by(k)) {
                k += 1;
            }
            if chars[start..k].iter().collect::<String>() == "prev" {
                k += chars[k..].iter().position(|&c| c == ')').unwrap() + 1;
            }
        } else {
            k += 1;
        }
        out.push(chars[start..k].iter().collect());
    }
    out
}

/// Whether a token of a formula is a name a value was substituted for.
fn is_name(token: &str) -> bool {
    // A spreadsheet function (EXP, TANH, MAX, IF) is all capitals; no column's name is.
    let function = token.chars().all(|c| c.is_ascii_uppercase());
    token.starts_with(|c: char| c.is_alphabetic() || c == '∂') && !function
}

/// What a name of the README stands for: a column, by header or name.
fn col_named(name: &str) -> Col {
    column(name).unwrap_or_else(|| panic!("`{name}` names no column"))
}

/// The column a header names: the class layout's spellings, or Adam's `β1^t` (named `β1_t`).
fn column(header: &str) -> Option<Col> {
    Col::from_header(header).or_else(|| Col::from_name(&header.replace('^', "_")))
}

/// Holds every derivation entry of `readme` (a run of `columns`) to the sheet of learning rate `eta` (iteration 1, and
/// iteration 2 for the updates): each operand substituted, each chain-rule factor, each result,
/// each finite difference. Returns the columns it checked.
fn check_derivation(readme: &str, columns: &'static Columns, cells: &Cells, eta: f64) -> BTreeSet<Col> {
    let mut checked = BTreeSet::new();
    for (entry, notes) in entries(readme) {
        let parts: Vec<&str> = entry.trim_start_matches("✗ ").split(" = ").collect();
        let lhs = parts[0].replace("∂E_total/∂", "∂E/∂");
        let col = col_named(&lhs);
        // A typed column that changes (a parameter, an optimizer's state) is shown updated.
        let iteration = if col.is_typed() && !columns.is_constant(col) { 2 } else { 1 };
        let value = cells.get(col, iteration);
        assert!(same(parts.last().unwrap(), value), "{entry}: the workbook holds {value}");
        match parts.len() {
            4 => {
                let mut numbers = tokens(parts[2]).into_iter();
                for f in tokens(parts[1]) {
                    let mut n = numbers.next().unwrap_or_else(|| panic!("{entry}: fewer numbers than names"));
                    if !is_name(&f) {
                        assert_eq!(f, n, "{entry}");
                        continue;
                    }
                    if n == "(" {
                        // A negative operand, in parentheses: `(-0.5)`.
                        let sign_and_number: Vec<String> = numbers.by_ref().take(3).collect();
                        assert_eq!((sign_and_number[0].as_str(), sign_and_number[2].as_str()), ("-", ")"), "{entry}");
                        n = format!("-{}", sign_and_number[1]);
                    }
                    let v = match f.strip_prefix("prev(").and_then(|f| f.strip_suffix(')')) {
                        Some(name) => cells.get(col_named(name), iteration - 1),
                        None => match column(&f) {
                            Some(c) => cells.get(c, iteration),
                            // η, or a hyper-parameter of the optimizer.
                            None => match columns::parse(columns, &f) {
                                Ok(backprop_sheet::expr::Expr::Ref(Ref::Param(Param::Eta))) => eta,
                                Ok(backprop_sheet::expr::Expr::Ref(Ref::Param(p))) => {
                                    columns.network.maths.optimizer.value(p).unwrap()
                                }
                                _ => panic!("{entry}: `{f}` names nothing"),
                            },
                        },
                    };
                    assert!(same(&n, v), "{entry}: {f} is {v}, printed {n}");
                }
                assert_eq!(numbers.next(), None, "{entry}: more numbers than names");
            }
            5 => {
                let split = |s: &str| -> Vec<String> {
                    s.replace(['[', ']'], "").split(" · ").flat_map(|p| p.split(" + ")).map(String::from).collect()
                };
                let (names, texts, numbers) = (split(parts[1]), split(parts[2]), split(parts[3]));
                assert_eq!((names.len(), texts.len()), (numbers.len(), numbers.len()), "{entry}");
                for (text, number) in texts.iter().zip(&numbers) {
                    let factor = columns::parse(columns, text).unwrap_or_else(|e| panic!("{entry}: {e}"));
                    let v = factor.eval(&|r| match r {
                        Ref::Cur(c) => cells.get(c, 1),
                        other => panic!("{entry}: a factor reads {other:?}"),
                    });
                    assert!(same(number, v), "{entry}: {text} is {v}, printed {number}");
                }
            }
            _ => panic!("an entry of unknown form: {entry}"),
        }
        for note in notes.iter().filter_map(|n| n.strip_prefix("finite difference: ")) {
            let fd = note.split(',').next().unwrap();
            assert!(same(fd, cells.fd(col)), "{entry}: finite difference {fd}, the workbook {}", cells.fd(col));
        }
        checked.insert(col);
    }
    checked
}

/// Holds the table of iterations to the workbook, cell by cell; returns how many cells it read.
fn check_iterations(readme: &str, book: &Workbook) -> usize {
    let mut lines = readme.lines().skip_while(|l| !l.starts_with("| η | iteration |"));
    let cell = |l: &str| l.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect();
    let head: Vec<String> = cell(lines.next().expect("the table of iterations"));
    let mut read = 0;
    for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let row: Vec<String> = cell(line);
        let eta: f64 = row[0].parse().unwrap();
        let iteration: usize = row[1].parse().unwrap();
        let cells = Cells::of(book, eta);
        for (name, printed) in head.iter().zip(&row).skip(2) {
            let value = cells.get(col_named(name), iteration);
            assert!(same(printed, value), "η = {eta}, iteration {iteration}, {name}: {printed} vs {value}");
            read += 1;
        }
    }
    read
}

fn readme_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("README.md")).unwrap()
}

/// The columns a derivation must show: every one a formula computes.
fn derived(columns: &Columns) -> BTreeSet<Col> {
    columns.all().iter().copied().filter(|&c| !columns.is_constant(c)).collect()
}

#[test]
fn every_number_of_the_readme_is_the_workbook_s() {
    let mazur = ["--bias", "--set", "b1=0.35", "--set", "b2=0.6", "--learning-rates", "0.5"];
    let adam = ["--activation", "tanh", "--optimizer", "adam", "--learning-rates", "0.1", "--gradient-check"];
    let runs: [&[&str]; 4] =
        [&["--gradient-check"], &mazur, &["--network", "2-3-2", "--train-bias", "--iterations", "7"], &adam];
    for args in runs {
        let (_w, dir) = writeup(args);
        let (_g, workbook) = generate(args);
        let book = read(&workbook);
        let readme = readme_of(&dir);
        let params = crate::common::params(args);
        let eta = params.learning_rates[0];
        let cells = Cells::of(&book, eta);
        let columns = params.inputs.columns();
        let checked = check_derivation(&readme, columns, &cells, eta);
        assert_eq!(checked, derived(columns), "{args:?}");
        let shown = params.learning_rates.len() * 4 * (1 + columns.network.outputs as usize);
        assert_eq!(check_iterations(&readme, &book), shown, "{args:?}");
        for col in columns.typed() {
            let line = format!("| `{}` | ", col.header());
            let printed = readme.lines().find_map(|l| l.strip_prefix(line.as_str())).expect("an initial value");
            assert!(same(printed.split(" | ").next().unwrap(), cells.get(col, 1)), "{col:?}");
        }
    }
}

#[test]
fn mazur_s_first_pass_and_step_read_as_he_prints_them() {
    let (_w, dir) = writeup(&["--bias", "--set", "b1=0.35", "--set", "b2=0.6", "--learning-rates", "0.5"]);
    let readme = readme_of(&dir);
    let result = |lhs: &str| {
        let line = readme.lines().find(|l| l.starts_with(&format!("{lhs} = "))).unwrap();
        line.rsplit(" = ").next().unwrap().to_string()
    };
    assert_eq!(result("h1"), "0.3775");
    assert_eq!(result("E_total"), "0.298371109");
    assert_eq!(result("w5"), "0.35891648");
    assert_eq!(result("w1"), "0.149780716");
    let w5 = readme.lines().position(|l| l.starts_with("∂E_total/∂w5 = ")).unwrap();
    assert_eq!(readme.lines().nth(w5).unwrap(), "∂E_total/∂w5 = ∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5");
}

#[test]
fn a_mistake_s_derivation_is_its_workbook_s_and_marked_wrong() {
    let args = ["--mistake", "a_h1-for-a_h2"];
    let (_w, dir) = writeup(&args);
    let (_g, workbook) = generate(&args);
    let book = read(&workbook);
    let readme = readme_of(&dir);
    let (_, mistaken) =
        readme.split_once("## A mistake to learn from: `a_h1-for-a_h2`").expect("the mistake's section");
    let mistaken = mistaken.split("## How this was made").next().unwrap();
    let cells = Cells::of(&book, 0.1);
    let checked = check_derivation(mistaken, Columns::class(), &cells, 0.1);
    assert!(checked.contains(&Col::Dw(3)) && checked.contains(&Col::Dw(4)), "{checked:?}");
    let marked: Vec<&str> =
        mistaken.lines().filter(|l| l.starts_with("✗ ")).map(|l| &l[..l.find(" = ").unwrap()]).collect();
    assert_eq!(marked, ["✗ ∂E_total/∂w3", "✗ ∂E_total/∂w4"]);
    let wrong = mistaken.lines().filter(|l| l.trim_start().starts_with("wrong: the definition is ")).count();
    assert_eq!(wrong, 2);
}

/// Every element and attribute of an SVG, read by an XML parser: it fails on a malformed file.
fn svg_texts(path: &Path) -> (Vec<String>, Vec<usize>) {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut texts, mut polylines) = (Vec::new(), Vec::new());
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
            quick_xml::events::Event::Text(t) => texts.push(t.xml10_content().trim().to_string()),
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e) if e.name().0 == "polyline" => {
                let points = e.try_get_attribute("points").unwrap().expect("points");
                polylines.push(points.value.split_whitespace().count());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    (texts, polylines)
}

#[test]
fn the_network_names_every_weight_and_bias_with_its_value() {
    for args in [&["--network", "2-2-2"][..], &["--network", "2-3-2", "--train-bias"], &["--network", "8-8-8"]] {
        let (_w, dir) = writeup(args);
        let (texts, _) = svg_texts(&dir.join("network.svg"));
        let params = crate::common::params(args);
        let columns = params.inputs.columns();
        for col in columns.typed().filter(|c| matches!(c, Col::W(_) | Col::B(_))) {
            let label = format!("{} = {}", col.name(), shortest(params.inputs.get(col)));
            assert!(texts.contains(&label), "{args:?}: no `{label}` in {texts:?}");
        }
        let units = |prefix: &str, n: u8| (1..=n).all(|k| texts.contains(&format!("{prefix}{k}")));
        let n = columns.network;
        assert!(units("i", n.inputs) && units("h", n.hidden) && units("o", n.outputs), "{args:?}");
    }
}

/// The initial values are short decimals: their shortest text is how the drawing prints them.
fn shortest(x: f64) -> String {
    backprop_sheet::expr::shortest(x)
}

#[test]
fn the_loss_chart_plots_the_workbook_s_points_one_curve_per_learning_rate() {
    let args = ["--iterations", "2500", "--learning-rates", "0.5,1,2"];
    let (_w, dir) = writeup(&args);
    let (_g, workbook) = generate(&args);
    let book = read(&workbook);
    let summary = sheet(&book, "Summary");
    // The workbook's charts plot the Summary's curve table: its iteration column.
    let header = summary.texts().into_iter().find(|(_, t)| *t == "iteration").unwrap().0;
    let points = (1..).take_while(|&k| summary.number(Pos { row: header.row + k, col: header.col }).is_some()).count();
    assert!(points > 100 && points < 1000, "sampled, not every iteration: {points}");
    let (texts, polylines) = svg_texts(&dir.join("loss.svg"));
    assert_eq!(polylines.iter().filter(|&&n| n == points).count(), 3, "{polylines:?}");
    for eta in ["0.5", "1", "2"] {
        let legend = texts.iter().filter(|t| t.starts_with(&format!("η = {eta}: "))).count();
        assert_eq!(legend, 1, "{texts:?}");
        let (texts, polylines) = svg_texts(&dir.join(format!("loss-{eta}.svg")));
        assert_eq!(polylines.iter().filter(|&&n| n == points).count(), 1);
        assert!(texts.contains(&format!("E_total by iteration at η = {eta}")), "{texts:?}");
    }
}

/// A PNG's width and height, from its header, after checking it decodes.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (pixmap.width(), pixmap.height())
}

/// An SVG's size, from its root element.
fn svg_size(path: &Path) -> (f64, f64) {
    let xml = std::fs::read_to_string(path).unwrap();
    let attribute = |name: &str| {
        let at = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        xml[at..at + xml[at..].find('"').unwrap()].parse::<f64>().unwrap()
    };
    (attribute("width"), attribute("height"))
}

#[test]
fn pngs_decode_with_the_width_asked() {
    let (_w, dir) = writeup(&["--png", "640", "--learning-rates", "0.5,1"]);
    for name in ["network", "loss", "loss-0.5", "loss-1"] {
        let (w, h) = svg_size(&dir.join(format!("{name}.svg")));
        assert_eq!(png_size(&dir.join(format!("{name}.png"))), (640, (640.0 * h / w).round() as u32), "{name}");
    }
}

#[test]
fn the_readme_renders_as_markdown_and_every_svg_in_a_second_renderer() {
    let (_w, dir) = writeup(&["--network", "2-3-2", "--bias"]);
    let readme = readme_of(&dir);
    let parser = pulldown_cmark::Parser::new_ext(&readme, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    assert_eq!(html.matches("<table>").count(), 3, "initial values, iterations, pictures");
    assert_eq!(html.matches("<pre><code class=\"language-text\">").count(), 4);
    let images: BTreeSet<&str> =
        html.split("<img src=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect::<BTreeSet<_>>();
    let svgs: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert_eq!(images, svgs.iter().map(String::as_str).collect(), "every picture shown, and only those");
    for svg in &svgs {
        let png = dir.join(format!("{svg}.rsvg.png"));
        let out = std::process::Command::new("rsvg-convert").arg(dir.join(svg)).arg("-o").arg(&png).output().unwrap();
        assert!(out.status.success(), "{svg}: {}", String::from_utf8_lossy(&out.stderr));
        let (w, h) = svg_size(&dir.join(svg));
        assert_eq!(png_size(&png), (w as u32, h as u32), "{svg}");
    }
}

#[test]
fn an_existing_write_up_is_replaced_only_with_force() {
    let (_w, dir) = writeup(&["--learning-rates", "0.5"]);
    std::fs::write(dir.join("README.md"), "mine").unwrap();
    let out = bin().arg("writeup").arg("--out").arg(&dir).args(["--learning-rates", "0.5"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --out.\n",
            dir.join("README.md").display()
        )
    );
    assert_eq!(std::fs::read_to_string(dir.join("README.md")).unwrap(), "mine");
    bin().arg("writeup").arg("--out").arg(&dir).args(["--learning-rates", "0.5", "--force"]).assert().success();
    assert!(readme_of(&dir).starts_with("# Backpropagation, step by step"));
    let names: BTreeSet<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    assert_eq!(
        names,
        ["README.md", "loss-0.5.svg", "loss.svg", "network.svg"].map(String::from).into(),
        "nothing else"
    );
}

#[test]
fn a_file_where_the_folder_belongs_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let out = bin().arg("writeup").arg("--out").arg(&file).arg("--force").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: {}: is a file, not a folder. Choose a folder for --out; it is made when missing.\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn the_docs_write_up_is_what_the_command_makes_and_the_readme_quotes_it() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    // As scripts/render-docs.sh runs it, from the repository's root.
    bin().current_dir(tmp.path()).args(["writeup", "-q", "--force", "--out", "docs/writeup"]).assert().success();
    let names = |dir: &Path| -> BTreeSet<String> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect()
    };
    let (made, kept) = (tmp.path().join("docs/writeup"), repo.join("docs/writeup"));
    assert_eq!(names(&made), names(&kept));
    for name in names(&made) {
        let same = std::fs::read(made.join(&name)).unwrap() == std::fs::read(kept.join(&name)).unwrap();
        assert!(same, "docs/writeup/{name} is not what the command makes: run scripts/render-docs.sh writeup");
    }
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let (_, quoted) = readme.split_once("<!-- quoted: docs/writeup/README.md -->\n```text\n").expect("the quote");
    let quoted = &quoted[..quoted.find("```").unwrap()];
    assert!(quoted.lines().count() >= 4 && readme_of(&kept).contains(quoted), "{quoted}");
}
