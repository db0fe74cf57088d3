//! Each submission held to the values issued to its own student: the student found from the
//! LMS name of the file, else the stamp in it, else a name in the file name; the values
//! recomputed from the seed (or read from the key), and every student's values indexed once
//! by their digest, so that a first row holding a classmate's values names the classmate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::Input;
use crate::check::rubric::Rubric;
use crate::check::{Issued, Report, TableReport};
use crate::model::network::Network;
use crate::model::variant::{self, digest_of};
use crate::reader::roster::{Roster, Student};
use crate::sys::names::safe_file_name;

/// Where the students' values come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Drawn from the seed and each student's id, as `template --roster --seed` drew them.
    Seed(u64),
    /// The values the key (`template --key`) lists for each student.
    Key,
}

/// A class's students and the values issued to each.
pub(crate) struct Assignments {
    roster: Roster,
    source: Source,
    by_id: HashMap<String, usize>,
    /// Each student's name (and id with name) as a file name carries it, lower case.
    names: Vec<(String, usize)>,
    /// Every student's digest, by network (a seed's values depend on the network a table
    /// has; the key's do not): built once per network met, shared by the workers.
    digests: Mutex<HashMap<Option<Network>, Arc<Digests>>>,
}

/// Each student's digest, to the student's place in the roster.
type Digests = HashMap<String, usize>;

impl Assignments {
    pub(crate) fn new(roster: Roster, source: Source) -> Assignments {
        let by_id = roster.students.iter().enumerate().map(|(k, s)| (s.id.clone(), k)).collect();
        let mut names = Vec::new();
        for (k, s) in roster.students.iter().enumerate() {
            names.push((normal(&s.who()), k));
            if s.name.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
                names.push((normal(&s.name), k));
            }
        }
        let digests = Mutex::new(HashMap::new());
        Assignments { roster, source, by_id, names, digests }
    }

    /// The student a submission is from: by the LMS id in its file name, else the id stamped in
    /// it, else the one student whose name its file name holds (the longest such name; none
    /// when two students' names fit as well).
    fn student_of(&self, input: &Input, report: &Report) -> Option<usize> {
        let by_id = |id: &str| self.by_id.get(id.trim()).copied();
        if let Some(k) = input.submitter.as_ref().and_then(|s| by_id(&s.id)) {
            return Some(k);
        }
        if let Some(k) = report.stamp.issue.student.as_deref().and_then(by_id) {
            return Some(k);
        }
        let stem = input.relative.file_stem()?.to_string_lossy();
        let stem = normal(&stem);
        let fits: Vec<&(String, usize)> = self.names.iter().filter(|(name, _)| holds(&stem, name)).collect();
        let longest = fits.iter().map(|(name, _)| name.len()).max()?;
        let mut best = fits.iter().filter(|(name, _)| name.len() == longest).map(|(_, k)| *k);
        let first = best.next()?;
        best.all(|k| k == first).then_some(first)
    }

    /// Holds a checked submission to its student's values: `other-inputs` where its first row
    /// differs, and a note that nothing was held where its student cannot be found.
    pub(crate) fn hold(&self, input: &Input, report: &mut Report, rubric: &Rubric) {
        let Some(k) = self.student_of(input, report) else {
            return report.not_held(&format!(
                "the initial values: no student of {} is named by this file's name or its stamp, so its values are held to nobody's; name the file `<id> <name>.xlsx` or as the LMS downloads it",
                self.roster.file.display()
            ));
        };
        let student = &self.roster.students[k];
        let values = self.values(student, report);
        let value = |name: &str| values.get(name).copied();
        let to = describe(student);
        let whose = |table: &TableReport| {
            let cells: Option<Vec<(String, f64)>> =
                table.first_row.iter().map(|(c, _, v)| v.map(|v| (c.name(), v))).collect();
            let found = self.index(table.columns.network).get(&digest_of(cells?)).copied()?;
            (found != k).then(|| describe(&self.roster.students[found]))
        };
        report.hold_to(&Issued { to: &to, value: &value, whose: None }, whose);
        report.score = rubric.score(&report.tables);
    }

    /// The values issued to a student, by name: for a seed, as drawn for each network the
    /// submission's tables have.
    fn values(&self, student: &Student, report: &Report) -> HashMap<String, f64> {
        match self.source {
            Source::Key => student.issued.iter().cloned().collect(),
            Source::Seed(seed) => {
                let mut values = HashMap::new();
                for table in &report.tables {
                    let inputs = variant::draw(table.columns.network, seed, &student.id);
                    values.extend(table.columns.typed().map(|c| (c.name(), inputs.get(c))));
                }
                values
            }
        }
    }

    /// Every student's digest, for the first rows of `network`.
    fn index(&self, network: Network) -> Arc<Digests> {
        let key = matches!(self.source, Source::Seed(_)).then_some(network);
        let mut digests = self.digests.lock().unwrap_or_else(|e| e.into_inner());
        let students = &self.roster.students;
        let build = || {
            let digest = |s: &Student| match self.source {
                Source::Key => digest_of(s.issued.iter().map(|(n, v)| (n.as_str(), *v))),
                Source::Seed(seed) => variant::digest(&variant::draw(network, seed, &s.id)),
            };
            Arc::new(students.iter().enumerate().map(|(k, s)| (digest(s), k)).collect())
        };
        digests.entry(key).or_insert_with(build).clone()
    }
}

/// A student as a finding names them: `student 123 (Jane Roe)`.
fn describe(student: &Student) -> String {
    if student.name.is_empty() {
        format!("student {}", student.id)
    } else {
        format!("student {} ({})", student.id, student.name)
    }
}

/// Whether `name` stands in `stem` as words of its own: not inside a longer word, so that Ann
/// Lee is not found in Joann Lee.
fn holds(stem: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    stem.match_indices(name)
        .any(|(at, _)| !word(stem[..at].chars().last()) && !word(stem[at + name.len()..].chars().next()))
}

/// Text as a file name made from it holds it, for comparing names: made safe, lower case.
fn normal(text: &str) -> String {
    safe_file_name(text).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn assignments() -> Assignments {
        let text = "id,name\n101,\"Roe, Jane\"\n102,Ann Lee\n103,Al\n104,Ann Leeds\n";
        Assignments::new(Roster::parse(Path::new("roster.csv"), text.as_bytes()).unwrap(), Source::Seed(7))
    }

    fn input(relative: &str) -> Input {
        let relative = PathBuf::from(relative);
        let submitter = super::super::submitter::Submitter::of(&relative);
        Input { path: relative.clone(), relative, unreadable: None, submitter, source: crate::class::Source::File }
    }

    #[test]
    fn a_submission_is_matched_by_its_lms_id_then_its_stamp_then_a_name_in_its_file_name() {
        let a = assignments();
        let mut report = Report::new("x".into(), None, Vec::new(), Rubric::standard().score(&[]));
        let id =
            |name: &str, report: &Report| a.student_of(&input(name), report).map(|k| a.roster.students[k].id.clone());
        assert_eq!(id("leeann_102_9_anything.xlsx", &report).as_deref(), Some("102"));
        assert_eq!(id("101 Roe, Jane.xlsx", &report).as_deref(), Some("101"));
        assert_eq!(id("final-roe, jane (2).xlsx", &report).as_deref(), Some("101"));
        assert_eq!(id("ann leeds.xlsx", &report).as_deref(), Some("104"), "the longest name that fits");
        assert_eq!(id("joann lee.xlsx", &report), None, "a name is found as words of its own");
        assert_eq!(id("homework.xlsx", &report), None);
        assert_eq!(id("al.xlsx", &report), None, "a name of fewer than three letters is too short to tell");
        report.stamp.issue.student = Some("103".into());
        assert_eq!(id("homework.xlsx", &report).as_deref(), Some("103"));
        assert_eq!(id("leeann_102_9_anything.xlsx", &report).as_deref(), Some("102"), "the LMS name first");
    }
}
