//! Gradescope's autograder contract: what a run finds under its root (`submission/`, the
//! student's files; `submission_metadata.json`, who submitted) and the `results/results.json` it
//! leaves, one test per part of the rubric, so that the student sees each part's points and
//! what to correct on Gradescope's own page.

use serde::Serialize;

use crate::check::Report;
use crate::check::rubric::PartScore;

/// The results file, in the fields Gradescope reads (its "Autograder Specifications").
#[derive(Debug, Serialize)]
pub(crate) struct Results {
    pub score: f64,
    pub output: String,
    pub output_format: &'static str,
    pub visibility: &'static str,
    pub tests: Vec<Test>,
}

/// One test: a part of the rubric.
#[derive(Debug, Serialize)]
pub(crate) struct Test {
    pub name: String,
    pub score: f64,
    pub max_score: f64,
    pub status: &'static str,
    pub output: String,
    pub output_format: &'static str,
    pub visibility: &'static str,
}

/// The names of the students a submission's metadata lists (several for a group), or none
/// when the file is missing or not what Gradescope writes: the grade does not depend on them.
pub(crate) fn users(metadata: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(default)]
        users: Vec<User>,
    }
    #[derive(serde::Deserialize)]
    struct User {
        name: Option<String>,
        id: Option<serde_json::Value>,
    }
    let Ok(read) = serde_json::from_slice::<Metadata>(metadata) else { return Vec::new() };
    read.users
        .into_iter()
        .filter_map(|u| {
            let id = u.id.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
            match (u.name, id) {
                (Some(name), Some(id)) => Some(format!("{name} ({id})")),
                (Some(name), None) => Some(name),
                (None, id) => id,
            }
        })
        .collect()
}

/// Text for Gradescope's Markdown: every character Markdown or HTML would read escaped, so that
/// a sheet name is shown, never rendered.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::sys::ooxml::xml_text(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if "\\`*_{}[]()#+-.!|~".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The results of a submission graded by its best-scoring workbook (`best`, with its file
/// name), the other files it held listed; `none` says why there is no grade when no workbook
/// could be graded.
pub(crate) fn results(
    best: Option<(&str, &Report)>,
    others: &[String],
    users: &[String],
    visibility: &'static str,
    none: &str,
) -> Results {
    let mut output = String::new();
    if !users.is_empty() {
        output.push_str(&format!("Submitted by {}.\n\n", md(&users.join(", "))));
    }
    let Some((file, report)) = best else {
        output.push_str(&format!("No grade: {}\n", md(none)));
        return Results { score: 0.0, output, output_format: "md", visibility, tests: Vec::new() };
    };
    let score = &report.score;
    output.push_str(&format!(
        "**{} of {}** for {}: {}.\n",
        score.points,
        score.max_points,
        md(file),
        md(report.verdict.text())
    ));
    for other in others {
        output.push_str(&format!("\n- also submitted, not graded: {}", md(other)));
    }
    let tests = score.parts.iter().map(|p| test(p, visibility)).collect::<Vec<Test>>();
    // The total is the tests' sum, as Gradescope adds them, to the hundredth the parts are kept.
    let total = (tests.iter().map(|t| t.score).sum::<f64>() * 100.0).round() / 100.0;
    Results { score: total, output, output_format: "md", visibility, tests }
}

fn test(part: &PartScore, visibility: &'static str) -> Test {
    let mut output = String::new();
    if part.deductions.is_empty() {
        output.push_str("Full points.\n");
    }
    for d in &part.deductions {
        output.push_str(&format!("- **−{}**: {}\n", d.points, md(&d.reason)));
        for f in &d.fixes {
            output.push_str(&format!(
                "  - sheet '{}', cell {}: found {}; the formula that belongs there: {}\n",
                md(&f.sheet),
                md(&f.cell),
                md(&f.found),
                md(&f.correct_formula)
            ));
        }
    }
    Test {
        name: part.name.clone(),
        score: part.points,
        max_score: part.max_points,
        status: if part.points >= part.max_points { "passed" } else { "failed" },
        output,
        output_format: "md",
        visibility,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_users_are_read_and_anything_else_is_no_one() {
        let json =
            br#"{"users": [{"email": "j@x.org", "id": 1234, "name": "Jane Roe"}, {"name": "Al"}], "created_at": "x"}"#;
        assert_eq!(users(json), ["Jane Roe (1234)", "Al"]);
        assert_eq!(users(b"not json"), Vec::<String>::new());
        assert_eq!(users(b"{}"), Vec::<String>::new());
    }

    #[test]
    fn markdown_shows_student_text_and_never_renders_it() {
        assert_eq!(md("LR_0.5 <img src=x> [a](b)\n#"), "LR\\_0\\.5 &lt;img src=x&gt; \\[a\\]\\(b\\) \\#");
    }
}
