//! The class's roster: who the students are, read from a CSV by its header. A plain roster
//! (`id`, `name`, `email`), the key `template --key` writes (the same columns first), Canvas's
//! gradebook export (`Student`, `ID`, ... and its `Points Possible` row) and Moodle's grading
//! worksheet (`Identifier` = `Participant <id>`, `Full name`, `Email address`) all read as one.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// One student of the roster, with the line of the file they were read from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Student {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) line: u64,
    /// The values issued to the student, by name, when the roster is the key `template --key`
    /// writes (its columns after `values`); empty in any other roster.
    pub(crate) issued: Vec<(String, f64)>,
}

impl Student {
    /// The student as their template's name and a report name them: the id, and the name when
    /// there is one.
    pub(crate) fn who(&self) -> String {
        if self.name.is_empty() { self.id.clone() } else { format!("{} {}", self.id, self.name) }
    }
}

/// A roster's students in the file's order, their ids unique and never empty.
#[derive(Clone, Debug)]
pub(crate) struct Roster {
    pub(crate) file: PathBuf,
    pub(crate) students: Vec<Student>,
}

/// The kinds of file a roster can be, told apart by their headers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Plain,
    Canvas,
    Moodle,
}

/// Where a kind keeps the id, the name and the email, by header (case and surrounding spaces
/// ignored); Canvas's export has no email.
fn columns(kind: Kind) -> [Option<&'static str>; 3] {
    match kind {
        Kind::Plain => [Some("id"), Some("name"), Some("email")],
        Kind::Canvas => [Some("id"), Some("student"), None],
        Kind::Moodle => [Some("identifier"), Some("full name"), Some("email address")],
    }
}

impl Roster {
    pub(crate) fn read(path: &Path) -> Result<Roster, Error> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { file: path.to_path_buf() },
            _ => Error::Unreadable { file: path.to_path_buf(), detail: crate::error::io_reason(&e) },
        })?;
        Roster::parse(path, &bytes)
    }

    /// Reads a roster from the bytes of a CSV file named `file`.
    pub(crate) fn parse(file: &Path, bytes: &[u8]) -> Result<Roster, Error> {
        let content = |what: String| Error::Content { file: file.to_path_buf(), what };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let unreadable = |e: csv::Error| {
            let line = e.position().map_or(String::new(), |p| format!("line {}: ", p.line()));
            content(format!("{line}not UTF-8 text; save the roster as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"))
        };
        let raw: Vec<String> = csv.headers().map_err(unreadable)?.iter().map(|h| h.trim().to_string()).collect();
        let header: Vec<String> = raw.iter().map(|h| h.to_lowercase()).collect();
        let find = |name: Option<&str>| header.iter().position(|h| Some(h.as_str()) == name);
        let kind = kind_of(&header).ok_or_else(|| {
                content(
                    "line 1: no `id` column. A roster's header names its columns: `id` (required), `name`, `email`; \
                     Canvas's gradebook export (`Student`, `ID`) and Moodle's grading worksheet (`Identifier`, `Full name`) are read as they are"
                        .into(),
                )
            })?;
        let [id, name, email] = columns(kind).map(find);

        let id = id.expect("a kind is found by its id column");
        // The key's values: every column after `values`, named as the network names them.
        let values = match (kind, header.iter().position(|h| h == "values"), find(Some("seed"))) {
            (Kind::Plain, Some(at), Some(_)) => (at + 1..raw.len()).map(|k| (k, raw[k].clone())).collect(),
            _ => Vec::new(),
        };
        let mut students = Vec::new();
        for record in csv.records() {
            let record = record.map_err(unreadable)?;
            let line = record.position().map_or(0, |p| p.line());
            let field =
                |at: Option<usize>| at.and_then(|k| record.get(k)).map(|s| unescape(s.trim())).unwrap_or_default();
            if record.iter().all(|f| f.trim().is_empty())
                || kind == Kind::Canvas && field(name).trim_start().starts_with("Points Possible")
            {
                continue;
            }
            let mut issued = Vec::with_capacity(values.len());
            for (k, value_name) in &values {
                let text = field(Some(*k));
                let value = text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    content(format!(
                        "line {line}: `{value_name}` is `{}`, not a number; the key's values are the numbers `template --key` wrote",
                        text.chars().take(40).collect::<String>()
                    ))
                })?;
                issued.push((value_name.clone(), value));
            }
            let mut student = Student { id: field(Some(id)), name: field(name), email: field(email), line, issued };
            if kind == Kind::Moodle {
                student.id = student.id.strip_prefix("Participant ").unwrap_or(&student.id).trim().to_string();
            }
            if student.id.is_empty() {
                return Err(content(format!("line {line}: the id is empty; every student needs one")));
            }
            students.push(student);
        }
        if students.is_empty() {
            return Err(content("no students: the roster has a header and no rows under it".into()));
        }
        duplicates(&students).map_or(Ok(()), |what| Err(content(what)))?;
        Ok(Roster { file: file.to_path_buf(), students })
    }
}

/// What a CSV file is, by its header (trimmed, lower case): Canvas's and Moodle's files by their
/// id and name columns; any other by its `id`.
pub(crate) fn kind_of(header: &[String]) -> Option<Kind> {
    let find = |name: Option<&str>| header.iter().position(|h| Some(h.as_str()) == name);
    [Kind::Moodle, Kind::Canvas, Kind::Plain]
        .into_iter()
        .find(|&k| columns(k)[..2].iter().all(|&c| find(c).is_some()) || k == Kind::Plain && find(Some("id")).is_some())
}

/// The first id given to more than one student, with every line that gives it.
fn duplicates(students: &[Student]) -> Option<String> {
    let mut lines: std::collections::HashMap<&str, Vec<u64>> = std::collections::HashMap::new();
    for s in students {
        lines.entry(&s.id).or_default().push(s.line);
    }
    let first = students.iter().find(|s| lines[s.id.as_str()].len() > 1)?;
    let at: Vec<String> = lines[first.id.as_str()].iter().map(u64::to_string).collect();
    Some(format!("lines {} give the same id `{}`; every student needs their own", at.join(", "), first.id))
}

/// Whether a CSV field, opened in a spreadsheet, would be read as a formula.
fn evaluates(field: &str) -> bool {
    field.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A field of student text as a CSV holds it: one a spreadsheet would evaluate is prefixed with
/// `'`, which the spreadsheet shows as text and [`Roster::parse`] takes off again.
pub(crate) fn escape(field: &str) -> String {
    if evaluates(field) { format!("'{field}") } else { field.to_string() }
}

fn unescape(field: &str) -> String {
    match field.strip_prefix('\'') {
        Some(rest) if evaluates(rest) => rest.to_string(),
        _ => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<(String, String, String)>, String> {
        Roster::parse(Path::new("roster.csv"), text.as_bytes())
            .map(|r| r.students.into_iter().map(|s| (s.id, s.name, s.email)).collect())
            .map_err(|e| e.to_string())
    }

    fn triple(id: &str, name: &str, email: &str) -> (String, String, String) {
        (id.into(), name.into(), email.into())
    }

    #[test]
    fn a_plain_roster_is_read_by_its_header_in_any_order() {
        let got = parse("\u{feff}Email, Name ,ID\njane@u.edu,\"Roe, Jane\",123\n,Ann,  a-7 \n\n").unwrap();
        assert_eq!(got, [triple("123", "Roe, Jane", "jane@u.edu"), triple("a-7", "Ann", "")]);
        assert_eq!(parse("id\n42\n").unwrap(), [triple("42", "", "")]);
    }

    #[test]
    fn canvas_s_gradebook_export_is_a_roster_without_its_points_possible_row() {
        let text = "Student,ID,SIS User ID,SIS Login ID,Section,Backprop (1234)\n\
                    \"    Points Possible\",,,,,10\n\
                    \"Roe, Jane\",1001,s1,jroe,Sec 1,\n\
                    \"Doe, John\",1002,s2,jdoe,Sec 1,7\n";
        assert_eq!(parse(text).unwrap(), [triple("1001", "Roe, Jane", ""), triple("1002", "Doe, John", "")]);
    }

    #[test]
    fn moodle_s_grading_worksheet_is_a_roster_of_its_participant_ids() {
        let text = "Identifier,Full name,Email address,Status,Grade,Maximum Grade\n\
                    Participant 17,Jane Roe,jane@u.edu,Submitted,,10\n\
                    Participant 18,John Doe,john@u.edu,No submission,,10\n";
        assert_eq!(
            parse(text).unwrap(),
            [triple("17", "Jane Roe", "jane@u.edu"), triple("18", "John Doe", "john@u.edu")]
        );
    }

    #[test]
    fn the_key_is_a_roster_with_each_student_s_issued_values() {
        let text = "id,name,email,seed,values,t1,i1,w1\ns1,Ann,,7,00ff,0.5,0.25,0.1\n";
        let roster = Roster::parse(Path::new("key.csv"), text.as_bytes()).unwrap();
        let issued: Vec<(String, f64)> = vec![("t1".into(), 0.5), ("i1".into(), 0.25), ("w1".into(), 0.1)];
        assert_eq!(roster.students[0].issued, issued);
        let plain = Roster::parse(Path::new("r.csv"), b"id,name,values,w1\ns1,Ann,x,y\n").unwrap();
        assert!(plain.students[0].issued.is_empty(), "a roster without the key's seed column holds no values");
        let bad = Roster::parse(Path::new("key.csv"), b"id,seed,values,w1\ns1,7,00ff,=1\n").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "key.csv: line 2: `w1` is `=1`, not a number; the key's values are the numbers `template --key` wrote."
        );
    }

    #[test]
    fn duplicate_and_empty_ids_are_refused_naming_the_lines() {
        assert_eq!(
            parse("id,name\n1,a\n2,b\n1,c\n3,d\n2,e\n"),
            Err("roster.csv: lines 2, 4 give the same id `1`; every student needs their own.".into())
        );
        assert_eq!(
            parse("id,name\n1,a\n ,b\n"),
            Err("roster.csv: line 3: the id is empty; every student needs one.".into())
        );
        assert_eq!(
            parse("name,email\na,b\n").unwrap_err(),
            "roster.csv: line 1: no `id` column. A roster's header names its columns: `id` (required), `name`, `email`; \
             Canvas's gradebook export (`Student`, `ID`) and Moodle's grading worksheet (`Identifier`, `Full name`) are read as they are."
        );
        assert_eq!(
            parse("id,name\n"),
            Err("roster.csv: no students: the roster has a header and no rows under it.".into())
        );
        let latin1 = Roster::parse(Path::new("roster.csv"), b"id,name\n1,Ren\xe9\n").unwrap_err();
        assert_eq!(
            latin1.to_string(),
            "roster.csv: line 2: not UTF-8 text; save the roster as CSV UTF-8 (in Excel: Save As, CSV UTF-8)."
        );
    }

    #[test]
    fn student_text_a_spreadsheet_would_evaluate_is_escaped_and_read_back() {
        for text in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(escape(text), format!("'{text}"));
            assert_eq!(unescape(&escape(text)), text);
        }
        for text in ["Jane", "'quoted", "1-2", ""] {
            assert_eq!(escape(text), text);
            assert_eq!(unescape(text), text);
        }
    }
}
