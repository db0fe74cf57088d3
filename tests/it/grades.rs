//! Grades: the rubric (written, read, refused), the score in every output, the student the
//! LMS's names give, feedback pages, and Gradescope's results file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;
use backprop_sheet::mistakes::CATALOGUE;

/// The iterations the shared workbooks have: the default's 100 would make every test slow.
const ITERATIONS: &str = "8";

/// The assignment as `generate` makes it (6 learning rates, a chart each) with 8 iterations,
/// correct and with each catalogue mistake the class's network can have, in `books/`; and beside it the default rubric as
/// `rubric --out` writes it with its iterations asked for made 8: built once, shared.
fn catalogue() -> &'static (tempfile::TempDir, Vec<(String, PathBuf)>) {
    static BUILT: OnceLock<(tempfile::TempDir, Vec<(String, PathBuf)>)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("books")).unwrap();
        let mut out = Vec::new();
        let columns = params(&[]).inputs.columns();
        let mistakes = CATALOGUE.iter().filter(|m| !m.cols(columns).is_empty()).map(|m| m.key);
        for key in std::iter::once("correct").chain(mistakes) {
            let path = dir.path().join(format!("books/{key}.xlsx"));
            let mistake: &[&str] = if key == "correct" { &[] } else { &["--mistake", key] };
            bin()
                .args(["generate", "-q", "--iterations", ITERATIONS, "--out"])
                .arg(&path)
                .args(mistake)
                .assert()
                .success();
            out.push((key.to_string(), path));
        }
        let rubric = dir.path().join("rubric.toml");
        bin().arg("rubric").arg("--out").arg(&rubric).assert().success();
        let text = std::fs::read_to_string(&rubric).unwrap();
        let short = text.replacen("iterations = 100\n", &format!("iterations = {ITERATIONS}\n"), 1);
        assert_ne!(short, text);
        std::fs::write(&rubric, short).unwrap();
        (dir, out)
    })
}

/// `--rubric` and the rubric of the shared workbooks.
fn rubric() -> [String; 2] {
    ["--rubric".into(), catalogue().0.path().join("rubric.toml").display().to_string()]
}

fn book(key: &str) -> &'static Path {
    &catalogue().1.iter().find(|(k, _)| k == key).unwrap().1
}

/// A part's points lost, as the README's table says them: `hidden layer gradients 0/20`.
fn lost(report: &serde_json::Value) -> String {
    let parts = report["parts"].as_array().unwrap();
    let lost: Vec<String> = parts
        .iter()
        .filter(|p| p["score"].as_f64() < p["max_score"].as_f64())
        .map(|p| {
            format!(
                "{} {}/{}",
                p["name"].as_str().unwrap(),
                p["score"].as_f64().unwrap(),
                p["max_score"].as_f64().unwrap()
            )
        })
        .collect();
    if lost.is_empty() { "none".into() } else { lost.join(", ") }
}

#[test]
fn the_readme_states_the_default_rubric_s_score_for_each_catalogue_mistake() {
    let (dir, books) = catalogue();
    let out = bin()
        .arg("check")
        .arg(dir.path().join("books"))
        .args(["--json", "--jobs", "2"])
        .args(rubric())
        .output()
        .unwrap();
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_file =
        |path: &Path| all.as_array().unwrap().iter().find(|r| r["file"] == path.display().to_string()).unwrap().clone();
    let correct = by_file(&books[0].1);
    assert_eq!((correct["score"].as_f64(), correct["max_score"].as_f64()), (Some(100.0), Some(100.0)));
    let table: Vec<String> = books[1..]
        .iter()
        .map(|(key, path)| {
            let r = by_file(path);
            assert!(r["score"].as_f64().unwrap() < 100.0, "{key} costs points");
            format!("| `{key}` | {} | {} |", r["score"].as_f64().unwrap(), lost(&r))
        })
        .collect();
    assert_eq!(readme_section("<!-- generated: rubric scores -->"), table);
}

#[test]
fn the_score_is_in_the_report_the_json_and_the_parts_add_up() {
    let path = book("a_h1-for-a_h2");
    let rubric = rubric();
    let (code, report) = check_json(path, &[&rubric[0], &rubric[1]]);
    assert_eq!(code, 1);
    assert_eq!(report["score"], 80.0);
    assert_eq!(report["max_score"], 100.0);
    let parts = report["parts"].as_array().unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "forward pass",
            "errors",
            "output layer gradients",
            "hidden layer gradients",
            "weight updates",
            "learning rates",
            "iterations",
            "loss charts"
        ]
    );
    let sum: f64 = parts.iter().map(|p| p["score"].as_f64().unwrap()).sum();
    assert_eq!(sum, 80.0);
    let hidden = &parts[3]["deductions"][0];
    assert_eq!(hidden["points"], 20.0);
    assert_eq!(
        hidden["reason"],
        format!("a_h1-for-a_h2, in most rows (∂E/∂w3 AA4:AA11, ∂E/∂w4 AB4:AB11 on 6 sheets): {}", CATALOGUE[0].what)
    );
    assert_eq!(hidden["fixes"][0]["cell"], "AA4");
    assert_eq!(hidden["fixes"][0]["correct_formula"], "=((S4-B4)*S4*(1-S4)*O4+(U4-C4)*U4*(1-U4)*Q4)*M4*(1-M4)*D4");
    assert!(report["tables"].as_array().unwrap().iter().all(|t| t["charted"] == true), "each sheet's loss chart");

    let text = bin().arg("check").arg(path).args(&rubric).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let score = &text[text.find("\nscore: ").unwrap() + 1..];
    assert_eq!(
        score,
        format!(
            "score: 80 of 100
  forward pass: 20 of 20
  errors: 10 of 10
  output layer gradients: 15 of 15
  hidden layer gradients: 0 of 20
    -20  a_h1-for-a_h2, in most rows (∂E/∂w3 AA4:AA11, ∂E/∂w4 AB4:AB11 on 6 sheets): {}
  weight updates: 15 of 15
  learning rates: 10 of 10
  iterations: 5 of 5
  loss charts: 5 of 5
",
            CATALOGUE[0].what
        )
    );
}

/// A copy of a generated workbook whose charts plot another range than any table's E_total.
fn without_loss_charts(from: &Path, to: &Path) {
    let options = zip::write::SimpleFileOptions::default();
    copy_package(std::fs::File::open(from).unwrap(), std::fs::File::create(to).unwrap(), options, |name, data, out| {
        if !name.starts_with("xl/charts/chart") {
            return false;
        }
        let text = String::from_utf8_lossy(data);
        let mut new = String::new();
        let mut rest = text.as_ref();
        while let Some(at) = rest.find("<c:f>") {
            let end = at + rest[at..].find("</c:f>").unwrap();
            new.push_str(&rest[..at]);
            new.push_str("<c:f>Summary!$A$1:$A$3");
            rest = &rest[end..];
        }
        new.push_str(rest);
        out.write_all(new.as_bytes()).unwrap();
        true
    });
}

#[test]
fn a_loss_chart_counts_only_when_it_plots_the_table_s_e_total() {
    let (dir, books) = catalogue();
    let copy = dir.path().join("no-charts/uncharted.xlsx");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    without_loss_charts(&books[0].1, &copy);
    let rubric = rubric();
    let (_, report) = check_json(&copy, &[&rubric[0], &rubric[1]]);
    assert_eq!(report["score"], 95.0);
    let charts = &report["parts"][7];
    let reasons: Vec<&str> =
        charts["deductions"].as_array().unwrap().iter().map(|d| d["reason"].as_str().unwrap()).collect();
    let expected: Vec<String> = ["0.1", "0.2", "0.5", "0.8", "1", "2"]
        .iter()
        .map(|r| format!("no loss chart of the table with η = {r}"))
        .collect();
    assert_eq!(reasons, expected);
    assert_eq!(charts["score"], 0.0);
}

#[test]
fn the_rubric_is_written_read_and_a_bad_one_refused_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("rubric.toml");
    let out = bin().arg("rubric").arg("--out").arg(&rubric).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("Wrote {}\n", rubric.display()));
    let again = bin().arg("rubric").arg("--out").arg(&rubric).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(again.stderr).unwrap(),
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --out.\n",
            rubric.display()
        )
    );
    bin().arg("rubric").arg("--out").arg(&rubric).arg("--force").assert().success();

    // The hidden layer made worth 40, and a slip in it half of that.
    let text = std::fs::read_to_string(&rubric).unwrap();
    let changed = text.replacen("iterations = 100\n", &format!("iterations = {ITERATIONS}\n"), 1).replacen(
        "covers = \"hidden-gradients\"\npoints = 20\nmistake = 1.0\nslip = 0.25",
        "covers = \"hidden-gradients\"\npoints = 40\nmistake = 0.5\nslip = 0.5",
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&rubric, changed).unwrap();
    let path = book("a_h1-for-a_h2");
    let (_, report) = check_json(path, &["--rubric", rubric.to_str().unwrap()]);
    assert_eq!((report["score"].as_f64(), report["max_score"].as_f64()), (Some(100.0), Some(120.0)));

    // A part of columns a network lacks is left out of its maximum.
    let h2 = dir.path().join("h2.toml");
    std::fs::write(&h2, "[[part]]\nname = \"into h2\"\ncovers = \"columns\"\npoints = 10\ncolumns = [\"a_h2\"]\n\n[[part]]\nname = \"errors\"\ncovers = \"errors\"\npoints = 4\n").unwrap();
    let (_kept, small) = generate(&["-q", "--network", "2-1-2", "--iterations", "3"]);
    let (_, report) = check_json(&small, &["--rubric", h2.to_str().unwrap()]);
    assert_eq!((report["score"].as_f64(), report["max_score"].as_f64()), (Some(4.0), Some(4.0)));
    assert_eq!(report["parts"].as_array().unwrap().len(), 1);
    let (_, report) = check_json(path, &["--rubric", h2.to_str().unwrap()]);
    assert_eq!((report["score"].as_f64(), report["max_score"].as_f64()), (Some(14.0), Some(14.0)));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[part]]\nname = \"forward\"\ncovers = \"forward\"\npoints = -3\n").unwrap();
    let out = bin().arg("check").arg(path).arg("--rubric").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "backprop-sheet: {}, line 1: part `forward`: points = -3 must be a number >= 0. Correct the rubric there, or start again from the default: backprop-sheet rubric --out FILE.\n",
            bad.display()
        )
    );
}

/// A Canvas download: two students (one late), a file that is not a workbook.
fn canvas_class() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    std::fs::copy(book("correct"), subs.join("roejane_123_4567_BackProp.xlsx")).unwrap();
    std::fs::copy(book("a_h1-for-a_h2"), subs.join("leeal_LATE_77_88_Back Prop.xlsx")).unwrap();
    std::fs::write(subs.join("smithbo_5_6_notes.xlsx"), b"not a workbook").unwrap();
    dir
}

#[test]
fn class_lines_json_and_summary_carry_the_student_and_the_score() {
    let dir = canvas_class();
    let subs = dir.path().join("subs");
    let out = bin().arg("check").arg(&subs).args(["--jobs", "2"]).args(rubric()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let file = |name: &str| subs.join(name).display().to_string();
    let width = file("leeal_LATE_77_88_Back Prop.xlsx").len();
    assert_eq!(
        lines[..3],
        [
            format!(
                "leeal (77, LATE)  {:<width$}  FAIL              80/100   6 tables, 96 wrong cells  a_h1-for-a_h2",
                file("leeal_LATE_77_88_Back Prop.xlsx")
            ),
            format!(
                "roejane (123)     {:<width$}  PASS              100/100  6 tables, 0 wrong cells",
                file("roejane_123_4567_BackProp.xlsx")
            ),
            format!(
                "smithbo (5)       {:<width$}  UNUSABLE          -        {}: not an .xlsx workbook (it is not a zip package). Save it from Excel or LibreOffice as .xlsx (Excel 2007-365) and try again.",
                file("smithbo_5_6_notes.xlsx"),
                file("smithbo_5_6_notes.xlsx")
            ),
        ]
    );

    let out = bin().arg("check").arg(&subs).arg("--json").args(rubric()).output().unwrap();
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        all[0]["student"],
        serde_json::json!({"lms": "canvas", "name": "leeal", "id": "77", "late": true, "original": "Back Prop.xlsx"})
    );
    assert_eq!((all[0]["score"].as_f64(), all[1]["score"].as_f64()), (Some(80.0), Some(100.0)));

    let csv = dir.path().join("class.csv");
    bin().arg("check").arg(&subs).arg("--summary").arg(&csv).args(rubric()).assert().code(2);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..6], ["student", "id", "late", "score", "max score", "file"]);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let first: Vec<&str> = rows[0].iter().take(7).collect();
    assert_eq!(
        first,
        ["leeal", "77", "LATE", "80", "100", "leeal_LATE_77_88_Back Prop.xlsx", "FAIL"],
        "paths relative to what was given"
    );
    assert_eq!(
        &rows[0][18],
        &format!(
            "hidden layer gradients: -20 a_h1-for-a_h2, in most rows (∂E/∂w3 AA4:AA11, ∂E/∂w4 AB4:AB11 on 6 sheets): {}",
            CATALOGUE[0].what
        )
    );
}

#[test]
fn feedback_pages_are_one_escaped_html_file_per_student() {
    let dir = canvas_class();
    let subs = dir.path().join("subs");
    let pages = dir.path().join("feedback");
    bin().arg("check").arg(&subs).arg("--feedback").arg(&pages).args(rubric()).assert().code(2);
    let mut names: Vec<String> =
        std::fs::read_dir(&pages).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["leeal 77.html", "roejane 123.html", "smithbo 5.html"]);
    // The unusable workbook's page says why, without the teacher's path to it, and has no score.
    let unusable = std::fs::read_to_string(pages.join("smithbo 5.html")).unwrap();
    let body: Vec<&str> = unusable.lines().skip_while(|l| !l.starts_with("<p class=\"meta\">")).collect();
    assert_eq!(
        body,
        [
            "<p class=\"meta\">smithbo_5_6_notes.xlsx · id 5</p>",
            "<p class=\"score\">not scored</p>",
            "<p>UNUSABLE: the workbook could not be checked.</p>",
            "<h2>Why</h2>",
            "<p>not an .xlsx workbook (it is not a zip package). Save it from Excel or LibreOffice as .xlsx (Excel 2007-365) and try again.</p>",
            "</body>",
            "</html>"
        ]
    );
    let page = std::fs::read_to_string(pages.join("leeal 77.html")).unwrap();
    let lines: Vec<&str> = page.lines().collect();
    assert_eq!(lines[4], "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    assert_eq!(lines[10], "<p class=\"meta\">leeal_LATE_77_88_Back Prop.xlsx · id 77 · submitted late</p>");
    assert_eq!(lines[11], "<p class=\"score\">80 / 100</p>");
    let finding = lines.iter().find(|l| l.starts_with("<li><b>∂E/∂w3</b>")).unwrap();
    assert_eq!(
        *finding,
        format!(
            "<li><b>∂E/∂w3</b> on sheet 'LR 0.1', 8 cells (AA4:AA11), first AA4: {}.<br>Found 0.00022487247755452336, expected 0.0002248134625761188.<br>The formula that belongs in AA4: <code>=((S4-B4)*S4*(1-S4)*O4+(U4-C4)*U4*(1-U4)*Q4)*M4*(1-M4)*D4</code></li>",
            CATALOGUE[0].what.replace('\'', "&apos;")
        )
    );
    assert!(!page.contains("<script") && !page.contains("http"), "self-contained: nothing to run, nothing to fetch");

    // A folder that is a file is refused before anything is read.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let out = bin().arg("check").arg(&subs).arg("--feedback").arg(&file).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "backprop-sheet: {}: is a file, not a folder. Choose a folder for --feedback; it is made when missing.\n",
            file.display()
        )
    );
}

#[test]
fn gradescope_results_follow_its_schema_and_the_score_is_the_tests_sum() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("submission")).unwrap();
    std::fs::copy(book("w6-not-updated"), root.path().join("submission/mine.xlsx")).unwrap();
    std::fs::copy(book("correct"), root.path().join("submission/also.xlsx")).unwrap();
    std::fs::write(
        root.path().join("submission_metadata.json"),
        r#"{"users": [{"email": "j@x.org", "id": 9, "name": "Jane <b>Roe</b>"}], "created_at": "2026-12-01T10:00:00Z"}"#,
    )
    .unwrap();
    let out = bin()
        .arg("check")
        .arg("--gradescope")
        .arg(root.path())
        .args(["--visibility", "after_due_date"])
        .args(rubric())
        .output()
        .unwrap();
    let results_path = root.path().join("results/results.json");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("Wrote {}: score 100\n", results_path.display()));
    let results: serde_json::Value = serde_json::from_slice(&std::fs::read(&results_path).unwrap()).unwrap();
    assert!(results["score"].is_number() && results["tests"].is_array());
    assert_eq!(results["visibility"], "after_due_date");
    assert_eq!(results["output_format"], "md");
    assert_eq!(
        results["output"],
        "Submitted by Jane &lt;b&gt;Roe&lt;/b&gt; \\(9\\).\n\n**100 of 100** for also\\.xlsx: PASS.\n\n- also submitted, not graded: mine\\.xlsx \\(85 of 100\\)"
    );
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 8);
    for t in tests {
        assert!(t["name"].is_string() && t["score"].is_number() && t["max_score"].is_number(), "{t}");
        assert_eq!(t["status"], "passed");
        assert_eq!((t["output_format"].as_str(), t["visibility"].as_str()), (Some("md"), Some("after_due_date")));
    }
    let sum: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
    assert_eq!(results["score"].as_f64(), Some(sum));

    // The mistake alone: a failed test whose output names the cell and the formula.
    std::fs::remove_file(root.path().join("submission/also.xlsx")).unwrap();
    bin().arg("check").arg("--gradescope").arg(root.path()).args(rubric()).assert().success();
    let results: serde_json::Value = serde_json::from_slice(&std::fs::read(&results_path).unwrap()).unwrap();
    let tests = results["tests"].as_array().unwrap();
    let sum: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
    assert_eq!((results["score"].as_f64(), sum), (Some(85.0), 85.0));
    let updates = tests.iter().find(|t| t["name"] == "weight updates").unwrap();
    assert_eq!(updates["status"], "failed");
    assert_eq!(updates["visibility"], "visible");
    let first = updates["output"].as_str().unwrap().lines().take(2).collect::<Vec<_>>();
    assert_eq!(
        first[1],
        "  - sheet 'LR 0\\.1', cell O5: found 0\\.45; the formula that belongs there: =O4\\-$B$1\\*AD4"
    );

    let empty = tempfile::tempdir().unwrap();
    let out = bin().arg("check").arg("--gradescope").arg(empty.path()).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "backprop-sheet: {}: holds no submission folder; --gradescope reads the student's files from ROOT/submission/, where Gradescope puts them. Give the autograder's root (/autograder when left out).\n",
            empty.path().display()
        )
    );
}

#[test]
fn the_marked_copy_carries_the_score_on_the_table_s_header() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    let mistake = book("update-sign");
    std::fs::copy(mistake, subs.join("x.xlsx")).unwrap();
    let marked = dir.path().join("marked");
    bin().arg("check").arg(&subs).arg("--annotate").arg(&marked).args(rubric()).assert().code(1);
    let name = parts(&marked.join("x.xlsx")).into_iter().find(|n| n.starts_with("xl/comments")).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(marked.join("x.xlsx")).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&name).unwrap(), &mut xml).unwrap();
    let at = xml.find("<comment ref=\"A3\"").expect("a note on the header's first cell");
    let text = &xml[at..];
    let open = "<t xml:space=\"preserve\">";
    let text = &text[text.find(open).unwrap() + open.len()..text.find("</t>").unwrap()];
    let rubric = rubric();
    let (_, report) = check_json(mistake, &[&rubric[0], &rubric[1]]);
    let updates = &report["parts"][4];
    assert_eq!(
        text,
        format!(
            "backprop-sheet: score {s} of 100.\nforward pass: 20 of 20\nerrors: 10 of 10\noutput layer gradients: 15 of 15\nhidden layer gradients: 20 of 20\nweight updates: 0 of 15\n  -15 {}\nlearning rates: 10 of 10\niterations: 5 of 5\nloss charts: 5 of 5",
            updates["deductions"][0]["reason"].as_str().unwrap(),
            s = report["score"].as_f64().unwrap()
        )
        .replace('\'', "&apos;")
    );
}

/// A column left empty costs its part that column's share of the part's points, and the
/// deduction names it; the parts whose columns are all there keep theirs.
#[test]
fn a_column_left_empty_costs_its_share_of_its_part() {
    let dir = tempfile::tempdir().unwrap();
    let emptied = dir.path().join("emptied.xlsx");
    let script = "import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1]); ws = wb['LR 0.1']
k = [c.value for c in ws[3]].index('∂E/∂w3') + 1
for r in range(4, ws.max_row + 1): ws.cell(r, k).value = None
wb.save(sys.argv[2])";
    let status =
        std::process::Command::new("python3").args(["-c", script]).arg(book("correct")).arg(&emptied).status().unwrap();
    assert!(status.success());
    let rubric = rubric();
    let (code, report) = check_json(&emptied, &[&rubric[0], &rubric[1]]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "incomplete");
    assert_eq!(lost(&report), "hidden layer gradients 15/20");
    let hidden = report["parts"].as_array().unwrap().iter().find(|p| p["name"] == "hidden layer gradients").unwrap();
    assert_eq!(hidden["deductions"][0]["reason"], "sheet 'LR 0.1', table at A3: ∂E/∂w3 missing or left empty");
    assert_eq!(report["score"], 95.0);
}
