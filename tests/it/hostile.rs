//! Never lose the user's work, never panic on what a user hands in: interrupted and refused
//! writes, divergence, hostile files, and mutated workbooks.

use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use backprop_sheet::checker::{self as check, Options};
use backprop_sheet::columns::{Col, Columns};
use backprop_sheet::engine::rows;
use backprop_sheet::read::{Workbook, find_tables};
use calamine::Data;

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn stderr(out: &Output) -> String {
    let s = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!s.contains("panicked"), "{s}");
    s
}

/// Whether process `pid` has a file open in `dir`: the workbook being written, which has no name.
fn writing_into(pid: u32, dir: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.starts_with(dir)))
}

/// Starts a long `generate` into a fresh folder and waits until it is writing there.
fn long_run() -> (tempfile::TempDir, std::process::Child) {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(assert_cmd::cargo::cargo_bin("backprop-sheet"))
        .args(["generate", "--iterations", "1000000", "--out"])
        .arg(dir.path().join("big.xlsx"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !writing_into(child.id(), dir.path()) && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(writing_into(child.id(), dir.path()), "the run started writing");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "the file being written has no name");
    std::thread::sleep(Duration::from_millis(300));
    (dir, child)
}

#[test]
fn an_interrupt_or_a_termination_leaves_nothing() {
    for signal in ["-INT", "-TERM", "-HUP"] {
        let (dir, child) = long_run();
        assert!(Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap().success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "{signal}: {}", stderr(&output));
        assert_eq!(stderr(&output), "backprop-sheet: interrupted; no output written.\n", "{signal}");
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{signal}: nothing left behind");
    }
    // Killed outright, no handler runs; the unnamed file goes with the process.
    let (dir, mut child) = long_run();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "SIGKILL: nothing left behind");
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generated-saved-by-libreoffice.xlsx");
    let runs: [(Vec<std::ffi::OsString>, i32); 3] = [
        (vec!["generate".into(), "--force".into(), "--out".into(), dir.path().join("g.xlsx").into()], 0),
        (vec!["template".into(), "--force".into(), "--out".into(), dir.path().join("t.xlsx").into()], 0),
        (vec!["check".into(), fixture.into()], 0),
    ];
    for (args, code) in &runs {
        // A reader that closed its end before the output came (`| head -0`).
        let mut child = bin_command().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(*code), "{args:?} into a closed pipe: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{args:?}: a closed pipe is a normal end");
        // `> /dev/full`: the reason, and exit code 2.
        let full = std::fs::File::create("/dev/full").unwrap();
        let output = bin_command().args(args).stdout(full).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?} > /dev/full");
        assert_eq!(
            stderr(&output),
            "backprop-sheet: cannot write to the terminal or its redirection (no space left on the device).\n",
            "{args:?} > /dev/full: the reason, once"
        );
    }
}

fn bin_command() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("backprop-sheet"))
}

#[test]
#[cfg_attr(not_root, ignore = "mounting a 1 MB tmpfs needs root")]
fn the_scratch_files_spill_beside_the_output_and_a_full_disk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("tiny");
    std::fs::create_dir(&tiny).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&tiny).status();
    assert!(mounted.is_ok_and(|s| s.success()), "mounting a 1 MB tmpfs");
    // $TMPDIR full: the run does not care, its scratch files are beside the output.
    let out = dir.path().join("ok.xlsx");
    let output = bin_command()
        .args(["generate", "-q", "--iterations", "20000", "--out"])
        .arg(&out)
        .env("TMPDIR", &tiny)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // The output's own folder full: a clear error, and nothing left there.
    let output = bin_command()
        .args(["generate", "-q", "--iterations", "20000", "--out"])
        .arg(tiny.join("x.xlsx"))
        .output()
        .unwrap();
    let message = stderr(&output);
    let left = files_in(&tiny);
    Command::new("umount").arg(&tiny).status().unwrap();
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(
        message,
        format!(
            "backprop-sheet: {}: writing the workbook failed (no space left on the device); nothing was written.\n",
            tiny.join("x.xlsx").display()
        ),
        "the system's reason in words, and no library's"
    );
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn only_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.xlsx");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let runs: [(&[&str], &str); 3] = [
        (&["check", "/dev/zero"], "/dev/zero: is a device"),
        (&["generate", "--template", "/dev/zero"], "/dev/zero: is a device"),
        (&["check", "/dev/stdin"], "/dev/stdin: is a pipe (FIFO), such as standard input"),
    ];
    for (args, what) in runs {
        let output = bin_command().args(args).current_dir(dir.path()).stdin(Stdio::piped()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&output),
            format!("backprop-sheet: {what}, not a workbook file. Save the workbook to a file and give its path.\n"),
            "{args:?}"
        );
    }
    // Standard input fed without end by `yes`, and a FIFO nobody writes to: refused at once.
    let mut yes = Command::new("yes").stdout(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    let output = bin_command().args(["check", "/dev/stdin"]).stdin(yes.stdout.take().unwrap()).output().unwrap();
    assert_eq!(
        stderr(&output),
        "backprop-sheet: /dev/stdin: is a pipe (FIFO), such as standard input, not a workbook file. Save the workbook to a file and give its path.\n"
    );
    yes.kill().unwrap();
    yes.wait().unwrap();
    let mut child = bin_command().arg("check").arg(&fifo).stderr(Stdio::piped()).spawn().unwrap();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(10), "a FIFO without a writer must not hang");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

#[test]
fn any_valid_learning_rate_names_its_sheet_and_too_many_are_refused() {
    let (_dir, out) = generate(&["--learning-rates", "1e-27,1e300,0.1", "--iterations", "3"]);
    let book = read(&out);
    let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Summary", "LR 1e-27", "LR 1e300", "LR 0.1"]);
    let many: Vec<String> = (1..=256).map(|k| format!("{}", k as f64 / 1000.0)).collect();
    let dir = tempfile::tempdir().unwrap();
    let output = bin_command()
        .args(["generate", "--learning-rates", &many.join(","), "--out"])
        .arg(dir.path().join("o.xlsx"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "backprop-sheet: 256 learning rates: a workbook holds at most 255, since its Summary chart draws one curve each and an Excel chart holds at most 255\n"
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn a_template_of_formulas_labels_near_misses_and_repeated_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    write_book(&path, |book| {
        let sheet = book.add_worksheet();
        labels(sheet, 0);
        // w1 typed as a formula; rust_xlsxwriter saves it without a computed result.
        sheet.write_formula(4, 1, "=0.1+0.05").unwrap();
        sheet.write_string(13, 0, "learning-rates").unwrap();
        sheet.write_number(13, 1, 0.5).unwrap();
        sheet.write_string(14, 0, "Number of iterations").unwrap();
        sheet.write_number(14, 1, 4.0).unwrap();
        sheet.write_string(15, 0, "max iters").unwrap();
        sheet.write_number(15, 1, 9.0).unwrap();
    });
    let out = dir.path().join("o.xlsx");
    let output = bin_command().args(["generate", "--template"]).arg(&path).arg("--out").arg(&out).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "backprop-sheet: warning: sheet 'Sheet1', cell A16: the label `max iters` is not one this reader knows, so the number beside it was not used; write `iterations` or `learning rates`\n"
    );
    let book = read(&out);
    assert_eq!(book.sheets.len(), 2, "one learning rate, from `learning-rates`");
    let t = &find_tables(&book.sheets[1])[0];
    assert_eq!(t.rows.len(), 4, "`Number of iterations`");
    assert_eq!(book.sheets[1].number(t.pos(Col::W(1), 1).unwrap()), Some(0.1 + 0.05), "the formula's value");
    let output = bin_command()
        .args(["generate", "--set", "w1=0.1", "--set", "w1=0.2", "--out"])
        .arg(dir.path().join("p.xlsx"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), "backprop-sheet: --set w1 is given twice (0.1 and 0.2): give each name once\n");
}

#[test]
fn odd_destinations_control_characters_and_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.xlsx");
    std::fs::write(&target, b"kept").unwrap();
    let link = dir.path().join("link.xlsx");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fifo = dir.path().join("fifo.xlsx");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let folder = dir.path().join("folder.xlsx");
    std::fs::create_dir(&folder).unwrap();
    let destinations = [
        (&link, "a symbolic link"),
        (&fifo, "a FIFO (named pipe)"),
        (&PathBuf::from("/dev/null"), "a device"),
        (&folder, "a folder"),
    ];
    for (out, what) in destinations {
        let output = bin_command().args(["generate", "--force", "--out"]).arg(out).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{out:?}");
        assert_eq!(
            stderr(&output),
            format!(
                "backprop-sheet: {}: is {what}, not a regular file; only a regular file is ever replaced. Choose the path of a file for --out.\n",
                out.display()
            )
        );
    }
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink(), "the link is left as it was");
    assert_eq!(std::fs::read(&target).unwrap(), b"kept");
    assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo(), "the FIFO is left as it was");

    // Text from a cell, with a terminal escape sequence in it, is shown escaped.
    let path = dir.path().join("esc.xlsx");
    write_book(&path, |book| {
        let sheet = book.add_worksheet();
        labels(sheet, 0);
        sheet.write_string(8, 1, "\u{1b}[2Jgone").unwrap();
    });
    let output = bin_command()
        .args(["generate", "--template"])
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("o.xlsx"))
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(
        message,
        format!(
            "backprop-sheet: {}: sheet 'Sheet1', cell B9: w5 should be a number but the cell holds the text `\\u{{1b}}[2Jgone`. Type a number there.\n",
            path.display()
        ),
        "the escape sequence shown escaped"
    );

    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/password-protected.xlsx");
    let output = bin_command().arg("check").arg(&fixture).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "backprop-sheet: {}: is password-protected (encrypted). Open it in Excel or LibreOffice, remove the password, and save it again as .xlsx.\n",
            fixture.display()
        )
    );
}

#[test]
fn an_existing_file_and_the_input_itself_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("mine.xlsx");
    std::fs::write(&existing, b"a student's work").unwrap();
    let out = bin().args(["generate", "--out"]).arg(&existing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "backprop-sheet: {}: already exists. Pass --force to replace it, or choose another --out.\n",
            existing.display()
        )
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"a student's work");

    let template = dir.path().join("template.xlsx");
    bin().args(["template", "--out"]).arg(&template).assert().success();
    let before = std::fs::read(&template).unwrap();
    let link = dir.path().join("link.xlsx");
    std::os::unix::fs::symlink(&template, &link).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let spellings: [PathBuf; 3] = [template.clone(), link, dir.path().join("sub/../template.xlsx")];
    for out_path in &spellings {
        let out = bin()
            .args(["generate", "--force", "--template"])
            .arg(&template)
            .arg("--out")
            .arg(out_path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out_path:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "backprop-sheet: {}: that is the template itself ({}); writing there would destroy it. Choose another --out.\n",
                out_path.display(),
                template.display()
            )
        );
    }
    assert_eq!(std::fs::read(&template).unwrap(), before, "the template is untouched");
    let mut left = files_in(dir.path());
    left.sort();
    assert_eq!(left, ["link.xlsx", "mine.xlsx", "sub", "template.xlsx"]);
}

/// Runs `generate` with `args`, and checks every cell against the engine, errors included.
fn diverging(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.xlsx");
    let output = bin().arg("generate").arg("--out").arg(&out).args(args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let params = params(args);
    let book = read(&out);
    let mut errors = 0;
    for (sheet, &eta) in book.sheets[1..].iter().zip(&params.learning_rates) {
        let table = &find_tables(sheet)[0];
        for (k, row) in rows(&params.inputs, eta, params.iterations, Columns::class().formulas()).enumerate() {
            for &col in Columns::class().all() {
                let cell = sheet.value(table.pos(col, k + 1).unwrap());
                if backprop_sheet::expr::is_error(row.get(col)) {
                    errors += 1;
                    assert!(matches!(cell, Some(Data::Error(_))), "{col:?} iteration {}: {cell:?}", k + 1);
                } else {
                    assert_eq!(cell.and_then(backprop_sheet::read::number), Some(row.get(col)), "{col:?} {}", k + 1);
                }
            }
        }
    }
    // `check` reads the error cells without trouble, and finds them right.
    let report = check::check(book, &Options::default());
    assert_eq!(report.verdict, check::Verdict::Pass, "{}", backprop_sheet::checker::render(&report));
    format!("{errors} error cells\n{}", String::from_utf8_lossy(&output.stdout))
}

#[test]
fn divergence_writes_the_errors_a_spreadsheet_shows() {
    let mut args = vec!["--learning-rates", "1", "--iterations", "5"];
    for set in ["w1=1000", "w2=1000", "w3=1000", "w4=1000", "w5=-1000", "w6=-1000", "w7=-1000", "w8=-1000"] {
        args.extend(["--set", set]);
    }
    let shown = diverging(&args);
    assert!(!shown.starts_with("0 error"), "{shown}");
    assert!(shown.contains("diverged at iteration 1"), "{shown}");
    assert!(shown.contains("#NUM!"), "{shown}");

    // η = 1000 with the default weights saturates the sigmoids instead: no error, and the same numbers.
    let shown = diverging(&["--learning-rates", "1000", "--iterations", "30"]);
    assert!(shown.starts_with("0 error"), "{shown}");
    // ... and the Summary's gradient check says so, beside "diverged at: no".
    let (_dir, out) = generate(&["-q", "--learning-rates", "1000", "--iterations", "30", "--gradient-check"]);
    let book = read(&out);
    let summary = sheet(&book, "Summary");
    assert_eq!(summary.value(at("H5")), Some(&Data::String("no".into())));
    assert_eq!(
        summary.value(at("J5")),
        Some(&Data::String("cannot tell: the network saturated (its gradients are 0, and 0/0 has no value)".into()))
    );
}

/// A workbook for hostile-file tests, written by rust_xlsxwriter.
fn write_book(path: &Path, fill: impl FnOnce(&mut rust_xlsxwriter::Workbook)) {
    let mut book = rust_xlsxwriter::Workbook::new();
    fill(&mut book);
    book.save(path).unwrap();
}

fn labels(sheet: &mut rust_xlsxwriter::Worksheet, top: u32) {
    for (k, name) in ["i1", "i2", "t1", "t2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"].iter().enumerate() {
        sheet.write_string(top + k as u32, 0, *name).unwrap();
        sheet.write_number(top + k as u32, 1, 0.5).unwrap();
    }
}

/// [`copy_package`] from file to file, deflated hard, with `part` edited.
fn rewrite_part(from: &Path, to: &Path, part: &str, edit: impl FnOnce(&[u8], &mut dyn Write)) {
    let options = zip::write::SimpleFileOptions::default().compression_level(Some(9));
    let mut edit = Some(edit);
    copy_package(std::fs::File::open(from).unwrap(), std::fs::File::create(to).unwrap(), options, |name, data, out| {
        match edit.take_if(|_| name == part) {
            Some(edit) => {
                edit(data, out);
                true
            }
            None => false,
        }
    });
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.xlsx");
    write_book(&small, |b| labels(b.add_worksheet(), 0));
    // The same package with its sheet padded by 700 MB of blanks, which pack to under a MB.
    let bomb = dir.path().join("bomb.xlsx");
    rewrite_part(&small, &bomb, "xl/worksheets/sheet1.xml", |data, out| {
        let end = data.len() - "</worksheet>".len();
        out.write_all(&data[..end]).unwrap();
        let blanks = vec![b' '; 1 << 20];
        for _ in 0..700 {
            out.write_all(&blanks).unwrap();
        }
        out.write_all(&data[end..]).unwrap();
    });
    assert!(bomb.metadata().unwrap().len() < 4 << 20);
    let start = Instant::now();
    let out_file = dir.path().join("o.xlsx");
    let check = bin().arg("check").arg(&bomb).output().unwrap();
    let generate = bin().args(["generate", "--template"]).arg(&bomb).arg("--out").arg(&out_file).output().unwrap();
    for out in [check, generate] {
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!(
                "backprop-sheet: {}: part xl/worksheets/sheet1.xml unpacks 700 MB from 697 KB, as a zip bomb does. This tool reads workbooks whose parts unpack to at most 512 MB; a hand-made workbook is far smaller.\n",
                bomb.display()
            )
        );
    }
    assert!(start.elapsed() < Duration::from_secs(20), "refused before unpacking");
    assert!(!out_file.exists());
}

#[test]
fn a_million_rows_of_text_a_huge_string_and_a_thousand_sheets() {
    let dir = tempfile::tempdir().unwrap();

    let text = dir.path().join("text.xlsx");
    write_book(&text, |b| {
        let sheet = b.add_worksheet_with_constant_memory().unwrap();
        for r in 0..1_000_000u32 {
            sheet.write_string(r, 0, "just some words, not a worksheet").unwrap();
        }
    });
    let out = bin().arg("check").arg(&text).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "backprop-sheet: {}: no table to check: no sheet has a header row naming t1 t2 i1 i2 w1..w8 (and the other columns; or those of another network) above rows of numbers, nor formulas that compute them.\n",
            text.display()
        )
    );
    let out =
        bin().args(["generate", "--out"]).arg(dir.path().join("o.xlsx")).arg("--template").arg(&text).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "backprop-sheet: {}: no inputs found: label cells i1, i2, t1, t2, w1..w8 with the number beside them, or use the class layout (a header row t1 t2 i1 i2 w1 ... over the first row of values). `backprop-sheet template --out FILE` writes an example.\n",
            text.display()
        )
    );

    // Excel caps a cell at 32,767 characters, so no library writes 10 MB: put it in the package.
    let placeholder = dir.path().join("placeholder.xlsx");
    write_book(&placeholder, |b| {
        let sheet = b.add_worksheet();
        labels(sheet, 2);
        sheet.write_string(0, 5, "PLACEHOLDER").unwrap();
    });
    let huge = dir.path().join("huge.xlsx");
    rewrite_part(&placeholder, &huge, "xl/sharedStrings.xml", |data, out| {
        let text = String::from_utf8(data.to_vec()).unwrap();
        out.write_all(text.replace("PLACEHOLDER", &"x".repeat(10 << 20)).as_bytes()).unwrap();
    });
    assert!(Workbook::open(&huge).unwrap().sheets[0].texts().iter().any(|(_, t)| t.len() == 10 << 20));
    let run = params(&["--template", huge.to_str().unwrap()]);
    assert_eq!(run.inputs.get(Col::W(8)), 0.5, "a 10 MB cell beside the inputs changes nothing");

    // Two cells at opposite corners of a sheet: read sparsely, not as a grid of 17 billion cells.
    let corners = dir.path().join("corners.xlsx");
    write_book(&corners, |b| {
        let sheet = b.add_worksheet();
        labels(sheet, 0);
        sheet.write_string(1_048_575, 16_383, "far corner").unwrap();
    });
    let run = params(&["--template", corners.to_str().unwrap()]);
    assert_eq!(run.inputs.get(Col::I(1)), 0.5);
    let out = bin().arg("check").arg(&corners).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "backprop-sheet: {}: no table to check: no sheet has a header row naming t1 t2 i1 i2 w1..w8 (and the other columns; or those of another network) above rows of numbers, nor formulas that compute them.\n",
            corners.display()
        )
    );

    let many = dir.path().join("many.xlsx");
    write_book(&many, |b| {
        for k in 0..999 {
            b.add_worksheet().write_string(0, 0, format!("sheet {k}")).unwrap();
        }
        labels(b.add_worksheet(), 0);
    });
    let book = Workbook::open(&many).unwrap();
    assert_eq!(book.sheets.len(), 1000);
    let run = params(&["--template", many.to_str().unwrap()]);
    assert_eq!(run.inputs.get(Col::T(1)), 0.5, "the inputs on the thousandth sheet are found");
    assert!(!dir.path().join("o.xlsx").exists());
}

/// A small deterministic generator, so that a failure names a reproducible case.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_workbooks_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<Vec<u8>> = [
        "fixtures/typed-slip.xlsx",
        "fixtures/template-edited-in-libreoffice.xlsx",
        "templates/backprop-template.xlsx",
    ]
    .iter()
    .map(|p| std::fs::read(root.join(p)).unwrap())
    .collect();
    // Stored (uncompressed) copies too, so that mutations reach the XML and not only the deflate stream.
    for seed in seeds.clone() {
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let stored =
            copy_package(std::io::Cursor::new(seed), std::io::Cursor::new(Vec::new()), options, |_, _, _| false);
        seeds.push(stored.into_inner());
    }
    let mut rng = XorShift(0x5eed_0fba_c49b_0b0b);
    for (s, seed) in seeds.iter().enumerate() {
        for case in 0..150 {
            let mut bytes = seed.clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => bytes[at] ^= 1 << rng.below(8),
                    2 => bytes.truncate(at.max(1)),
                    _ => {
                        // Digits and markup, where XML parsing and number reading live.
                        let piece = [b"0".as_slice(), b"-", b"E", b"<", b"\"", b"NaN", b"1e999", b"</c>"][rng.below(8)];
                        let at = at.min(bytes.len());
                        bytes.splice(at..at, piece.iter().copied());
                    }
                }
            }
            let result = std::panic::catch_unwind(|| backprop_sheet::read_untrusted(&bytes));
            if result.is_err() {
                let path = std::env::temp_dir().join(format!("backprop-mutant-{s}-{case}.xlsx"));
                std::fs::write(&path, &bytes).unwrap();
                panic!("seed {s} case {case} panicked; the input is saved at {}", path.display());
            }
        }
    }
}

#[test]
fn every_input_the_fuzzer_crashed_on_now_reads_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        backprop_sheet::read_untrusted(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 1, "the crash inputs kept in {}", dir.display());
}

#[test]
fn a_header_without_rows_is_nothing_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header.xlsx");
    write_book(&path, |b| {
        let sheet = b.add_worksheet();
        for (k, col) in Columns::class().all().iter().enumerate() {
            sheet.write_string(4, k as u16, col.header()).unwrap();
        }
    });
    let report = check::check(Workbook::open(&path).unwrap(), &Options::default());
    assert_eq!(report.tables.len(), 1);
    assert_eq!(report.tables[0].iterations, 0);
    assert_eq!(report.tables[0].verdict, check::Verdict::NothingToCheck);
    assert_eq!(report.verdict, check::Verdict::NothingToCheck);
}
