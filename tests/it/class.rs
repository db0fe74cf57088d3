//! `check` on a class: many workbooks in one run, their lines and totals, JSON, the summary.

use std::path::Path;

use crate::common::*;
use backprop_sheet::mistakes::CATALOGUE;

/// A class folder: a correct workbook, one with each known mistake (in a subfolder), a file that
/// is not a workbook, and an Excel lock file. Returns the folder and the names in sorted order.
fn class() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("mistakes")).unwrap();
    let run = |out: &Path, extra: &[&str]| {
        bin()
            .args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "8", "--out"])
            .arg(out)
            .args(extra)
            .assert()
            .success();
    };
    run(&dir.path().join("a-correct.xlsx"), &[]);
    for m in CATALOGUE {
        run(&dir.path().join(format!("mistakes/{}.xlsx", m.key)), &[maths_for(m), &["--mistake", m.key]].concat());
    }
    std::fs::write(dir.path().join("b-notes.xlsx"), b"not a workbook").unwrap();
    std::fs::copy(dir.path().join("a-correct.xlsx"), dir.path().join("~$a-correct.xlsx")).unwrap();
    let mut names = vec!["a-correct.xlsx".to_string(), "b-notes.xlsx".to_string()];
    let mut keys: Vec<String> = CATALOGUE.iter().map(|m| format!("mistakes/{}.xlsx", m.key)).collect();
    keys.sort();
    names.extend(keys);
    (dir, names)
}

#[test]
fn a_folder_is_checked_a_line_each_in_order_with_the_totals() {
    let (dir, names) = class();
    let out = bin().arg("check").arg(dir.path()).args(["--jobs", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "one workbook is unusable");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), names.len() + 2, "{text}");
    for (line, name) in lines.iter().zip(&names) {
        assert!(line.starts_with(&dir.path().join(name).display().to_string()), "{line} for {name}");
        let verdict = match name.as_str() {
            "a-correct.xlsx" => "PASS",
            "b-notes.xlsx" => "UNUSABLE",
            _ => "FAIL",
        };
        assert!(line.contains(&format!("  {verdict}  ")), "{line}");
        if let Some(key) = name.strip_prefix("mistakes/").and_then(|n| n.strip_suffix(".xlsx")) {
            assert!(line.contains(key), "{line} names {key}");
        }
    }
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "{} workbooks: 1 pass, {} fail, 0 incomplete, 0 nothing to check, 1 unusable",
            names.len(),
            CATALOGUE.len()
        )
    );
    let detail = bin().arg("check").arg(dir.path()).arg("--detail").output().unwrap();
    let detail = String::from_utf8(detail.stdout).unwrap();
    assert_eq!(
        detail.matches("\nsheet 'LR 0.5', table at A3").count(),
        names.len() - 1,
        "each usable workbook's report"
    );
    // Without the unusable file, a mistake is exit 1; the correct one alone is 0.
    std::fs::remove_file(dir.path().join("b-notes.xlsx")).unwrap();
    bin().arg("check").arg(dir.path()).assert().code(1);
    bin().arg("check").arg(dir.path().join("a-correct.xlsx")).arg(dir.path().join("a-correct.xlsx")).assert().code(0);
}

#[test]
fn json_is_one_array_and_the_summary_a_workbook_or_csv() {
    let (dir, names) = class();
    let out = bin().arg("check").arg(dir.path()).arg("--json").output().unwrap();
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), names.len());
    assert_eq!(
        all[1]["error"],
        format!(
            "{}: not an .xlsx workbook (it is not a zip package). Save it from Excel or LibreOffice as .xlsx (Excel 2007-365) and try again.",
            all[1]["file"].as_str().unwrap()
        )
    );
    assert!(all[0]["tables"].is_array() && all[0]["file"].as_str().unwrap().ends_with("a-correct.xlsx"));

    let xlsx = dir.path().join("summary/class.xlsx");
    std::fs::create_dir(dir.path().join("summary")).unwrap();
    bin()
        .arg("check")
        .arg(dir.path().join("mistakes"))
        .arg(dir.path().join("a-correct.xlsx"))
        .arg("--summary")
        .arg(&xlsx)
        .assert()
        .code(1);
    let book = read(&xlsx);
    let class = sheet(&book, "Class");
    let rows: Vec<u32> = class.values.keys().map(|p| p.row).collect();
    assert_eq!(rows.iter().max(), Some(&(CATALOGUE.len() as u32 + 1)), "a header and one row per workbook");
    let mistakes = sheet(&book, "Mistakes");
    for m in CATALOGUE {
        let row = mistakes
            .texts()
            .into_iter()
            .find(|(_, t)| *t == m.key)
            .map(|(p, _)| p.row)
            .unwrap_or_else(|| panic!("{}", m.key));
        let count = mistakes.number(backprop_sheet::read::Pos { row, col: 2 }).unwrap();
        assert!(count >= 1.0, "{}: {count}", m.key);
    }
    assert!(parts(&xlsx).iter().any(|p| p.starts_with("xl/charts/chart")), "the bar chart");
    bin().arg("check").arg(dir.path().join("mistakes")).arg("--summary").arg(&xlsx).assert().code(2);

    let csv = dir.path().join("summary/class.csv");
    bin().arg("check").arg(dir.path().join("mistakes")).arg("--summary").arg(&csv).assert().code(1);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("student,id,late,score,max score,file,verdict,tables,sheets,η,iterations,wrong cells")
    );
    assert_eq!(lines.len(), CATALOGUE.len() + 1);
    assert!(lines[1].contains(",FAIL,1,LR 0.5,0.5,8,"), "{}", lines[1]);
}

/// Every part of a package, unpacked, by name.
fn unpacked(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// The cells of a sheet part whose opening tag differs between two versions of it.
fn restyled(before: &str, after: &str) -> Vec<String> {
    let cells = |xml: &str| -> std::collections::BTreeMap<String, String> {
        xml.split("<c ")
            .skip(1)
            .map(|c| {
                let tag = &c[..c.find('>').unwrap()];
                let r = tag.split("r=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
                (r, tag.to_string())
            })
            .collect()
    };
    let (a, b) = (cells(before), cells(after));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same cells");
    a.iter().filter(|(r, tag)| b[*r] != **tag).map(|(r, _)| r.clone()).collect()
}

#[test]
fn each_workbook_is_handed_back_with_its_wrong_cells_marked_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/structural-slips.xlsx");
    let ok = dir.path().join("ok.xlsx");
    bin().args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "5", "--out"]).arg(&ok).assert().success();
    let marked_dir = dir.path().join("marked");
    bin().arg("check").arg(&fixture).arg(&ok).arg("--annotate").arg(&marked_dir).assert().code(1);
    assert!(!marked_dir.join("ok.xlsx").exists(), "a workbook without findings is not handed back");
    let marked = marked_dir.join("structural-slips.xlsx");

    let report: serde_json::Value =
        serde_json::from_slice(&bin().arg("check").arg(&fixture).arg("--json").output().unwrap().stdout).unwrap();
    let (before, after) = (unpacked(&fixture), unpacked(&marked));
    let (mut notes_seen, mut cells_seen) = (0, 0);
    for (k, table) in report["tables"].as_array().unwrap().iter().enumerate() {
        // The generated workbook's sheets: the Summary first, then one per learning rate.
        let part = format!("xl/worksheets/sheet{}.xml", k + 2);
        let mut wrong: Vec<String> =
            table["cells"].as_array().unwrap().iter().map(|c| c["cell"].as_str().unwrap().to_string()).collect();
        wrong.sort();
        let text = |p: &std::collections::BTreeMap<String, Vec<u8>>| String::from_utf8(p[&part].clone()).unwrap();
        let mut changed = restyled(&text(&before), &text(&after));
        changed.sort();
        assert_eq!(changed, wrong, "{part}: exactly the wrong cells are marked");
        // Each finding's note on its first cell, in the comments part the sheet's relationships name.
        let rels = String::from_utf8(after[&format!("xl/worksheets/_rels/sheet{}.xml.rels", k + 2)].clone()).unwrap();
        let target = rels.split("Target=\"../comments").nth(1).unwrap().split('"').next().unwrap();
        let comments = String::from_utf8(after[&format!("xl/comments{target}")].clone()).unwrap();
        let findings = table["wrong_columns"].as_array().unwrap();
        for finding in findings {
            let first = finding["first_wrong_cell"].as_str().unwrap();
            let cell = table["cells"].as_array().unwrap().iter().find(|c| c["cell"] == first).unwrap();
            let at = format!("<comment ref=\"{first}\"");
            let note = comments.split(&at).nth(1).unwrap_or_else(|| panic!("no note at {at}"));
            let note = quick_xml::escape::unescape(note.split("</t>").next().unwrap()).unwrap().into_owned();
            assert!(
                note.contains(&format!("Correct formula: {}", cell["correct_formula"].as_str().unwrap())),
                "{note}"
            );
            assert!(
                note.contains(finding["diagnosis"]["explanation"].as_str().unwrap().split('`').next().unwrap()),
                "{note}"
            );
        }
        let firsts: std::collections::BTreeSet<&str> =
            findings.iter().map(|f| f["first_wrong_cell"].as_str().unwrap()).collect();
        // And the grade on the first marked table's header cell.
        let first_marked =
            report["tables"].as_array().unwrap().iter().position(|t| !t["cells"].as_array().unwrap().is_empty());
        let score_note = usize::from(first_marked == Some(k));
        assert_eq!(
            score_note,
            usize::from(comments.contains(&format!("<comment ref=\"{}\"", table["at"].as_str().unwrap())))
        );
        assert_eq!(
            comments.matches("<comment ref=").count(),
            firsts.len() + score_note,
            "one note per finding's first cell"
        );
        notes_seen += firsts.len();
        cells_seen += wrong.len();
    }
    assert_eq!(cells_seen, 16);
    assert!(notes_seen < cells_seen, "{notes_seen} notes for {cells_seen} cells");
    // Every other part as it was, byte for byte.
    let touched = |name: &str| {
        name.starts_with("xl/worksheets/sheet")
            || name == "xl/styles.xml"
            || name == "[Content_Types].xml"
            || name == "docProps/custom.xml"
            || name.contains("_rels/sheet")
    };
    for (name, data) in &before {
        if !touched(name) {
            assert_eq!(&after[name], data, "{name} copied unchanged");
        }
    }
    // The marked copy says the same as the original.
    let again: serde_json::Value =
        serde_json::from_slice(&bin().arg("check").arg(&marked).arg("--json").output().unwrap().stdout).unwrap();
    assert_eq!(again["tables"], report["tables"]);
    // An existing copy is replaced only with --force; the original is never the destination.
    bin().arg("check").arg(&fixture).arg("--annotate").arg(&marked_dir).assert().code(2);
    bin().arg("check").arg(&fixture).arg("--annotate").arg(&marked_dir).arg("--force").assert().code(1);
    let inplace = dir.path().join("in");
    std::fs::create_dir(&inplace).unwrap();
    std::fs::copy(&fixture, inplace.join("s.xlsx")).unwrap();
    bin().arg("check").arg(inplace.join("s.xlsx")).arg("--annotate").arg(&inplace).arg("--force").assert().code(2);
    assert_eq!(
        std::fs::read(inplace.join("s.xlsx")).unwrap(),
        std::fs::read(&fixture).unwrap(),
        "the original untouched"
    );
}

/// An existing summary or marked copy is kept without --force, and the message names the flag
/// that chose the destination, which `check` has (not generate's --out).
#[test]
fn an_existing_destination_names_the_flag_that_chose_it() {
    let (dir, _) = class();
    let summary = dir.path().join("summary.csv");
    std::fs::write(&summary, b"kept").unwrap();
    let out = bin().arg("check").arg(dir.path().join("mistakes")).arg("--summary").arg(&summary).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --summary.\n",
            summary.display()
        )
    );
    assert_eq!(std::fs::read(&summary).unwrap(), b"kept");
    let marked = dir.path().join("marked");
    let copy = marked.join("gradient-sign.xlsx");
    std::fs::create_dir(&marked).unwrap();
    std::fs::write(&copy, b"kept").unwrap();
    let out = bin().arg("check").arg(dir.path().join("mistakes")).arg("--annotate").arg(&marked).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().find(|l| l.contains("gradient-sign")).unwrap_or_default();
    assert_eq!(
        line,
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --annotate folder.",
            copy.display()
        )
    );
    assert_eq!(std::fs::read(&copy).unwrap(), b"kept");
}

/// A marked copy says whose it is in its custom properties, so that a later run over the folder
/// that holds it (without the --annotate that would have left its folder out) names it on a line
/// of its own and neither grades nor counts it, in the lines, the totals and the summary.
#[test]
fn last_run_s_marked_copies_are_named_and_never_graded() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/structural-slips.xlsx");
    std::fs::copy(&fixture, subs.join("s.xlsx")).unwrap();
    bin().arg("check").arg(&subs).arg("--annotate").arg(subs.join("marked")).assert().code(1);
    let copy = subs.join("marked/s.xlsx");
    let properties = String::from_utf8(unpacked(&copy)["docProps/custom.xml"].clone()).unwrap();
    assert!(
        properties.contains(&format!(
            "name=\"backprop-sheet marked copy of\"><vt:lpwstr xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">{}</vt:lpwstr></property></Properties>",
            subs.join("s.xlsx").display()
        )),
        "{properties}"
    );

    let summary = dir.path().join("summary.csv");
    let out = bin().arg("check").arg(&subs).arg("--summary").arg(&summary).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the one submission fails; its copy is not graded");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let width = copy.display().to_string().len();
    assert!(lines[1].starts_with(&format!("{:<width$}  FAIL  ", subs.join("s.xlsx").display())), "{text}");
    assert_eq!(
        lines[0],
        format!(
            "{:<width$}  skipped  the marked copy of {}, written by check --annotate; not graded",
            copy.display(),
            subs.join("s.xlsx").display()
        )
    );
    assert_eq!(lines[3], "1 workbook: 0 pass, 1 fail, 0 incomplete, 0 nothing to check, 0 unusable");
    let csv = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(csv.lines().count(), 2, "a header and the one submission: {csv}");
    assert!(!csv.contains("marked"), "{csv}");
    // --json holds the graded workbooks only.
    let (_, json) = check_json(&subs, &[]);
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    // One file checked by name is checked whatever it is: the copy has the original's findings.
    let (_, original) = check_json(&subs.join("s.xlsx"), &[]);
    let (_, marked) = check_json(&copy, &[]);
    assert_eq!(marked["tables"], original["tables"]);
}

/// An INCOMPLETE workbook's line, and its row of the summary, say what was not checked, as its
/// report does.
#[test]
fn an_incomplete_workbook_says_what_was_not_checked_in_its_line_and_the_summary() {
    let (dir, out) = generate(&["--learning-rates", "0.5", "--iterations", "8"]);
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rewrite-headers.py");
    let status =
        std::process::Command::new("python3").arg(script).arg(&out).arg(subs.join("u")).arg("unfinished").status();
    assert!(status.unwrap().success());
    let file = subs.join("u-unfinished.xlsx");
    let (_, report) = check_json(&file, &[]);
    let why = report["tables"][0]["not_checked"][0].as_str().unwrap().to_string();
    assert_eq!(
        why,
        "row 5: begun but not finished (w1 w2 w3 w4 w5 w6 w7 w8 filled; t1 t2 i1 i2 h1 a_h1 h2 a_h2 o1 a_o1 o2 a_o2 E1 E2 E_total ∂E/∂w1 ∂E/∂w2 ∂E/∂w3 ∂E/∂w4 ∂E/∂w5 ∂E/∂w6 ∂E/∂w7 ∂E/∂w8 empty)"
    );
    let summary = dir.path().join("summary.csv");
    let run = bin().arg("check").arg(&subs).arg("--summary").arg(&summary).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        format!(
            "{}  INCOMPLETE        82.5/100  1 table, 0 wrong cells  not checked: {why}\n\n1 workbook: 0 pass, 0 fail, 1 incomplete, 0 nothing to check, 0 unusable\n",
            file.display()
        )
    );
    let mut csv = csv::Reader::from_path(&summary).unwrap();
    let header = csv.headers().unwrap().clone();
    let row = csv.records().next().unwrap().unwrap();
    let field = |name: &str| row.get(header.iter().position(|h| h == name).unwrap()).unwrap().to_string();
    assert_eq!(field("verdict"), "INCOMPLETE");
    assert_eq!(field("why unusable"), format!("not checked: {why}"));
}
