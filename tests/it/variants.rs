//! One assignment per student: `template --roster` writes each student's own template, from
//! values the seed and the id alone decide, each in the ranges where the network learns; the
//! key generated from a variant passes `check`; every workbook carries its stamp.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use backprop_sheet::columns::{Col, Columns};
use backprop_sheet::engine::{Inputs, Row, last_row};
use backprop_sheet::network::{Bias, Network};
use backprop_sheet::variant::{self, Issue, Stamp};

/// The assignment's learning rates, at which every variant must learn.
const RATES: [f64; 6] = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0];

/// A roster of `n` students, ids `s<k>` and names with the characters a file system refuses.
fn roster(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("roster.csv");
    let mut text = String::from("id,name,email\n");
    for k in 1..=n {
        text.push_str(&format!("s{k},\"Roe/{k}, Jane\",s{k}@uni.edu\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn issue(dir: &Path, roster: &Path, seed: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join("variants");
    bin()
        .arg("template")
        .arg("--roster")
        .arg(roster)
        .arg("--out-dir")
        .arg(&out)
        .args(["--seed", seed])
        .args(extra)
        .assert()
        .success();
    out
}

/// Whether the network learns from `inputs` at every rate: E_total lower after 100 iterations
/// than at the first, and no cell an error; else why not.
fn learns(inputs: &Inputs) -> Result<(), String> {
    let formulas = inputs.columns().formulas();
    for eta in RATES {
        let first = Row::first(inputs, formulas).get(Col::ETotal);
        let (last, error) = last_row(inputs, eta, 100, formulas);
        if let Some(at) = error {
            return Err(format!("η = {eta}: an error at iteration {at}"));
        }
        // Not lower: higher, the same, or an error value (a NaN), which compares with nothing.
        if last.get(Col::ETotal).partial_cmp(&first) != Some(std::cmp::Ordering::Less) {
            return Err(format!("η = {eta}: E_total {first} → {}", last.get(Col::ETotal)));
        }
    }
    Ok(())
}

fn in_ranges(inputs: &Inputs) -> Result<(), String> {
    match inputs.columns().typed().find(|&c| !variant::range(c).contains(inputs.get(c))) {
        Some(c) => Err(format!("{} = {} is out of its range", c.name(), inputs.get(c))),
        None => Ok(()),
    }
}

/// The typed values of a template, as `generate --template` reads them.
fn values(template: &Path) -> Vec<f64> {
    let params = params(&["--template", template.to_str().unwrap()]);
    let inputs = &params.inputs;
    inputs.columns().typed().map(|c| inputs.get(c)).collect()
}

#[test]
fn a_class_of_40_gets_40_distinct_templates_in_range_again_from_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path(), 40);
    let out = issue(dir.path(), &roster, "2026", &[]);
    let mut seen: Vec<Vec<f64>> = Vec::new();
    for k in 1..=40 {
        let file = out.join(format!("s{k} Roe_{k}, Jane.xlsx"));
        let book = read(&file);
        assert_eq!(book.stamp.issue, Issue { student: Some(format!("s{k}")), seed: Some(2026) });
        let label = format!("Initial values for s{k} Roe/{k}, Jane");
        assert_eq!(sheet(&book, "Inputs").value(at("A3")), Some(&calamine::Data::String(label)));
        let params = params(&["--template", file.to_str().unwrap()]);
        assert_eq!(params.inputs, variant::draw(Network::default(), 2026, &format!("s{k}")));
        assert_eq!(book.stamp.values, Some(variant::digest(&params.inputs)));
        in_ranges(&params.inputs).unwrap();
        learns(&params.inputs).unwrap_or_else(|e| panic!("s{k}: {e}"));
        let v = values(&file);
        assert!(!seen.contains(&v), "s{k} has another student's values");
        seen.push(v);
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 40);
    let again = tempfile::tempdir().unwrap();
    let out_again = issue(again.path(), &roster, "2026", &[]);
    let other = tempfile::tempdir().unwrap();
    let out_other = issue(other.path(), &roster, "2027", &[]);
    for k in [1, 17, 40] {
        let name = format!("s{k} Roe_{k}, Jane.xlsx");
        assert_eq!(values(&out_again.join(&name)), values(&out.join(&name)), "the same seed, the same values");
        assert_ne!(values(&out_other.join(&name)), values(&out.join(&name)), "another seed, other values");
    }
}

#[test]
fn every_variant_of_a_500_student_roster_learns_in_range() {
    let networks = [
        (Network::default(), 500),
        (Network::default().with_bias(Bias::Trained), 100),
        (Network::shape(2, 3, 2).with_bias(Bias::Fixed), 100),
        (Network::shape(8, 8, 8), 10),
    ];
    for (network, students) in networks {
        let mut digests = std::collections::HashSet::new();
        for k in 0..students {
            let inputs = variant::draw(network, 11, &format!("{}", 1000 + k));
            in_ranges(&inputs).unwrap();
            learns(&inputs).unwrap_or_else(|e| panic!("{network}, student {k}: {e}"));
            assert!(digests.insert(variant::digest(&inputs)), "{network}: two students share values");
        }
    }
}

#[test]
fn each_student_s_key_generated_from_their_template_passes_check_and_carries_their_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path(), 40);
    let out = issue(dir.path(), &roster, "5", &["--network", "2-3-2", "--train-bias"]);
    for k in 1..=40 {
        let key = dir.path().join(format!("key{k}.xlsx"));
        let template = out.join(format!("s{k} Roe_{k}, Jane.xlsx"));
        bin().arg("generate").arg("--template").arg(&template).arg("--out").arg(&key).arg("-q").assert().success();
        bin().arg("check").arg(&key).assert().code(0);
        let drawn = variant::draw(Network::shape(2, 3, 2).with_bias(Bias::Trained), 5, &format!("s{k}"));
        let issue = Issue { student: Some(format!("s{k}")), seed: Some(5) };
        assert_eq!(read(&key).stamp, Stamp::of(&drawn, &issue));
    }
}

#[test]
fn the_key_csv_holds_every_student_s_values_with_their_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "ID,Name\n=1+1,\"=HYPERLINK(\"\"http://x\"\")\"\n-7,@SUM(A1)\n8,\tTab\n").unwrap();
    let key = dir.path().join("key.csv");
    let out = issue(dir.path(), &roster, "3", &["--key", key.to_str().unwrap()]);
    let text = std::fs::read_to_string(&key).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,name,email,seed,values,t1,t2,i1,i2,w1,w2,w3,w4,w5,w6,w7,w8");
    let fields = |line: &str| -> Vec<String> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect()
    };
    let students = [("=1+1", "=HYPERLINK(\"http://x\")"), ("-7", "@SUM(A1)"), ("8", "Tab")];
    for (line, (id, name)) in lines[1..].iter().zip(students) {
        let got = fields(line);
        let escaped = |t: &str| if t.starts_with(['=', '-', '@']) { format!("'{t}") } else { t.to_string() };
        assert_eq!(got[..5], [escaped(id), escaped(name), String::new(), "3".into(), got[4].clone()]);
        let drawn = variant::draw(Network::default(), 3, id);
        assert_eq!(got[4], variant::digest(&drawn));
        let values: Vec<f64> = got[5..].iter().map(|v| v.parse().unwrap()).collect();
        let want: Vec<f64> = Columns::class().typed().map(|c| drawn.get(c)).collect();
        assert_eq!(values, want, "{id}");
    }
    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["-7 @SUM(A1).xlsx", "8 Tab.xlsx", "=1+1 =HYPERLINK(_http___x_).xlsx"]);
    // The key is a roster: issuing from it gives the same students the same files.
    let again = tempfile::tempdir().unwrap();
    let out_again = issue(again.path(), &key, "3", &[]);
    for file in &files {
        assert_eq!(values(&out_again.join(file)), values(&out.join(file)), "{file}");
    }
}

#[test]
fn a_roster_that_cannot_be_used_says_where_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("id,name\n1,a\n2,b\n1,c\n", "lines 2, 4 give the same id `1`; every student needs their own."),
        ("id,name\n1,a\n,b\n", "line 3: the id is empty; every student needs one."),
        (
            "id,name\nA1,x\na1,x\n",
            "lines 2 and 3 would both be written to `a1 x.xlsx`: give the students ids that differ in more than case and punctuation.",
        ),
    ];
    for (text, message) in cases {
        let roster = dir.path().join("roster.csv");
        std::fs::write(&roster, text).unwrap();
        let out = dir.path().join("never");
        let got = bin().arg("template").arg("--roster").arg(&roster).arg("--out-dir").arg(&out).output().unwrap();
        assert_eq!(got.status.code(), Some(2));
        assert_eq!(
            String::from_utf8(got.stderr).unwrap(),
            format!("backprop-sheet: {}: {message}\n", roster.display())
        );
        assert!(!out.exists());
    }
    let got = bin().args(["template", "--out-dir", "x"]).output().unwrap();
    assert_eq!(got.status.code(), Some(2), "--out-dir needs --roster");
}

#[test]
fn a_single_template_and_a_plain_generate_carry_the_digest_of_their_values_and_no_student() {
    let (_dir, out) = generate(&["--set", "w1=0.2"]);
    let params = params(&["--set", "w1=0.2"]);
    assert_eq!(read(&out).stamp, Stamp::of(&params.inputs, &Issue::default()));
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.xlsx");
    bin().arg("template").arg("--out").arg(&template).args(["--network", "3-2-1"]).assert().success();
    let defaults = Inputs::defaults(Columns::of(Network::shape(3, 2, 1)));
    assert_eq!(read(&template).stamp, Stamp::of(&defaults, &Issue::default()));
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn a_variant_and_its_key_saved_again_by_libreoffice_keep_their_stamp_as_xlsx_and_as_ods() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path(), 1);
    let out = issue(dir.path(), &roster, "99", &[]);
    let template = out.join("s1 Roe_1, Jane.xlsx");
    let key = dir.path().join("key.xlsx");
    bin().arg("generate").arg("--template").arg(&template).arg("--out").arg(&key).arg("-q").assert().success();
    for (file, edit) in [(&template, "Inputs!I2='my notes"), (&key, "Summary!A1='done")] {
        let stamp = read(file).stamp;
        assert_eq!(stamp.issue, Issue { student: Some("s1".into()), seed: Some(99) });
        let saved = dir.path().join("saved-by-libreoffice.xlsx");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lo.py");
        let status =
            Command::new("/usr/bin/python3").arg(script).arg("set").arg(file).arg(&saved).arg(edit).status().unwrap();
        assert!(status.success(), "LibreOffice could not save {}", file.display());
        assert_eq!(read(&saved).stamp, stamp, "{}", file.display());
    }
    // Saved as OpenDocument, the stamp moves to meta.xml, and is read from there.
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let status = Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "ods", "--outdir"])
        .arg(dir.path())
        .arg(&template)
        .output()
        .unwrap()
        .status;
    assert!(status.success(), "LibreOffice could not save {} as .ods", template.display());
    let ods = read(&dir.path().join("s1 Roe_1, Jane.ods"));
    assert_eq!(ods.stamp, read(&template).stamp);
}

#[test]
fn the_learning_rates_asked_for_are_written_and_every_variant_must_learn_at_them() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path(), 3);
    let out = issue(dir.path(), &roster, "4", &["--learning-rates", "0.5,3"]);
    let params = params(&["--template", out.join("s2 Roe_2, Jane.xlsx").to_str().unwrap()]);
    assert_eq!(params.learning_rates, [0.5, 3.0]);
    let refused = dir.path().join("refused");
    let got = bin()
        .arg("template")
        .arg("--roster")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&refused)
        .args(["--seed", "4", "--learning-rates", "1,100000"])
        .output()
        .unwrap();
    assert_eq!(got.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(got.stderr).unwrap(),
        format!(
            "backprop-sheet: --learning-rates: at η = 100000 the network does not learn from the values drawn for student s1 (line 2 of {}): E_total is not lower after 100 iterations than at the first. The values' ranges are measured for learning rates from 0.1 to 2; choose smaller ones\n",
            roster.display()
        )
    );
    assert!(!refused.exists());
}
