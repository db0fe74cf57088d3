//! A grade as the outputs show it: the score, its parts, and each deduction with its reason and
//! the cells to correct. Kept apart from the rubric that computes it, so that a report can hold
//! a grade without knowing how it was given.

use serde::Serialize;

/// The points a part lost, and why: the reason in words, and where to correct it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deduction {
    pub points: f64,
    pub reason: String,
    /// The first wrong cell of each column the mistake is in, with the formula that belongs there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
}

/// A cell to correct: where, what it shows, and the formula that belongs there in the sheet's own
/// references.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fix {
    pub sheet: String,
    pub cell: String,
    pub found: String,
    pub correct_formula: String,
}

/// One part's score: named `score` and `max_score` in JSON, as graders name them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartScore {
    pub name: String,
    #[serde(rename = "score")]
    pub points: f64,
    #[serde(rename = "max_score")]
    pub max_points: f64,
    pub deductions: Vec<Deduction>,
}

/// A workbook's score by a rubric: the sum of its parts'.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    #[serde(rename = "score")]
    pub points: f64,
    #[serde(rename = "max_score")]
    pub max_points: f64,
    pub parts: Vec<PartScore>,
}
