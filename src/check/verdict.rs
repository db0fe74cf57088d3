//! What a check concludes, as types: a table's or a workbook's [`Verdict`], and the [`Key`] of
//! each diagnosis (a known mistake, or something read from the sheet itself).

use serde::{Serialize, Serializer};

use crate::model::mistakes::Mistake;

/// A table's, a workbook's or a class line's conclusion. A PASS is earned: every column of the
/// network found and every cell after the first row checked and right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Only the typed first row: no computed cell to check yet.
    NothingToCheck,
    /// Right as far as it goes, but something could not be checked: a column missing, empty
    /// cells, a cell whose operands are missing, η unknown.
    Incomplete,
    Fail,
    /// The file could not be used at all.
    Unusable,
}

impl Verdict {
    pub const ALL: [Verdict; 5] =
        [Verdict::Pass, Verdict::Fail, Verdict::Incomplete, Verdict::NothingToCheck, Verdict::Unusable];

    /// As the report and the class lines print it.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::NothingToCheck => "NOTHING TO CHECK",
            Verdict::Incomplete => "INCOMPLETE",
            Verdict::Fail => "FAIL",
            Verdict::Unusable => "UNUSABLE",
        }
    }

    /// The exit code of a run with this verdict: 0 when nothing is wrong, 1 when something is
    /// wrong or unchecked, 2 when a file cannot be used.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass | Verdict::NothingToCheck => 0,
            Verdict::Incomplete | Verdict::Fail => 1,
            Verdict::Unusable => 2,
        }
    }

    /// The verdict of several parts taken together: the worst of them, where a part with
    /// nothing to check yet does not spoil the others' PASS.
    pub fn of_all(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut all = verdicts.into_iter().peekable();
        if all.peek().is_none() {
            return Verdict::NothingToCheck;
        }
        all.fold(Verdict::NothingToCheck, |worst, v| match (worst, v) {
            (Verdict::NothingToCheck, v) | (v, Verdict::NothingToCheck) => v,
            (a, b) => a.max(b),
        })
    }
}

impl std::fmt::Display for Verdict {
    /// Padded when a width is given: the class lines align their verdicts.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.text())
    }
}

/// What a diagnosis names: a mistake of the catalogue, or something read from the sheet itself.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    Mistake(&'static Mistake),
    Sheet(SheetKey),
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Key {}

impl Key {
    /// The short name scripts read (`--json`): stable.
    pub fn key(self) -> &'static str {
        match self {
            Key::Mistake(m) => m.key,
            Key::Sheet(k) => k.key(),
        }
    }

    /// What it means, in a sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Key::Mistake(m) => m.what,
            Key::Sheet(k) => k.meaning(),
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// The diagnoses read from the sheet itself rather than from the catalogue of mistakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetKey {
    RelativeEta,
    NumberForEta,
    WrongReference,
    WrongRow,
    NumberForReference,
    OtherColumnFormula,
    DeletedReference,
    ErrorInFormula,
    MissingIteration,
    TypedValue,
    NotANumber,
    UnreadableFormula,
    OtherInputs,
    Unknown,
}

impl SheetKey {
    /// In the order the README's table lists them.
    pub const ALL: [SheetKey; 14] = [
        SheetKey::RelativeEta,
        SheetKey::NumberForEta,
        SheetKey::WrongReference,
        SheetKey::WrongRow,
        SheetKey::NumberForReference,
        SheetKey::OtherColumnFormula,
        SheetKey::DeletedReference,
        SheetKey::ErrorInFormula,
        SheetKey::MissingIteration,
        SheetKey::TypedValue,
        SheetKey::NotANumber,
        SheetKey::UnreadableFormula,
        SheetKey::OtherInputs,
        SheetKey::Unknown,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SheetKey::RelativeEta => "relative-eta",
            SheetKey::NumberForEta => "number-for-eta",
            SheetKey::WrongReference => "wrong-reference",
            SheetKey::WrongRow => "wrong-row",
            SheetKey::NumberForReference => "number-for-reference",
            SheetKey::OtherColumnFormula => "other-column-formula",
            SheetKey::DeletedReference => "deleted-reference",
            SheetKey::ErrorInFormula => "error-in-formula",
            SheetKey::MissingIteration => "missing-iteration",
            SheetKey::TypedValue => "typed-value",
            SheetKey::NotANumber => "not-a-number",
            SheetKey::UnreadableFormula => "unreadable-formula",
            SheetKey::OtherInputs => "other-inputs",
            SheetKey::Unknown => "unknown",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            SheetKey::RelativeEta => {
                "an update whose η reference slid off the η cell when filled down without `$` (names the cell it reads instead: the header, an empty cell, a cell of the table)"
            }
            SheetKey::NumberForEta => "a number typed in the formula where the η cell belongs",
            SheetKey::WrongReference => "one operand where another belongs (`h2 where h1 belongs`)",
            SheetKey::WrongRow => "the right column read from another row (`reads w5 of 2 rows up (N6)`)",
            SheetKey::NumberForReference => "a number typed in the formula where a cell belongs",
            SheetKey::OtherColumnFormula => "another column's formula copied into this one",
            SheetKey::DeletedReference => "the formula reads `#REF!`: a row or column it used was deleted",
            SheetKey::ErrorInFormula => "an error value other than `#REF!` written into the formula",
            SheetKey::MissingIteration => {
                "in a table of values, a row's weights two updates on from the row above: a row was deleted"
            }
            SheetKey::TypedValue => "a number typed where a formula belongs, with what it should have rounded to",
            SheetKey::NotANumber => "text or an error where a typed input belongs",
            SheetKey::UnreadableFormula => "a formula this reader cannot parse, with the reason",
            SheetKey::OtherInputs => {
                "with `--roster`: the first row holds values other than those issued to the student (another student's, named, or the cells that differ)"
            }
            SheetKey::Unknown => "no known mistake and no single swapped operand explains it: both formulas are shown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_verdict_wins_but_nothing_to_check_spoils_nothing() {
        use Verdict::*;
        assert_eq!(Verdict::of_all([Pass, NothingToCheck]), Pass);
        assert_eq!(Verdict::of_all([NothingToCheck, NothingToCheck]), NothingToCheck);
        assert_eq!(Verdict::of_all([Pass, Incomplete]), Incomplete);
        assert_eq!(Verdict::of_all([Incomplete, Fail, Pass]), Fail);
        assert_eq!(Verdict::of_all([Fail, Unusable]), Unusable);
        assert_eq!(Verdict::of_all([]), NothingToCheck);
        let codes: Vec<u8> = Verdict::ALL.iter().map(|v| v.exit_code()).collect();
        assert_eq!(codes, [0, 1, 1, 0, 2]);
    }

    #[test]
    fn keys_are_the_names_scripts_read() {
        let keys: Vec<&str> = SheetKey::ALL.iter().map(|k| k.key()).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(keys.len(), unique.len());
        let json = serde_json::to_string(&[Key::Sheet(SheetKey::TypedValue)]).unwrap();
        assert_eq!(json, r#"["typed-value"]"#);
    }
}
