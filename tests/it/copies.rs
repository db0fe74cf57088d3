//! Each submission held to its own student's values (`check --roster --seed`, `--key`), and the
//! copy report (`--copies`, and the summary's `Copies` sheet): pairs tied by evidence, strongest
//! first, and never a pair of honest submissions.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::Digest;

use crate::common::*;

const SEED: &str = "2026";
const STUDENTS: usize = 40;

/// A class of 40 issued its variants, and each student's key generated from their template.
struct Class {
    _dir: tempfile::TempDir,
    roster: PathBuf,
    key: PathBuf,
    variants: PathBuf,
    keys: PathBuf,
}

fn id(k: usize) -> String {
    format!("{}", 1000 + k)
}

/// The name a student's file has: the template's own (`1001 Roe1, Jane`).
fn who(k: usize) -> String {
    format!("{} Roe{k}, Jane", id(k))
}

/// Every key: the odd students' under the template's name, the even ones' as Canvas names a
/// download (`roe2jane_1002_<attachment>_backprop.xlsx`), found by the LMS id.
fn key_name(k: usize) -> String {
    if k % 2 == 1 { format!("{}.xlsx", who(k)) } else { format!("roe{k}jane_{}_{}_backprop.xlsx", id(k), 500 + k) }
}

fn variant(class: &Class, k: usize) -> PathBuf {
    class.variants.join(format!("{}.xlsx", who(k)))
}

/// `generate --template` of a student's variant, short (one rate, four iterations), into `out`.
fn generate_from(class: &Class, k: usize, out: &Path, extra: &[&str]) {
    bin()
        .args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "4", "--template"])
        .arg(variant(class, k))
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn class() -> &'static Class {
    static CLASS: OnceLock<Class> = OnceLock::new();
    CLASS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let roster = dir.path().join("roster.csv");
        let mut text = String::from("id,name\n");
        for k in 1..=STUDENTS {
            text.push_str(&format!("{},\"Roe{k}, Jane\"\n", id(k)));
        }
        std::fs::write(&roster, text).unwrap();
        let (variants, keys, key) = (dir.path().join("variants"), dir.path().join("keys"), dir.path().join("key.csv"));
        bin()
            .arg("template")
            .arg("--roster")
            .arg(&roster)
            .arg("--out-dir")
            .arg(&variants)
            .args(["--seed", SEED, "--key"])
            .arg(&key)
            .assert()
            .success();
        std::fs::create_dir(&keys).unwrap();
        let class = Class { _dir: dir, roster, key, variants, keys };
        for k in 1..=STUDENTS {
            generate_from(&class, k, &class.keys.join(key_name(k)), &[]);
        }
        class
    })
}

fn roster_args(class: &Class) -> Vec<String> {
    vec!["--roster".into(), class.roster.display().to_string(), "--seed".into(), SEED.into()]
}

fn key_args(class: &Class) -> Vec<String> {
    vec!["--key".into(), class.key.display().to_string()]
}

fn check_class(paths: &[&Path], extra: &[String]) -> (i32, Vec<serde_json::Value>) {
    let out = bin().arg("check").args(paths).arg("--json").args(extra).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), reports)
}

/// A student's issued value of `name`, as the key lists it.
fn issued(class: &Class, k: usize, name: &str) -> String {
    let mut key = csv::Reader::from_path(&class.key).unwrap();
    let column = key.headers().unwrap().iter().position(|h| h == name).unwrap();
    let row = key.records().map(|r| r.unwrap()).find(|r| r[0] == id(k)).unwrap();
    row[column].to_string()
}

#[test]
fn each_student_s_key_passes_when_held_to_their_own_values_by_seed_or_by_key() {
    let class = class();
    for args in [roster_args(class), key_args(class)] {
        let (code, reports) = check_class(&[&class.keys], &args);
        assert_eq!(reports.len(), STUDENTS);
        for report in &reports {
            assert_eq!(report["verdict"], "pass", "{args:?}: {report:#}");
        }
        assert_eq!(code, 0);
    }
}

#[test]
fn a_submission_holding_another_student_s_values_is_other_inputs_naming_that_student() {
    let class = class();
    let dir = tempfile::tempdir().unwrap();
    let handed_in = dir.path().join("roe1jane_1001_77_backprop.xlsx");
    std::fs::copy(class.keys.join(key_name(2)), &handed_in).unwrap();
    for args in [roster_args(class), key_args(class)] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, report) = check_json(&handed_in, &args);
        assert_eq!(code, 1);
        assert_eq!(report["verdict"], "fail");
        let finding = &report["tables"][0]["wrong_columns"][0];
        assert_eq!(finding["diagnosis"]["mistakes"], serde_json::json!(["other-inputs"]));
        assert_eq!(
            finding["diagnosis"]["explanation"],
            "the first row holds the initial values of student 1002 (Roe2, Jane), not those issued to student 1001 (Roe1, Jane)"
        );
        let first_row = report["tables"][0]["cells"].as_array().unwrap().iter().filter(|c| c["iteration"] == 1).count();
        assert_eq!(finding["wrong_cells"], first_row, "every cell of the first row that differs is marked");
        let (_, own) = check_json(&class.keys.join(key_name(2)), &args);
        let lost = own["score"].as_f64().unwrap() - report["score"].as_f64().unwrap();
        let forward = |r: &serde_json::Value| r["parts"][0]["score"].as_f64().unwrap();
        assert_eq!(report["parts"][0]["name"], "forward pass");
        assert!(lost > 0.0, "other-inputs costs points");
        assert_eq!(lost, forward(&own) - forward(&report), "all of them the forward pass's, where t1 and i1 are");
    }
}

#[test]
fn a_first_row_not_as_issued_names_the_cells_and_a_file_of_nobody_is_said() {
    let class = class();
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join(format!("{}.xlsx", who(3)));
    let w1 = if issued(class, 3, "w1") == "0.77" { "0.78" } else { "0.77" };
    generate_from(class, 3, &changed, &["--set", &format!("w1={w1}")]);
    let args = roster_args(class);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, report) = check_json(&changed, &args);
    assert_eq!(code, 1);
    assert_eq!(
        report["tables"][0]["wrong_columns"][0]["diagnosis"]["explanation"],
        format!(
            "not the assigned values of student 1003 (Roe3, Jane): w1 at F4 is {w1} where {} was issued",
            issued(class, 3, "w1")
        )
    );

    let nobody = dir.path().join("homework.xlsx");
    bin()
        .args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "4", "--out"])
        .arg(&nobody)
        .assert()
        .success();
    let (code, report) = check_json(&nobody, &args);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "incomplete");
    assert_eq!(
        report["tables"][0]["not_checked"],
        serde_json::json!([format!(
            "the initial values: no student of {} is named by this file's name or its stamp, so its values are held to nobody's; name the file `<id> <name>.xlsx` or as the LMS downloads it",
            class.roster.display()
        )])
    );
}

/// Copies a package with its `docProps/core.xml` elements set as `set` says, as a program
/// saving it under another user would.
fn with_core(from: &Path, to: &Path, set: &[(&str, &str)]) {
    let options = zip::write::SimpleFileOptions::default();
    copy_package(std::fs::File::open(from).unwrap(), std::fs::File::create(to).unwrap(), options, |name, data, out| {
        if name != "docProps/core.xml" {
            return false;
        }
        let mut xml = String::from_utf8(data.to_vec()).unwrap();
        for (element, value) in set {
            let open = xml.find(&format!("<{element}")).unwrap_or_else(|| panic!("no {element} in {xml}"));
            let start = open + xml[open..].find('>').unwrap() + 1;
            let end = start + xml[start..].find('<').unwrap();
            xml.replace_range(start..end, value);
        }
        out.write_all(xml.as_bytes()).unwrap();
        true
    });
}

#[test]
fn the_copy_report_lists_exactly_the_copied_pairs_with_their_evidence() {
    let class = class();
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    let file = |k: usize| subs.join(format!("{}.xlsx", who(k)));
    for k in 3..=8 {
        std::fs::copy(class.keys.join(key_name(k)), file(k)).unwrap();
    }
    // A mistake four make is common: no lead.
    for k in 9..=12 {
        generate_from(class, k, &file(k), &["--mistake", "a_h1-for-a_h2"]);
    }
    std::fs::copy(class.keys.join(key_name(1)), file(1)).unwrap();
    std::fs::copy(class.keys.join(key_name(1)), file(13)).unwrap();
    let saved = [("cp:lastModifiedBy", "Carla Q"), ("dcterms:modified", "2026-11-30T09:15:00Z")];
    with_core(&class.keys.join(key_name(2)), &file(2), &[&saved[..], &[("dc:creator", "Carla Q")]].concat());
    with_core(&file(2), &file(14), &[("dc:creator", "Dan P")]);
    for k in [15, 16] {
        generate_from(class, k, &file(k), &["--mistake", "w6-not-updated"]);
    }
    let (copies, summary) = (dir.path().join("copies.csv"), dir.path().join("class.xlsx"));
    let out = bin()
        .arg("check")
        .arg(&subs)
        .args(roster_args(class))
        .arg("--copies")
        .arg(&copies)
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().last().unwrap(),
        format!(
            "3 pairs with leads in {} (A lead is a reason for a conversation with the students, not proof of copying: each says what two submissions share and how many in the class share it.)",
            copies.display()
        )
    );

    let name = |k: usize| file(k).display().to_string();
    let sha = |k: usize| {
        let digest = sha2::Sha256::digest(std::fs::read(file(k)).unwrap());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("SHA-256 {hex}…")
    };
    let row = |pair: &str, a: usize, b: usize, lead: &str, what: &str| {
        [pair, &name(a), &name(b), lead, what, "2 of 16 submissions"].map(String::from).to_vec()
    };
    let expected = vec![
        row("1", 1, 13, "byte-identical files", &sha(1)),
        row("1", 1, 13, "the same stamp", "the stamp of the template issued to student 1001"),
        row("2", 2, 14, "the same stamp", "the stamp of the template issued to student 1002"),
        row("2", 2, 14, "the same document id", "docProps/core.xml lastModifiedBy `Carla Q`"),
        row("2", 2, 14, "the same document id", "docProps/core.xml modified `2026-11-30T09:15:00Z`"),
        row("3", 15, 16, "the same rare wrong formula", "w6: `prev(w6)`"),
    ];
    let mut csv = csv::Reader::from_path(&copies).unwrap();
    assert_eq!(
        csv.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "pair (A lead is a reason for a conversation with the students, not proof of copying: each says what two submissions share and how many in the class share it.)",
            "submission",
            "other submission",
            "lead",
            "evidence",
            "shared by"
        ]
    );
    let rows: Vec<Vec<String>> = csv.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert_eq!(rows, expected);

    // The summary's Copies sheet says the same, below the same caveat.
    let book = read(&summary);
    let sheet = sheet(&book, "Copies");
    let text = |r: u32, c: u32| match sheet.value(backprop_sheet::read::Pos { row: r, col: c }) {
        Some(calamine::Data::String(s)) => s.clone(),
        Some(calamine::Data::Float(x)) => x.to_string(),
        other => format!("{other:?}"),
    };
    assert!(text(0, 0).starts_with("A lead is a reason for a conversation"));
    let shown: Vec<Vec<String>> =
        (0..expected.len() as u32).map(|r| (0..6).map(|c| text(3 + r, c)).collect()).collect();
    assert_eq!(shown, expected);
}

#[test]
fn the_flags_are_refused_when_they_cannot_be_used() {
    let class = class();
    let out = bin().arg("check").arg(&class.keys).args(["--seed", "7"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the following required arguments were not provided:\n  --roster <FILE.csv>\n\nUsage: backprop-sheet check --seed <SEED> --roster <FILE.csv> <PATH>...\n\nFor more information, try '--help'.\n"
    );
    let out = bin().arg("check").arg(&class.keys).args(["--copies", "leads.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid value 'leads.txt' for '--copies <FILE>': the copy report is written as .xlsx or .csv: end the file name with one of them\n\nFor more information, try '--help'.\n"
    );
    let out = bin().arg("check").arg(&class.keys).arg("--key").arg(&class.roster).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "backprop-sheet: --key {}: not a key: it has no `seed` and `values` columns with the values after them, as `template --key` writes them. A roster of the students is given as --roster with --seed\n",
            class.roster.display()
        )
    );
    let into_roster = bin()
        .arg("check")
        .arg(&class.keys)
        .args(roster_args(class))
        .arg("--copies")
        .arg(class.roster.with_extension("csv"))
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(into_roster.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&into_roster.stderr),
        format!(
            "backprop-sheet: {0}: that is the roster itself ({0}); writing there would destroy it. Choose another --copies.\n",
            class.roster.display()
        )
    );
}
