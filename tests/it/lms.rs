//! The round trip with the course's LMS: a class checked from the zip Canvas or Moodle downloads
//! (read in place), and its marked copies zipped under the names the LMS gave them.

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
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
        lines[..3],
        [
            format!(
                "{} UNUSABLE {}: it unpacks 70 MB from {} KB, as a zip bomb does. This tool reads workbooks whose parts unpack to at most 512 MB; a hand-made workbook is far smaller.",
                shown("bombbob_1_2_bomb.xlsx"),
                shown("bombbob_1_2_bomb.xlsx"),
                packed >> 10
            ),
            format!(
                "{} UNUSABLE {}: is a zip inside the zip, which is not opened; unpack it and check its workbooks, or ask for the workbook itself.",
                shown("nestnell_3_4_work.zip"),
                shown("nestnell_3_4_work.zip")
            ),
            format!("{} PASS 1 table, 0 wrong cells", shown("okoliver_5_6_ok.xlsx")),
        ]
    );

    let evil = dir.path().join("evil.zip");
    zip_of(&evil, &[("okoliver_5_6_ok.xlsx", ok), ("../escaped.xlsx", ok)]);
    let out = bin().arg("check").arg(&evil).arg("--annotate").arg(dir.path().join("out/marked2.zip")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = text(&out.stdout).lines().next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        line,
        format!(
            "{} UNUSABLE {}: entry \"../escaped.xlsx\" names a place outside the zip (an absolute path or `..`), which no LMS download does; nothing of it was read. Download the submissions again from the LMS.",
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
