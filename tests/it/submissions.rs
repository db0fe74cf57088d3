//! A class run never loses or mixes up a submission: destinations held to every input found,
//! marked copies apart for files of one name, names as the system gives them, every output
//! whole or absent when the run is interrupted, and the words of each refusal.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;

/// A generated workbook with `mistake` at `path` (its folder made).
fn submission(path: &Path, mistake: Option<&str>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut run = bin();
    run.args(["generate", "-q", "--learning-rates", "0.5", "--iterations", "5", "--out"]).arg(path);
    if let Some(m) = mistake {
        run.args(["--mistake", m]);
    }
    run.assert().success();
}

fn mistakes_of(file: &Path) -> Vec<String> {
    let (_, json) = check_json(file, &[]);
    let mut keys: Vec<String> = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["wrong_columns"].as_array().unwrap().iter())
        .flat_map(|w| w["diagnosis"]["mistakes"].as_array().unwrap().iter().map(|k| k.to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn stderr_line(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!text.contains("panicked"), "{text}");
    text.trim_end().to_string()
}

#[test]
fn no_destination_is_ever_an_input_or_another_destination() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("anna.xlsx"), Some("t1-for-t2"));
    submission(&subs.join("x.xlsx"), Some("gradient-sign"));
    submission(&subs.join("late/x.xlsx"), Some("w6-not-updated"));
    let anna = std::fs::read(subs.join("anna.xlsx")).unwrap();
    let x = std::fs::read(subs.join("x.xlsx")).unwrap();

    // The summary onto a submission found in the folder, with --force.
    let out =
        bin().arg("check").arg(&subs).arg("--summary").arg(subs.join("anna.xlsx")).arg("--force").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_line(&out),
        format!(
            "backprop-sheet: {0}: that is a workbook being checked itself ({0}); writing there would destroy it. Choose another --summary.",
            subs.join("anna.xlsx").display()
        )
    );
    assert!(out.stdout.is_empty(), "refused before any workbook was checked");

    // The marked copies into the folder they come from: subs/late/x.xlsx's copy would be itself.
    let out = bin().arg("check").arg(&subs).arg("--annotate").arg(&subs).arg("--force").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_line(&out));
    assert_eq!(
        stderr_line(&out),
        format!(
            "backprop-sheet: {0}: that is a workbook being checked itself ({0}); writing there would destroy it. Choose another --annotate folder.",
            subs.join("anna.xlsx").display()
        )
    );
    assert!(out.stdout.is_empty());

    // The summary onto a marked copy the same run writes.
    let marked = dir.path().join("marked");
    let out = bin()
        .arg("check")
        .arg(&subs)
        .arg("--annotate")
        .arg(&marked)
        .arg("--summary")
        .arg(marked.join("anna.xlsx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_line(&out),
        format!(
            "backprop-sheet: {}: is both the file of --annotate and of --summary; choose another --summary.",
            marked.join("anna.xlsx").display()
        )
    );

    // Every pair of the single files a run writes: each is refused as the second flag.
    let file = dir.path().join("out.csv");
    for (first, second) in [("--grades", "--summary"), ("--grades", "--copies"), ("--summary", "--copies")] {
        let out = bin().arg("check").arg(&subs).arg(first).arg(&file).arg(second).arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{first} {second}");
        assert_eq!(
            stderr_line(&out),
            format!(
                "backprop-sheet: {}: is both the file of {first} and of {second}; choose another {second}.",
                file.display()
            )
        );
        assert!(!file.exists(), "nothing written");
    }
    assert_eq!(std::fs::read(subs.join("anna.xlsx")).unwrap(), anna);
    assert_eq!(std::fs::read(subs.join("x.xlsx")).unwrap(), x);
    assert!(!marked.exists(), "nothing written");
}

#[test]
fn files_of_one_name_keep_their_own_marked_copies() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    // Every student of a Moodle download hands in the same file name.
    submission(&subs.join("a/BackPropagation.xlsx"), Some("t1-for-t2"));
    submission(&subs.join("b/BackPropagation.xlsx"), Some("gradient-sign"));
    let marked = dir.path().join("marked");
    bin().arg("check").arg(&subs).arg("--annotate").arg(&marked).args(["--jobs", "2"]).assert().code(1);
    for student in ["a", "b"] {
        let (original, copy) =
            (subs.join(student).join("BackPropagation.xlsx"), marked.join(student).join("BackPropagation.xlsx"));
        assert_eq!(mistakes_of(&copy), mistakes_of(&original), "{student}'s copy has {student}'s marks");
    }
    assert_ne!(mistakes_of(&subs.join("a/BackPropagation.xlsx")), mistakes_of(&subs.join("b/BackPropagation.xlsx")));
    // Given one by one, the two files would share a copy: refused, before anything is read.
    let (a, b) = (subs.join("a/BackPropagation.xlsx"), subs.join("b/BackPropagation.xlsx"));
    let out = bin().arg("check").arg(&a).arg(&b).arg("--annotate").arg(dir.path().join("m2")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_line(&out),
        format!(
            "backprop-sheet: {}: would be the marked copy of both {} and {}. Check them in separate runs, or give the folders that hold them.",
            dir.path().join("m2/BackPropagation.xlsx").display(),
            a.display(),
            b.display()
        )
    );
    // Given as folders, each keeps its folder's name.
    let m3 = dir.path().join("m3");
    bin().arg("check").arg(subs.join("a")).arg(subs.join("b")).arg("--annotate").arg(&m3).assert().code(1);
    assert!(m3.join("a/BackPropagation.xlsx").is_file() && m3.join("b/BackPropagation.xlsx").is_file());
}

#[test]
fn names_are_the_system_s_bytes_and_print_as_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    // Not UTF-8, and beside it the file its lossy spelling names: two students.
    let latin1 = subs.join(OsStr::from_bytes(b"Ren\xe9e.xlsx"));
    let lossy = subs.join("Ren\u{FFFD}e.xlsx");
    submission(&latin1, Some("t1-for-t2"));
    submission(&lossy, Some("gradient-sign"));
    // A failing student's name that would print a line of its own.
    let forged = subs.join("z\nsubs/zz.xlsx  PASS  1 table, 0 wrong cells\n.xlsx");
    submission(&forged, Some("w6-not-updated"));
    let marked = dir.path().join("marked");
    let out = bin().arg("check").arg(&subs).arg("--annotate").arg(&marked).args(["--jobs", "3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 + 2, "one line each, a blank line and the totals:\n{text}");
    assert!(lines[..3].iter().all(|l| l.contains("  FAIL  ")), "{text}");
    let shown = forged.display().to_string().replace('\n', "\\n");
    assert_eq!(
        lines[2],
        format!("{shown}  FAIL              67.5/100  1 table, 4 wrong cells  w6-not-updated"),
        "one line: {text}"
    );
    assert_eq!(mistakes_of(&marked.join(OsStr::from_bytes(b"Ren\xe9e.xlsx"))), mistakes_of(&latin1));
    assert_eq!(mistakes_of(&marked.join("Ren\u{FFFD}e.xlsx")), mistakes_of(&lossy));
    assert_ne!(mistakes_of(&latin1), mistakes_of(&lossy));
}

#[test]
fn the_same_file_is_checked_once_and_last_run_s_copies_are_not_students() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("anna.xlsx"), Some("t1-for-t2"));
    submission(&subs.join("ben.xlsx"), None);
    std::fs::hard_link(subs.join("ben.xlsx"), subs.join("ben-again.xlsx")).unwrap();
    let lines = |out: std::process::Output| String::from_utf8(out.stdout).unwrap().lines().count() - 2;
    let out = bin().arg("check").arg(&subs).arg(subs.join("anna.xlsx")).arg(dir.path().join("subs/../subs")).output();
    assert_eq!(lines(out.unwrap()), 2, "anna and ben, once each");
    // More copies to replace than workers, so that the workers replace files at the same time.
    for k in 1..8 {
        std::fs::copy(subs.join("anna.xlsx"), subs.join(format!("anna{k}.xlsx"))).unwrap();
    }
    // The marked copies inside the class folder, twice: the second run does not grade the first's.
    for force in [false, true] {
        let mut run = bin();
        run.arg("check").arg(&subs).arg("--annotate").arg(subs.join("marked")).args(["--jobs", "2"]);
        if force {
            run.arg("--force");
        }
        let out = run.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_line(&out));
        assert_eq!(stderr_line(&out), "", "every copy replaced, none refused");
        assert_eq!(lines(out), 9);
    }
    let mut names: Vec<String> = std::fs::read_dir(subs.join("marked"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = (1..8).map(|k| format!("anna{k}.xlsx")).collect();
    expected.insert(0, "anna.xlsx".into());
    assert_eq!(names, expected, "nothing else left in the folder");
}

#[test]
fn refusals_come_before_any_workbook_is_read_and_json_is_always_json() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("anna.xlsx"), Some("t1-for-t2"));
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let missing = dir.path().join("missing");
    let (under_file, in_missing) = (file.join("sub"), missing.join("s.xlsx"));
    let cases: [(Vec<&OsStr>, String); 3] = [
        (
            vec![OsStr::new("--annotate"), file.as_os_str()],
            format!(
                "{}: is a file, not a folder. Choose a folder for --annotate; it is made when missing.",
                file.display()
            ),
        ),
        (
            vec![OsStr::new("--annotate"), under_file.as_os_str()],
            format!(
                "{}: is a file, not a folder. Choose a folder for --annotate; it is made when missing.",
                file.display()
            ),
        ),
        (
            vec![OsStr::new("--summary"), in_missing.as_os_str()],
            format!(
                "{}: no such folder. Make it first, or give --summary a file in a folder that exists.",
                missing.display()
            ),
        ),
    ];
    for (args, message) in cases {
        let out = bin().arg("check").arg(&subs).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr_line(&out), format!("backprop-sheet: {message}"));
        assert!(out.stdout.is_empty());
        let out = bin().arg("check").arg(&subs).args(&args).arg("--json").output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        assert_eq!(json, serde_json::json!({ "file": subs.display().to_string(), "error": message }));
    }
}

#[test]
fn a_workbook_that_cannot_be_marked_is_counted_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("a.xlsx"), Some("t1-for-t2"));
    // Checked as any workbook (the reader needs no content types), but not a package that can
    // be marked.
    let options = zip::write::SimpleFileOptions::default();
    let from = std::fs::File::open(subs.join("a.xlsx")).unwrap();
    let to = std::fs::File::create(subs.join("b.xlsx")).unwrap();
    copy_package(from, to, options, |name, _, out| {
        if name == "[Content_Types].xml" {
            std::io::Write::write_all(out, b"<Types").unwrap();
            return true;
        }
        false
    });
    let marked = dir.path().join("marked");
    let out = bin().arg("check").arg(&subs).arg("--annotate").arg(&marked).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a copy could not be written");
    let text = String::from_utf8(out.stdout).unwrap();
    let b = subs.join("b.xlsx");
    let why = format!(
        "{}: writing the marked copy failed (its package cannot be marked ([Content_Types].xml is not well-formed XML)); nothing was written.",
        marked.join("b.xlsx").display()
    );
    assert_eq!(
        text.lines().find(|l| l.starts_with("  not marked: ")),
        Some(format!("  not marked: {why}").as_str()),
        "{text}"
    );
    assert!(text.ends_with("2 workbooks: 0 pass, 2 fail, 0 incomplete, 0 nothing to check, 0 unusable; 1 workbook could not be marked\n"), "{text}");
    assert!(!marked.join("b.xlsx").exists() && marked.join("a.xlsx").is_file());
    let json = bin().arg("check").arg(&subs).arg("--annotate").arg(dir.path().join("m2")).arg("--json").output();
    let json: serde_json::Value = serde_json::from_slice(&json.unwrap().stdout).unwrap();
    assert_eq!(json[1]["file"], b.display().to_string());
    assert_eq!(
        json[1]["not_marked"],
        why.replace(&marked.display().to_string(), &dir.path().join("m2").display().to_string())
    );
    assert!(json[0].get("not_marked").is_none());
}

/// The binary run as the unprivileged user `nobody` (through `setpriv`, when the tests run as
/// root, as in CI), so that file permissions and process limits hold: root passes both.
fn as_nobody(limit_processes: Option<u32>) -> Command {
    let binary = assert_cmd::cargo::cargo_bin("backprop-sheet");
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = Command::new("prlimit");
    if let Some(n) = limit_processes {
        command.arg(format!("--nproc={n}:{n}"));
    }
    command.arg("--");
    if root {
        command.args(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    }
    command.arg(binary);
    command
}

/// A class folder everyone may read, for runs as `nobody`.
fn open_class(dir: &Path, count: usize) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let subs = dir.join("subs");
    submission(&subs.join("s00.xlsx"), Some("t1-for-t2"));
    for k in 1..count {
        std::fs::copy(subs.join("s00.xlsx"), subs.join(format!("s{k:02}.xlsx"))).unwrap();
    }
    subs
}

#[test]
fn an_unreadable_folder_is_one_unusable_line_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let subs = open_class(dir.path(), 2);
    let locked = subs.join("locked");
    submission(&locked.join("hidden.xlsx"), None);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::write(subs.join("secret.xlsx"), b"x").unwrap();
    std::fs::set_permissions(subs.join("secret.xlsx"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = as_nobody(None).arg("check").arg(&subs).output().unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(out.status.code(), Some(2), "{text}{}", stderr_line(&out));
    let lines: Vec<&str> = text.lines().collect();
    let width = subs.join("secret.xlsx").display().to_string().len();
    assert_eq!(
        lines[0],
        format!(
            "{:<width$}  UNUSABLE          -        {}: cannot be read (Permission denied; the rest of the class is checked).",
            locked.display(),
            locked.display()
        ),
        "{text}"
    );
    assert!(lines[1].contains("  FAIL  ") && lines[2].contains("  FAIL  "), "{text}");
    let secret = subs.join("secret.xlsx");
    assert_eq!(
        lines[3],
        format!(
            "{:<width$}  UNUSABLE          -        {}: cannot be read (Permission denied).",
            secret.display(),
            secret.display()
        ),
        "{text}"
    );
    assert_eq!(lines.last().unwrap(), &"4 workbooks: 0 pass, 2 fail, 0 incomplete, 0 nothing to check, 2 unusable");
}

#[test]
fn more_jobs_than_the_system_gives_run_on_fewer_threads() {
    let dir = tempfile::tempdir().unwrap();
    let subs = open_class(dir.path(), 6);
    let out = as_nobody(Some(3)).arg("check").arg(&subs).args(["--jobs", "500"]).output().unwrap();
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr_line(&out));
    assert!(text.ends_with("6 workbooks: 0 pass, 6 fail, 0 incomplete, 0 nothing to check, 0 unusable\n"), "{text}");
}

#[test]
fn an_interrupt_stops_a_class_run_at_once_and_names_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let subs = open_class(dir.path(), 80);
    for (signal, json) in [("-INT", false), ("-TERM", true)] {
        let marked = dir.path().join(format!("marked{signal}"));
        let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("backprop-sheet"))
            .arg("check")
            .arg(&subs)
            .arg("--annotate")
            .arg(&marked)
            .arg("--summary")
            .arg(dir.path().join("summary.csv"))
            .args(["--jobs", "2"])
            .args(if json { &["--json"][..] } else { &[][..] })
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::fs::read_dir(&marked).map_or(0, |d| d.count()) < 2 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let sent = Instant::now();
        assert!(Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap().success());
        let status = child.wait().unwrap();
        let took = sent.elapsed();
        let (stdout, stderr) = (std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(&err).unwrap());
        assert_eq!(status.code(), Some(130), "{signal}: {stderr}");
        // Only the workbooks in flight finish (a fraction of a second each on an idle machine);
        // the bound is loose so that a loaded machine does not fail it.
        assert!(took < Duration::from_secs(10), "{signal}: stopped {took:?} after the signal");
        assert!(!dir.path().join("summary.csv").exists(), "{signal}: no summary of half a class");
        let written: Vec<PathBuf> = stderr.lines().skip(1).map(|l| PathBuf::from(l.trim_start())).collect();
        let mut on_disk: Vec<PathBuf> = std::fs::read_dir(&marked).unwrap().map(|e| e.unwrap().path()).collect();
        on_disk.sort();
        assert_eq!(
            stderr.lines().next().unwrap(),
            "backprop-sheet: interrupted; no summary written; these marked copies were written whole before it:",
            "{signal}: said once: {stderr}"
        );
        assert_eq!(written, on_disk, "{signal}: the copies named are the copies there");
        assert!(on_disk.len() < 80, "{signal}: the run stopped early");
        for copy in &on_disk {
            assert_eq!(mistakes_of(copy), mistakes_of(&subs.join("s00.xlsx")), "{}: whole", copy.display());
        }
        if json {
            let lines: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON when interrupted");
            assert!(lines.as_array().unwrap().len() >= on_disk.len());
        }
    }
}

/// A copy of `from` at `to` whose learning-rate sheet is named `name`.
fn with_sheet_named(from: &Path, to: &Path, name: &str) {
    let options = zip::write::SimpleFileOptions::default();
    let (source, target) = (std::fs::File::open(from).unwrap(), std::fs::File::create(to).unwrap());
    copy_package(source, target, options, |part, data, out| {
        if part != "xl/workbook.xml" {
            return false;
        }
        let escaped = quick_xml::escape::escape(name).replace('\r', "&#13;");
        let text = String::from_utf8(data.to_vec()).unwrap().replace("name=\"LR 0.5\"", &format!("name=\"{escaped}\""));
        std::io::Write::write_all(out, text.as_bytes()).unwrap();
        true
    });
}

#[test]
#[cfg_attr(no_libreoffice, ignore = "LibreOffice (soffice with python3-uno) is not installed")]
fn libreoffice_evaluates_nothing_a_student_named_in_the_csv_summary() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("base.xlsx"), Some("t1-for-t2"));
    let names = ["=HYPERLINK(\"http://example.com\",\"click\")", "=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\tx", "\rx"];
    for (k, name) in names.iter().enumerate() {
        with_sheet_named(&subs.join("base.xlsx"), &subs.join(format!("s{k}.xlsx")), name);
    }
    std::fs::remove_file(subs.join("base.xlsx")).unwrap();
    let csv = dir.path().join("summary.csv");
    bin().arg("check").arg(&subs).arg("--summary").arg(&csv).assert().code(1);
    // LibreOffice opening the CSV with formulas evaluated, as a spreadsheet user's would.
    let status = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}/profile", dir.path().display()))
        .args(["--headless", "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"])
        .args(["--convert-to", "xlsx", "--outdir"])
        .arg(dir.path())
        .arg(&csv)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let book = read(&dir.path().join("summary.xlsx"));
    let sheet = &book.sheets[0];
    assert!(sheet.formulas.is_empty(), "LibreOffice made formulas of {:?}", sheet.formulas);
    let sheets: Vec<String> = (1..=names.len() as u32)
        .map(|row| match sheet.value(backprop_sheet::read::Pos { row, col: 8 }) {
            Some(calamine::Data::String(s)) => s.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    // (A carriage return inside a CSV field is read back by LibreOffice as a line break.)
    let expected = names.map(|n| format!("'{}", n.replace('\r', "\n")));
    assert_eq!(sheets, expected, "each shown as the text it is, marked as text");
}

#[test]
#[cfg_attr(not_root, ignore = "mounting a 1 MB tmpfs needs root")]
fn a_full_disk_under_the_class_outputs_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    submission(&subs.join("a.xlsx"), Some("t1-for-t2"));
    let tiny = dir.path().join("tiny");
    std::fs::create_dir(&tiny).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&tiny).status();
    assert!(mounted.is_ok_and(|s| s.success()), "mounting a 1 MB tmpfs");
    std::fs::create_dir(tiny.join("marked")).unwrap();
    // Filled to the last byte.
    let _ = std::fs::write(tiny.join("filler"), vec![0u8; 2 << 20]);
    let summary = bin().arg("check").arg(&subs).arg("--summary").arg(tiny.join("s.xlsx")).output().unwrap();
    let marked = bin().arg("check").arg(&subs).arg("--annotate").arg(tiny.join("marked")).output().unwrap();
    std::fs::remove_file(tiny.join("filler")).unwrap();
    let left: Vec<_> = std::fs::read_dir(&tiny).unwrap().map(|e| e.unwrap().file_name()).collect();
    let left_marked = std::fs::read_dir(tiny.join("marked")).unwrap().count();
    Command::new("umount").arg(&tiny).status().unwrap();
    assert_eq!(summary.status.code(), Some(2));
    assert_eq!(
        stderr_line(&summary),
        format!(
            "backprop-sheet: {}: writing the summary failed (no space left on the device); nothing was written.",
            tiny.join("s.xlsx").display()
        )
    );
    assert_eq!(marked.status.code(), Some(2));
    let text = String::from_utf8(marked.stdout.clone()).unwrap();
    let why = format!(
        "  not marked: {}: writing the marked copy failed (no space left on the device); nothing was written.",
        tiny.join("marked/a.xlsx").display()
    );
    assert!(text.lines().any(|l| l == why), "{text}");
    assert_eq!(stderr_line(&marked), "", "no library's own words on stderr");
    assert_eq!(left, ["marked"], "nothing half-written");
    assert_eq!(left_marked, 0);
}
