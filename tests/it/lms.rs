//! The round trip with the course's LMS: a class checked from the zip Canvas or Moodle downloads
//! (read in place), its grades written into the LMS's own gradebook file with every other byte
//! kept, and its marked copies zipped under the names the LMS gave them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;
use backprop_sheet::mistakes::CATALOGUE;

/// The workbooks the downloads are made of, generated once: a correct one and two with a
/// known mistake each.
fn workbooks() -> &'static (Vec<u8>, Vec<u8>, Vec<u8>) {
    static BOOKS: OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = OnceLock::new();
    BOOKS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, extra: &[&str]| {
            let out = dir.path().join(name);
            bin()
                .args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "8", "--out"])
                .arg(&out)
                .args(extra)
                .assert()
                .success();
            std::fs::read(out).unwrap()
        };
        (
            make("ok.xlsx", &[]),
            make("a.xlsx", &["--mistake", CATALOGUE[0].key]),
            make("b.xlsx", &["--mistake", CATALOGUE[1].key]),
        )
    })
}

fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn entry_names(path: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len()).map(|i| zip.name_for_index(i).unwrap().unwrap().to_string()).collect()
}

/// Canvas's "Download Submissions": `sortablename[_LATE]_<user id>_<attachment id>_<name>`.
/// Jane Roe handed in twice (the second correct), John Doe late, Sam Kim is not in the
/// gradebook, and Ann Lee's notes are not a workbook.
fn canvas_zip(dir: &Path) -> PathBuf {
    let (ok, a, b) = workbooks();
    let path = dir.join("submissions.zip");
    zip_of(
        &path,
        &[
            ("roejane_1001_5001_backprop.xlsx", a),
            ("roejane_1001_5002_backprop-1.xlsx", ok),
            ("doejohn_LATE_1002_5003_BackProp.xlsx", b),
            ("leeann_1003_5004_notes.txt", b"my notes"),
            ("kimsam_1004_5005_work.xlsx", a),
        ],
    );
    path
}

/// Moodle's "Download all submissions", one folder per student and the flat form beside it.
fn moodle_zip(dir: &Path) -> PathBuf {
    let (_, a, b) = workbooks();
    let path = dir.join("moodle.zip");
    zip_of(
        &path,
        &[
            ("Jane Roe_17_assignsubmission_file_/BackProp.xlsx", a),
            ("Jane Roe_17_assignsubmission_file_/readme.txt", b"read me"),
            ("John Doe_18_assignsubmission_file_BackProp.xlsx", b),
        ],
    );
    path
}

/// Each workbook's score out of its maximum, by the file name a class run prints, from `--json`.
fn scores(zip: &Path) -> BTreeMap<String, (f64, f64)> {
    let out = bin().arg("check").arg(zip).arg("--json").output().unwrap();
    let lines: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    lines
        .iter()
        .filter_map(|l| Some((l["file"].as_str()?.to_string(), (l["score"].as_f64()?, l["max_score"].as_f64()?))))
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A grade as the gradebook is given it: the score scaled to `out_of`, to two decimals.
fn scaled((points, max): (f64, f64), out_of: f64) -> f64 {
    (points / max * out_of * 100.0).round() / 100.0
}

/// `check` of a download, the gradebook filled into `grades`.
fn grade(zip: &Path, gradebook: &Path, grades: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("check")
        .arg(zip)
        .arg("--gradebook")
        .arg(gradebook)
        .arg("--grades")
        .arg(grades)
        .args(extra)
        .output()
        .unwrap()
}

/// Canvas's export as it writes it, a byte order mark first and CRLF line ends, with the
/// assignment's grades given for Jane and John.
fn canvas_gradebook(jane: &str, john: &str) -> String {
    format!(
        "\u{feff}Student,ID,SIS User ID,SIS Login ID,Section,Backprop (777),Quiz 1 (778),Current Points,Final Points\r\n\
         \x20   Points Possible,,,,,10.00,5.00,(read only),(read only)\r\n\
         \"Roe, Jane\",1001,s1001,jroe,Sec 1,{jane},4.00,4.00,4.00\r\n\
         \"Doe, John\",1002,s1002,jdoe,Sec 1,{john},,0.00,0.00\r\n\
         \"Lee, Ann\",1003,s1003,alee,Sec 2,7.00,5.00,12.00,12.00\r\n\
         \"Student, Test\",1009,,,Sec 1,,,,\r\n"
    )
}

#[test]
fn a_canvas_download_fills_the_canvas_gradebook_by_user_id_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let zip = canvas_zip(dir.path());
    let gradebook = dir.path().join("gradebook.csv");
    std::fs::write(&gradebook, canvas_gradebook("", "")).unwrap();
    let grades = dir.path().join("grades.csv");
    let out = grade(&zip, &gradebook, &grades, &["--assignment", "Backprop"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let score = scores(&zip);
    let at = |name: &str| score[&zip.join(name).display().to_string()];
    let (jane, john) = (
        scaled(at("roejane_1001_5002_backprop-1.xlsx"), 10.0),
        scaled(at("doejohn_LATE_1002_5003_BackProp.xlsx"), 10.0),
    );
    assert!(jane > scaled(at("roejane_1001_5001_backprop.xlsx"), 10.0), "Jane's second file is the better one");
    let written = text(&std::fs::read(&grades).unwrap());
    assert_eq!(written, canvas_gradebook(&jane.to_string(), &john.to_string()), "only the two grades change");
    let header = written.trim_start_matches('\u{feff}').lines().next().unwrap().split(',').collect::<Vec<_>>();
    assert_eq!(&header[..2], ["Student", "ID"], "Canvas's importer wants these first");
    assert_eq!(header[4], "Section", "and Section the last of the student's columns");
    assert_eq!(header[5], "Backprop (777)", "the assignment's column, `<Title> (<id>)`");
    assert_eq!(
        text(&out.stderr),
        format!(
            "backprop-sheet: Lee, Ann (1003): in the gradebook, no workbook; left as it was\n\
             backprop-sheet: Student, Test (1009): in the gradebook, no workbook; left as it was\n\
             backprop-sheet: kimsam (1004), {}: not in the gradebook; no grade written\n",
            zip.join("kimsam_1004_5005_work.xlsx").display()
        )
    );
    assert_eq!(
        std::fs::read(&gradebook).unwrap(),
        canvas_gradebook("", "").into_bytes(),
        "the gradebook is not changed"
    );
}

#[test]
fn a_moodle_download_fills_the_grading_worksheet_with_grade_time_and_feedback() {
    let dir = tempfile::tempdir().unwrap();
    let zip = moodle_zip(dir.path());
    let worksheet = |jane: &str, john: &str| {
        format!(
            "Identifier,\"Full name\",\"Email address\",Status,Grade,\"Maximum Grade\",\"Grade can be changed\",\"Last modified (submission)\",\"Last modified (grade)\",\"Feedback comments\"\n\
             \"Participant 17\",\"Jane Roe\",jane@u.edu,\"Submitted for grading\",{jane}\n\
             \"Participant 18\",\"John Doe\",john@u.edu,\"Submitted for grading\",{john}\n\
             \"Participant 19\",\"Ann Lee\",ann@u.edu,\"No submission\",,100.00,Yes,-,-,\n"
        )
    };
    let ungraded = ",100.00,Yes,\"Tuesday, 1 December 2026, 9:00 AM\",-,";
    let sheet = dir.path().join("worksheet.csv");
    std::fs::write(&sheet, worksheet(ungraded, ungraded)).unwrap();
    let grades = dir.path().join("grades.csv");
    let before = std::time::SystemTime::now();
    let out = grade(&zip, &sheet, &grades, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "backprop-sheet: Ann Lee (19): in the gradebook, no workbook; left as it was\n");
    let written = text(&std::fs::read(&grades).unwrap());
    // The time of the grade is the run's, in ISO 8601 with its offset (as PHP's strtotime reads it).
    let time = written.lines().nth(1).unwrap().split(",\"Tuesday, 1 December 2026, 9:00 AM\",").nth(1).unwrap()[..25]
        .to_string();
    let secs = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (from, to) = (secs(before), secs(std::time::SystemTime::now()));
    let shown = time_secs(&time);
    assert!(from <= shown && shown <= to, "{time} is the time of the run");
    let score = scores(&zip);
    let at = |name: &str| score[&zip.join(name).display().to_string()];
    let feedback = |key: &str, meaning: &str, s: (f64, f64)| {
        format!(
            "\"Score {} / 100 (rubric: {} of {} points). Mistakes: {key} ({meaning}).\"",
            scaled(s, 100.0),
            (s.0 * 100.0).round() / 100.0,
            (s.1 * 100.0).round() / 100.0
        )
    };
    let row = |s: (f64, f64), m: usize| {
        let meaning = CATALOGUE[m].what;
        format!(
            "{:.2},100.00,Yes,\"Tuesday, 1 December 2026, 9:00 AM\",{time},{}",
            scaled(s, 100.0),
            feedback(CATALOGUE[m].key, meaning, s)
        )
    };
    let (jane, john) =
        (at("Jane Roe_17_assignsubmission_file_/BackProp.xlsx"), at("John Doe_18_assignsubmission_file_BackProp.xlsx"));
    assert_eq!(written, worksheet(&row(jane, 0), &row(john, 1)));
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS+00:00`.
fn time_secs(text: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1 - 719_468;
    assert_eq!(&text[19..], "+00:00");
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)) as u64
}

#[test]
fn without_a_gradebook_the_grades_are_a_plain_file_a_row_per_student() {
    let dir = tempfile::tempdir().unwrap();
    let zip = canvas_zip(dir.path());
    let grades = dir.path().join("grades.csv");
    bin().arg("check").arg(&zip).arg("--grades").arg(&grades).assert().code(1);
    let score = scores(&zip);
    let row = |student: &str, id: &str, late: &str, name: &str, key: &str, others: &str| {
        let file = zip.join(name).display().to_string();
        let (p, m) = score[&file];
        let verdict = if key.is_empty() { "PASS" } else { "FAIL" };
        let r = |x: f64| (x * 100.0).round() / 100.0;
        format!("{student},{id},{late},{file},{},{},{verdict},{key},{others}\n", r(p), r(m))
    };
    let first = zip.join("roejane_1001_5001_backprop.xlsx").display().to_string();
    assert_eq!(
        text(&std::fs::read(&grades).unwrap()),
        [
            "student,id,late,file,score,max_score,verdict,mistakes,other files\n".to_string(),
            row("doejohn", "1002", "LATE", "doejohn_LATE_1002_5003_BackProp.xlsx", CATALOGUE[1].key, ""),
            row("kimsam", "1004", "", "kimsam_1004_5005_work.xlsx", CATALOGUE[0].key, ""),
            row("roejane", "1001", "", "roejane_1001_5002_backprop-1.xlsx", "", &first),
        ]
        .concat()
    );
}

#[test]
fn a_student_s_several_workbooks_say_which_one_grades_them() {
    let dir = tempfile::tempdir().unwrap();
    let zip = canvas_zip(dir.path());
    let (first, second) = (zip.join("roejane_1001_5001_backprop.xlsx"), zip.join("roejane_1001_5002_backprop-1.xlsx"));
    let out = bin().arg("check").arg(&zip).output().unwrap();
    let notes: Vec<String> = text(&out.stdout).lines().filter(|l| l.starts_with("  ")).map(String::from).collect();
    assert_eq!(
        notes,
        [
            format!("  not graded: the student's best is {}", second.display()),
            format!("  graded by this workbook, the student's best; also handed in: {}", first.display()),
        ]
    );
    let out = bin().arg("check").arg(&zip).arg("--json").output().unwrap();
    let lines: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_file = |f: &Path| lines.iter().find(|l| l["file"] == f.display().to_string()).unwrap().clone();
    assert_eq!(by_file(&first)["graded_by"], second.display().to_string());
    assert_eq!(by_file(&second)["others"], serde_json::json!([first.display().to_string()]));
    assert!(
        lines.iter().filter(|l| l["graded_by"].is_null() && l["others"].is_null()).count() == 2,
        "the others have one workbook"
    );
    let summary = dir.path().join("summary.csv");
    bin().arg("check").arg(&zip).arg("--summary").arg(&summary).assert().code(1);
    let mut csv = csv::Reader::from_path(&summary).unwrap();
    assert_eq!(csv.headers().unwrap().iter().next_back(), Some("graded by"));
    let graded_by: Vec<String> = csv.records().map(|r| r.unwrap().iter().next_back().unwrap().to_string()).collect();
    assert_eq!(graded_by, ["", "", "roejane_1001_5002_backprop-1.xlsx", "this workbook, the best of 2"]);
}

#[test]
fn a_gradebook_of_another_kind_or_an_assignment_not_in_it_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let zip = canvas_zip(dir.path());
    let run = |book: &str, extra: &[&str]| {
        let gradebook = dir.path().join("in.csv");
        std::fs::write(&gradebook, book).unwrap();
        let grades = dir.path().join("out.csv");
        let out = grade(&zip, &gradebook, &grades, extra);
        assert_eq!(out.status.code(), Some(2));
        assert!(!grades.exists() && out.stdout.is_empty(), "nothing checked, nothing written");
        text(&out.stderr).replace(&gradebook.display().to_string(), "in.csv")
    };
    assert_eq!(
        run("id,name\n1,Ann\n", &[]),
        "backprop-sheet: in.csv: line 1: not a gradebook this tool fills in. Give Canvas's gradebook export (Grades, Export: `Student`, `ID`, `SIS User ID`, `SIS Login ID`, `Section`, then a column per assignment) or Moodle's grading worksheet (Download grading worksheet: `Identifier`, `Full name`, ..., `Grade`, `Maximum Grade`, `Last modified (grade)`), as the LMS wrote it.\n"
    );
    assert_eq!(
        run(&canvas_gradebook("", ""), &["--assignment", "Essay"]),
        "backprop-sheet: in.csv: line 1: no assignment column is titled \"Essay\"; the export has `Backprop (777)`, `Quiz 1 (778)`.\n"
    );
}

#[test]
fn the_marked_copies_zip_keeps_the_download_s_entry_names() {
    let dir = tempfile::tempdir().unwrap();
    let zip = moodle_zip(dir.path());
    let marked = dir.path().join("feedback.zip");
    bin().arg("check").arg(&zip).arg("--annotate").arg(&marked).assert().code(1);
    assert_eq!(
        entry_names(&marked),
        ["Jane Roe_17_assignsubmission_file_/BackProp.xlsx", "John Doe_18_assignsubmission_file_BackProp.xlsx"],
        "the workbooks with findings, under the names Moodle's feedback upload takes back"
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&marked).unwrap()).unwrap();
    let mut copy = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut copy).unwrap();
    let book = backprop_sheet::read::Workbook::from_bytes(Path::new("copy.xlsx"), &copy).unwrap();
    assert!(!book.sheets.is_empty(), "a workbook that opens");
    let listing = |d: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    assert_eq!(listing(dir.path()), ["feedback.zip", "moodle.zip"], "nothing unpacked beside them");
    let again = bin().arg("check").arg(&zip).arg("--annotate").arg(&marked).output().unwrap();
    assert_eq!(
        text(&again.stderr),
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --annotate.\n",
            marked.display()
        )
    );
}

#[test]
fn a_zip_bomb_a_zip_in_the_zip_and_names_that_leave_the_zip_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, ..) = workbooks();
    let mut inner = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut inner));
        z.start_file("x.xlsx", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(ok).unwrap();
        z.finish().unwrap();
    }
    let class = dir.path().join("class.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&class).unwrap());
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("bombbob_1_2_bomb.xlsx", deflated.large_file(false)).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..70 {
            z.write_all(&zeros).unwrap();
        }
        z.start_file("nestnell_3_4_work.zip", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(&inner).unwrap();
        z.start_file("okoliver_5_6_ok.xlsx", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(ok).unwrap();
        z.finish().unwrap();
    }
    let marked = dir.path().join("out").join("marked.zip");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let out = bin().arg("check").arg(&class).arg("--annotate").arg(&marked).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<String> =
        text(&out.stdout).lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let shown = |name: &str| class.join(name).display().to_string();
    let packed =
        zip::ZipArchive::new(std::fs::File::open(&class).unwrap()).unwrap().by_index_raw(0).unwrap().compressed_size();
    assert_eq!(
        lines[..2],
        [
            format!(
                "bombbob (1) {} UNUSABLE - {}: it unpacks 70 MB from {} KB, as a zip bomb does. This tool reads workbooks whose parts unpack to at most 512 MB; a hand-made workbook is far smaller.",
                shown("bombbob_1_2_bomb.xlsx"),
                shown("bombbob_1_2_bomb.xlsx"),
                packed >> 10
            ),
            format!(
                "{} UNUSABLE - {}: is a zip inside the zip, which is not opened; unpack it and check its workbooks, or ask for the workbook itself.",
                shown("nestnell_3_4_work.zip"),
                shown("nestnell_3_4_work.zip")
            ),
        ]
    );
    assert!(lines[2].starts_with(&format!("okoliver (5) {} PASS ", shown("okoliver_5_6_ok.xlsx"))), "{}", lines[2]);

    let evil = dir.path().join("evil.zip");
    zip_of(&evil, &[("okoliver_5_6_ok.xlsx", ok), ("../escaped.xlsx", ok)]);
    let out = bin().arg("check").arg(&evil).arg("--annotate").arg(dir.path().join("out/marked2.zip")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = text(&out.stdout).lines().next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        line,
        format!(
            "{} UNUSABLE - {}: entry \"../escaped.xlsx\" names a place outside the zip (an absolute path or `..`), which no LMS download does; nothing of it was read. Download the submissions again from the LMS.",
            evil.display(),
            evil.display()
        )
    );
    assert!(!dir.path().join("escaped.xlsx").exists() && !dir.path().parent().unwrap().join("escaped.xlsx").exists());
    let mut everything: Vec<String> = walk(dir.path());
    everything.sort();
    assert_eq!(
        everything,
        ["class.zip", "evil.zip", "out", "out/marked.zip", "out/marked2.zip"],
        "nothing written outside the destination"
    );
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.file_name().unwrap().to_string_lossy().into_owned());
        if path.is_dir() {
            out.extend(walk(&path).into_iter().map(|n| format!("{}/{n}", path.file_name().unwrap().to_string_lossy())));
        }
    }
    out
}
