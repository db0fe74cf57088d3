//! A class's grades, as the LMS takes them back: a plain grades file, or the LMS's own gradebook
//! file (Canvas's export, Moodle's grading worksheet) with this assignment's grades filled in.
//!
//! The gradebook is written by splicing the new fields into the bytes it was read from: every
//! other field, quote, line ending and byte order mark stays as the LMS wrote it, so that its
//! importer sees only the grades changed. A student is graded by their best-scoring workbook.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::check::{Key, Verdict};
use crate::class::submitter::{Lms, Submitter};
use crate::class::{Input, Outcome};
use crate::error::{Error, Failure};
use crate::reader::roster::{self, Kind};

/// One workbook's part in the grades, all that is kept of it once its line is printed.
pub(crate) struct Graded {
    pub(crate) file: String,
    pub(crate) submitter: Option<Submitter>,
    /// Points and the most there were, for a workbook that was checked.
    pub(crate) score: Option<(f64, f64)>,
    pub(crate) verdict: Verdict,
    pub(crate) mistakes: Vec<Key>,
}

impl Graded {
    pub(crate) fn of(input: &Input, outcome: &Outcome) -> Graded {
        let (score, mistakes) = match outcome {
            Outcome::Checked(r) => (Some((r.score.points, r.score.max_points)), r.mistakes()),
            Outcome::Unusable { .. } => (None, Vec::new()),
        };
        Graded {
            file: outcome.file().to_string(),
            submitter: input.submitter.clone(),
            score,
            verdict: outcome.verdict(),
            mistakes,
        }
    }

    /// The share of its maximum the workbook scored, what its student's workbooks are ranked by.
    fn fraction(&self) -> f64 {
        self.score.map_or(-1.0, |(points, max)| if max > 0.0 { points / max } else { 0.0 })
    }
}

/// A student and their workbooks: the best-scoring one, which grades them, and the others.
pub(crate) struct Student<'a> {
    pub(crate) best: &'a Graded,
    pub(crate) others: Vec<&'a Graded>,
}

/// The class by student, in the order each first appears: the workbooks an LMS names with the
/// same student (the same LMS and id) are one student's, graded by the best-scoring (the first
/// of equals); a workbook whose name names nobody is a student of its own.
pub(crate) fn students(graded: &[Graded]) -> Vec<Student<'_>> {
    // Each student's workbooks under who they are (an LMS and its id), none for a name that
    // names nobody.
    type Who<'a> = Option<(Lms, &'a str)>;
    let mut out: Vec<(Who<'_>, Vec<&Graded>)> = Vec::new();
    for g in graded {
        let who = g.submitter.as_ref().map(|s| (s.lms, s.id.as_str()));
        match out.iter_mut().find(|(w, _)| who.is_some() && *w == who) {
            Some((_, files)) => files.push(g),
            None => out.push((who, vec![g])),
        }
    }
    out.into_iter()
        .map(|(_, files)| {
            let best =
                files.iter().enumerate().fold(0, |b, (k, g)| if g.fraction() > files[b].fraction() { k } else { b });
            let others = files.iter().enumerate().filter(|(k, _)| *k != best).map(|(_, g)| *g).collect();
            Student { best: files[best], others }
        })
        .collect()
}

/// A number as a grade: at most two decimals, without trailing zeros (`8.5`, `10`).
fn grade_text(x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// The plain grades file: one row per student (the graded workbook, its score and mistakes, and
/// their other workbooks), every field a spreadsheet would evaluate made inert.
pub(crate) fn write_plain<W: Write>(students: &[Student<'_>], out: W) -> Result<(), Failure> {
    let inert = roster::escape;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["student", "id", "late", "file", "score", "max_score", "verdict", "mistakes", "other files"])?;
    for s in students {
        let g = s.best;
        let (name, id, late) = g.submitter.as_ref().map_or((String::new(), String::new(), ""), |w| {
            (w.name.clone(), w.id.clone(), if w.late { "LATE" } else { "" })
        });
        let (score, max) = g.score.map_or((String::new(), String::new()), |(p, m)| (grade_text(p), grade_text(m)));
        let keys: Vec<&str> = g.mistakes.iter().map(|k| k.key()).collect();
        let others: Vec<&str> = s.others.iter().map(|o| o.file.as_str()).collect();
        csv.write_record([
            inert(&name),
            inert(&id),
            late.to_string(),
            inert(&g.file),
            score,
            max,
            g.verdict.text().to_string(),
            keys.join(" "),
            inert(&others.join("; ")),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// A field of a CSV file: where its bytes are (quotes included) and what it says.
struct Field {
    span: Range<usize>,
    value: String,
}

/// The records of a CSV file as RFC 4180 reads them, each field with its place in `bytes`, so
/// that a field can be replaced without touching a byte around it. The csv crate reads values
/// but not where they lie.
fn records(bytes: &[u8]) -> Vec<Vec<Field>> {
    let mut out = Vec::new();
    let mut at = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    while at < bytes.len() {
        let mut fields = Vec::new();
        loop {
            let start = at;
            let mut value = Vec::new();
            if bytes.get(at) == Some(&b'"') {
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'"' if bytes.get(at + 1) == Some(&b'"') => {
                            value.push(b'"');
                            at += 2;
                        }
                        b'"' => {
                            at += 1;
                            break;
                        }
                        b => {
                            value.push(b);
                            at += 1;
                        }
                    }
                }
            }
            while at < bytes.len() && !matches!(bytes[at], b',' | b'\n' | b'\r') {
                value.push(bytes[at]);
                at += 1;
            }
            let value = String::from_utf8_lossy(&value).into_owned();
            fields.push(Field { span: start..at, value });
            match bytes.get(at) {
                Some(b',') => at += 1,
                _ => break,
            }
        }
        if bytes.get(at) == Some(&b'\r') {
            at += 1;
        }
        if bytes.get(at) == Some(&b'\n') {
            at += 1;
        }
        out.push(fields);
    }
    out
}

/// An LMS's gradebook file, read and understood: where the grade goes in each student's row.
pub(crate) struct Gradebook {
    file: PathBuf,
    bytes: Vec<u8>,
    lms: Lms,
    /// Each student's row: their id, their name, and the fields of the row.
    rows: Vec<Row>,
    /// Where the grade goes; for Moodle, also the maximum, the time and the feedback.
    grade: usize,
    maximum: Option<usize>,
    modified: Option<usize>,
    feedback: Option<usize>,
    /// Canvas's `Points Possible` for the column, when the file gives it.
    possible: Option<f64>,
}

struct Row {
    id: String,
    name: String,
    fields: Vec<Field>,
}

/// What filling in a gradebook found besides the grades: the students it lists without a
/// workbook, and the workbooks whose student it does not list.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Unmatched {
    pub(crate) no_submission: Vec<String>,
    pub(crate) not_in_gradebook: Vec<String>,
}

impl Gradebook {
    /// Reads a gradebook and finds its grade column: for Canvas, the assignment `assignment`
    /// names (or the only one); Moodle's worksheet is one assignment's.
    pub(crate) fn read(path: &Path, assignment: Option<&str>) -> Result<Gradebook, Error> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { file: path.to_path_buf() },
            _ => Error::Unreadable { file: path.to_path_buf(), detail: crate::error::io_reason(&e) },
        })?;
        Gradebook::parse(path, bytes, assignment)
    }

    fn parse(path: &Path, bytes: Vec<u8>, assignment: Option<&str>) -> Result<Gradebook, Error> {
        let content = |what: String| Error::Content { file: path.to_path_buf(), what };
        if std::str::from_utf8(&bytes).is_err() {
            return Err(content(
                "not UTF-8 text, as the LMS exports it; export the gradebook again and give it unchanged".into(),
            ));
        }
        let mut records = records(&bytes).into_iter();
        // The header as the file spells it, to match titles, and as headers are compared.
        let original: Vec<String> =
            records.next().map(|f| f.into_iter().map(|f| f.value).collect()).unwrap_or_default();
        let header: Vec<String> = original.iter().map(|h| h.trim().to_lowercase()).collect();
        let find = |name: &str| header.iter().position(|h| h == name);
        let kind = roster::kind_of(&header);
        let (lms, id, name) = match kind {
            Some(Kind::Canvas) => (Lms::Canvas, find("id"), find("student")),
            Some(Kind::Moodle) if find("grade").is_some() && find("last modified (grade)").is_some() => {
                (Lms::Moodle, find("identifier"), find("full name"))
            }
            _ => {
                return Err(content(
                    "line 1: not a gradebook this tool fills in. Give Canvas's gradebook export (Grades, Export: `Student`, `ID`, `SIS User ID`, `SIS Login ID`, `Section`, then a column per assignment) or Moodle's grading worksheet (Download grading worksheet: `Identifier`, `Full name`, ..., `Grade`, `Maximum Grade`, `Last modified (grade)`), as the LMS wrote it".into(),
                ));
            }
        };
        let (id, name) = (id.expect("a kind is found by its id column"), name.expect("and its name column"));
        let grade = match lms {
            Lms::Canvas => canvas_column(&original, assignment).map_err(content)?,
            Lms::Moodle if assignment.is_some() => {
                return Err(content(
                    "Moodle's grading worksheet is one assignment's, so --assignment is not used with it; leave it out"
                        .into(),
                ));
            }
            Lms::Moodle => find("grade").expect("checked above"),
        };
        let mut rows = Vec::new();
        let mut possible = None;
        for fields in records {
            let field = |k: usize| fields.get(k).map(|f| f.value.trim().to_string()).unwrap_or_default();
            if field(0) == "Points Possible" {
                possible = field(grade).parse::<f64>().ok().filter(|p| p.is_finite() && *p > 0.0);
                continue;
            }
            let student = match lms {
                Lms::Canvas => field(id),
                Lms::Moodle => field(id).strip_prefix("Participant ").map(str::trim).unwrap_or_default().to_string(),
            };
            if !student.is_empty() {
                rows.push(Row { id: student, name: field(name), fields });
            }
        }
        Ok(Gradebook {
            file: path.to_path_buf(),
            bytes,
            lms,
            rows,
            grade,
            maximum: find("maximum grade"),
            modified: find("last modified (grade)").filter(|_| lms == Lms::Moodle),
            feedback: find("feedback comments").filter(|_| lms == Lms::Moodle),
            possible,
        })
    }

    pub(crate) fn file(&self) -> &Path {
        &self.file
    }

    /// The gradebook with each student's grade filled in (scaled to the column's maximum: the
    /// `Points Possible` of Canvas, each row's `Maximum Grade` of Moodle, else the rubric's),
    /// and for Moodle the feedback and the time of the grade, `now`, so that Moodle takes the
    /// row (it passes over a row whose time is older than the grade it holds). Every other byte
    /// is the file's own.
    pub(crate) fn fill(&self, students: &[Student<'_>], now: std::time::SystemTime) -> (Vec<u8>, Unmatched) {
        let mut unmatched = Unmatched::default();
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        let graded = |s: &&Student<'_>| s.best.submitter.as_ref().is_some_and(|w| w.lms == self.lms);
        for row in &self.rows {
            let Some(student) =
                students.iter().filter(graded).find(|s| s.best.submitter.as_ref().unwrap().id == row.id)
            else {
                unmatched.no_submission.push(format!("{} ({})", row.name, row.id));
                continue;
            };
            let Some((points, max)) = student.best.score else { continue };
            let field = |k: Option<usize>| k.and_then(|k| row.fields.get(k));
            let cell_max = field(self.maximum).and_then(|f| f.value.trim().parse::<f64>().ok());
            let out_of = self.possible.or(cell_max).filter(|m| m.is_finite() && *m > 0.0).unwrap_or(max);
            let scaled = if max > 0.0 { points / max * out_of } else { 0.0 };
            let text = match self.lms {
                Lms::Canvas => grade_text(scaled),
                Lms::Moodle => format!("{:.2}", (scaled * 100.0).round() / 100.0),
            };
            let Some(grade) = field(Some(self.grade)) else { continue };
            edits.push((grade.span.clone(), text));
            if let Some(f) = field(self.modified) {
                edits.push((f.span.clone(), moodle_time(now)));
            }
            if let Some(f) = field(self.feedback) {
                // Quoted always: Moodle keeps the feedback as the text between the quotes.
                edits.push((f.span.clone(), format!("\"{}\"", feedback(student.best, out_of).replace('"', "\"\""))));
            }
        }
        for s in students {
            let listed =
                s.best.submitter.as_ref().is_some_and(|w| w.lms == self.lms && self.rows.iter().any(|r| r.id == w.id));
            if !listed {
                let who = s.best.submitter.as_ref().map_or(String::new(), |w| format!("{} ({}), ", w.name, w.id));
                unmatched.not_in_gradebook.push(format!("{who}{}", s.best.file));
            }
        }
        edits.sort_by_key(|(span, _)| span.start);
        let mut out = Vec::with_capacity(self.bytes.len() + edits.len() * 8);
        let mut at = 0;
        for (span, text) in edits {
            out.extend_from_slice(&self.bytes[at..span.start]);
            out.extend_from_slice(text.as_bytes());
            at = span.end;
        }
        out.extend_from_slice(&self.bytes[at..]);
        (out, unmatched)
    }
}

/// Canvas's column for an assignment: its header `<Title> (<id>)`. `--assignment` names it by
/// the whole header, its id, or its title, as Canvas's importer matches a column to an
/// assignment (by the id in the header, else by title); without it, the export's only
/// assignment is taken.
fn canvas_column(header: &[String], assignment: Option<&str>) -> Result<usize, String> {
    let parts = |h: &str| -> Option<(String, String)> {
        let (title, rest) = h.trim().rsplit_once(" (")?;
        let id = rest.strip_suffix(')')?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| (title.trim().to_string(), id.to_string()))
    };
    let columns: Vec<(usize, String, String)> =
        header.iter().enumerate().filter_map(|(k, h)| parts(h).map(|(t, id)| (k, t, id))).collect();
    let names = || columns.iter().map(|(k, ..)| format!("`{}`", header[*k].trim())).collect::<Vec<_>>().join(", ");
    if columns.is_empty() {
        return Err("line 1: no assignment column (`<Title> (<id>)`) in the export; export the gradebook with the assignment in it".into());
    }
    let wanted = match assignment {
        None if columns.len() == 1 => return Ok(columns[0].0),
        None => {
            return Err(format!(
                "line 1: the export has several assignments ({}); choose one with --assignment TITLE",
                names()
            ));
        }
        Some(a) => a.trim(),
    };
    let by =
        |f: &dyn Fn(&(usize, String, String)) -> bool| columns.iter().filter(|c| f(c)).map(|c| c.0).collect::<Vec<_>>();
    let found = [
        by(&|(k, _, _)| header[*k].trim() == wanted),
        by(&|(_, _, id)| id == wanted),
        by(&|(_, t, _)| t == wanted),
        by(&|(_, t, _)| t.to_lowercase() == wanted.to_lowercase()),
    ];
    match found.iter().find(|f| !f.is_empty()).map(Vec::as_slice) {
        Some([one]) => Ok(*one),
        Some(several) => Err(format!(
            "line 1: --assignment {wanted:?} names several columns ({}); give the whole header or the id in it",
            several.iter().map(|k| format!("`{}`", header[*k].trim())).collect::<Vec<_>>().join(", ")
        )),
        None => Err(format!("line 1: no assignment column is titled {wanted:?}; the export has {}", names())),
    }
}

/// A short feedback text for Moodle's `Feedback comments`: the grade, and the mistakes by name.
fn feedback(g: &Graded, out_of: f64) -> String {
    let (points, max) = g.score.unwrap_or_default();
    let scaled = if max > 0.0 { points / max * out_of } else { 0.0 };
    let mut text = format!(
        "Score {} / {} (rubric: {} of {} points).",
        grade_text(scaled),
        grade_text(out_of),
        grade_text(points),
        grade_text(max)
    );
    if g.mistakes.is_empty() {
        text.push_str(" No mistakes found.");
    } else {
        let named: Vec<String> = g.mistakes.iter().map(|k| format!("{} ({})", k.key(), k.meaning())).collect();
        text.push_str(&format!(" Mistakes: {}.", named.join("; ")));
    }
    text
}

/// A moment as Moodle's importer reads it (PHP's `strtotime`): ISO 8601 with its offset, which
/// means the same moment whatever the server's time zone.
fn moodle_time(now: std::time::SystemTime) -> String {
    let secs = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_where_they_lie_quotes_and_line_ends_kept() {
        let text = "\u{feff}a,\"b, \"\"c\"\"\",\r\n\"x\ny\",2\n";
        let got: Vec<Vec<(String, &str)>> = records(text.as_bytes())
            .into_iter()
            .map(|r| r.into_iter().map(|f| (f.value, &text[f.span])).collect())
            .collect();
        assert_eq!(
            got,
            [
                vec![("a".into(), "a"), ("b, \"c\"".into(), "\"b, \"\"c\"\"\""), (String::new(), "")],
                vec![("x\ny".into(), "\"x\ny\""), ("2".into(), "2")],
            ]
        );
    }

    #[test]
    fn canvas_columns_are_matched_by_header_id_or_title() {
        let header: Vec<String> =
            ["Student", "ID", "Section", "Backprop (12)", "Quiz 1 (13)", "quiz 1 (14)", "Current Points"]
                .map(String::from)
                .into();
        assert_eq!(canvas_column(&header, Some("Backprop")), Ok(3));
        assert_eq!(canvas_column(&header, Some("13")), Ok(4));
        assert_eq!(canvas_column(&header, Some("quiz 1 (14)")), Ok(5));
        assert_eq!(canvas_column(&header, Some("Quiz 1")), Ok(4), "the exact title before the case-blind one");
        assert_eq!(
            canvas_column(&header, None),
            Err("line 1: the export has several assignments (`Backprop (12)`, `Quiz 1 (13)`, `quiz 1 (14)`); choose one with --assignment TITLE".into())
        );
        assert_eq!(
            canvas_column(&header, Some("Essay")),
            Err("line 1: no assignment column is titled \"Essay\"; the export has `Backprop (12)`, `Quiz 1 (13)`, `quiz 1 (14)`".into())
        );
        assert_eq!(canvas_column(&header[..4], None), Ok(3));
        let twice: Vec<String> = ["Student", "ID", "Lab (1)", "Lab (2)"].map(String::from).into();
        assert_eq!(
            canvas_column(&twice, Some("Lab")),
            Err("line 1: --assignment \"Lab\" names several columns (`Lab (1)`, `Lab (2)`); give the whole header or the id in it".into())
        );
        assert_eq!(canvas_column(&twice, Some("2")), Ok(3));
    }

    #[test]
    fn moodle_s_time_is_iso_8601_in_utc() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_195_045);
        assert_eq!(moodle_time(at), "2026-12-02T07:04:05+00:00");
        assert_eq!(
            moodle_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00+00:00"
        );
    }
}
