//! Who handed a workbook in, read from the name the course's LMS gave it when the teacher
//! downloaded the submissions. The LMS puts the student's id in every name so that its own
//! uploads can find the student again; reading it here lets a class run key its grades, its
//! feedback and its roster checks by student rather than by file.
//!
//! Canvas ("Download Submissions"): `sortablename[_LATE]_<user id>_<attachment id>_<original>`,
//! the sortable name lower case without spaces (`roejane`). Moodle ("Download all submissions"):
//! `<Full Name>_<participant id>_assignsubmission_file_/<original>` with one folder per student,
//! or `<Full Name>_<participant id>_assignsubmission_file_<original>` flat. Any other name is a
//! file of its own, its student unknown.

use std::path::{Component, Path};

use serde::Serialize;

/// The LMS whose naming a submission's path follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Lms {
    Canvas,
    Moodle,
}

/// The student a submission's name names, as the LMS spelled them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Submitter {
    pub(crate) lms: Lms,
    /// Canvas's sortable name (`roejane`) or Moodle's full name (`Jane Roe`).
    pub(crate) name: String,
    /// Canvas's user id, or Moodle's participant id (the `Participant <id>` of its worksheet).
    pub(crate) id: String,
    /// Canvas marks a submission after the due date in its name; Moodle does not.
    pub(crate) late: bool,
    /// The name the student's own file had.
    pub(crate) original: String,
}

/// Moodle's marker between the student and the file.
const MOODLE_FILE: &str = "_assignsubmission_file_";

impl Submitter {
    /// The student that the path of a submission (relative to what was given) names, if its
    /// file name, or for Moodle's folders the folder holding it, follows an LMS's naming.
    pub(crate) fn of(relative: &Path) -> Option<Submitter> {
        let mut parts = relative.components().rev().filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        });
        let file = parts.next()?;
        if let Some(folder) = parts.next()
            && let Some(student) = folder.strip_suffix(MOODLE_FILE)
            && let Some(found) = moodle(student, file)
        {
            return Some(found);
        }
        if let Some((student, original)) = file.split_once(MOODLE_FILE) {
            return moodle(student, original);
        }
        canvas(file)
    }
}

impl Submitter {
    /// The student as a class line shows them: `Jane Roe (1234567)`, `roejane (123, LATE)`.
    pub(crate) fn label(&self) -> String {
        format!("{} ({}{})", self.name, self.id, if self.late { ", LATE" } else { "" })
    }
}

/// `<Full Name>_<participant id>` and the original name.
fn moodle(student: &str, original: &str) -> Option<Submitter> {
    let (name, id) = student.rsplit_once('_')?;
    (is_id(id) && !name.trim().is_empty() && !original.is_empty()).then(|| Submitter {
        lms: Lms::Moodle,
        name: name.to_string(),
        id: id.to_string(),
        late: false,
        original: original.to_string(),
    })
}

/// `sortablename[_LATE]_<user id>_<attachment id>_<original>`.
fn canvas(file: &str) -> Option<Submitter> {
    let (name, rest) = file.split_once('_')?;
    let (late, rest) = match rest.strip_prefix("LATE_") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let mut fields = rest.splitn(3, '_');
    let (id, attachment, original) = (fields.next()?, fields.next()?, fields.next()?);
    let sortable = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase());
    (sortable && is_id(id) && is_id(attachment) && !original.is_empty()).then(|| Submitter {
        lms: Lms::Canvas,
        name: name.to_string(),
        id: id.to_string(),
        late,
        original: original.to_string(),
    })
}

fn is_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(path: &str) -> Option<(Lms, String, String, bool, String)> {
        Submitter::of(Path::new(path)).map(|s| (s.lms, s.name, s.id, s.late, s.original))
    }

    fn who(lms: Lms, name: &str, id: &str, late: bool, original: &str) -> Option<(Lms, String, String, bool, String)> {
        Some((lms, name.into(), id.into(), late, original.into()))
    }

    #[test]
    fn canvas_names_give_the_sortable_name_the_user_id_and_late() {
        assert_eq!(of("roejane_123_4567_BackProp.xlsx"), who(Lms::Canvas, "roejane", "123", false, "BackProp.xlsx"));
        assert_eq!(
            of("sub/roejane_LATE_123_4567_Back_Prop-1.xlsx"),
            who(Lms::Canvas, "roejane", "123", true, "Back_Prop-1.xlsx"),
            "the original keeps its own underscores and Canvas's resubmission suffix"
        );
        assert_eq!(of("Roe_Jane_123_4567.xlsx"), None, "a sortable name is lower case, and the original is there");
        assert_eq!(of("roejane_12a_4567_x.xlsx"), None);
        assert_eq!(of("homework_2_final.xlsx"), None);
    }

    #[test]
    fn moodle_names_give_the_full_name_and_participant_id_in_folders_and_flat() {
        let expected = who(Lms::Moodle, "Jane Roe", "1234567", false, "BackPropagation.xlsx");
        assert_eq!(of("Jane Roe_1234567_assignsubmission_file_/BackPropagation.xlsx"), expected);
        assert_eq!(of("dl/Jane Roe_1234567_assignsubmission_file_BackPropagation.xlsx"), expected);
        assert_eq!(
            of("Anne_Marie Lee_77_assignsubmission_file_/x.xlsx"),
            who(Lms::Moodle, "Anne_Marie Lee", "77", false, "x.xlsx"),
            "the id is the last field before the marker"
        );
        assert_eq!(of("Jane Roe_assignsubmission_file_/x.xlsx"), None, "no participant id");
    }

    #[test]
    fn other_names_name_nobody() {
        for path in ["x.xlsx", "anna.xlsx", "late/x.xlsx", "_1_2_x.xlsx", ""] {
            assert_eq!(of(path), None, "{path}");
        }
    }
}
