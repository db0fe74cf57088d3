//! The copy report: pairs of submissions and the evidence that ties them, strongest first.
//!
//! Each workbook's evidence is gathered on the worker that checked it, kept small (a digest,
//! a few ids, the first cell of each wrong finding), and joined at the end through an index
//! from each piece of evidence to the submissions that show it: files are never compared two
//! by two, so a class of a thousand costs a thousand gatherings and one pass over the index.
//! Only what is rare ties two submissions: a mistake half the class makes, or the creation time
//! `template` wrote into every variant, is no lead; correct tables, alike by construction,
//! give no evidence at all.

use std::collections::HashMap;
use std::io::{Seek, Write};

use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use sha2::{Digest, Sha256};

use super::Input;
use crate::check::{Key, Report, SheetKey};
use crate::error::Failure;
use crate::reader::roster::escape;

/// The most submissions a mistake, an id or a rounding may be shared by and still tie them: a
/// few in the class, not a habit of many.
pub(crate) const FEW: usize = 3;

/// The most pieces of each kind kept of one workbook: the first findings say who wrote it.
const KEPT: usize = 16;

/// The most characters of a piece kept: enough to tell one formula or id from another, and
/// the report's cells stay far within what a cell holds.
const PIECE: usize = 400;

/// What ties two submissions, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Identical,
    Stamp,
    DocumentId,
    WrongFormula,
    WrongValue,
    TypedRounding,
}

impl Kind {
    fn text(self) -> &'static str {
        match self {
            Kind::Identical => "byte-identical files",
            Kind::Stamp => "the same stamp",
            Kind::DocumentId => "the same document id",
            Kind::WrongFormula => "the same rare wrong formula",
            Kind::WrongValue => "the same rare wrong value",
            Kind::TypedRounding => "the same typed rounding",
        }
    }

    /// Whether evidence of this kind ties submissions however many share it: one file, or
    /// one student's template, in several hands is a lead however often it happens.
    fn always(self) -> bool {
        matches!(self, Kind::Identical | Kind::Stamp)
    }
}

/// One workbook's evidence: each piece its kind and what it is, the text being the index key.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    pieces: Vec<(Kind, String)>,
}

impl Evidence {
    /// Gathers a checked workbook's evidence from its bytes (read again: the checker has let
    /// them go) and its report. A file that cannot be read again gives what the report gives.
    pub(crate) fn gather(input: &Input, report: &Report) -> Evidence {
        let mut pieces = Vec::new();
        if let Ok(bytes) = std::fs::read(&input.path) {
            let digest: String = Sha256::digest(&bytes)[..8].iter().map(|b| format!("{b:02x}")).collect();
            pieces.push((Kind::Identical, format!("SHA-256 {digest}…")));
            let ids = crate::reader::origin::ids(&bytes);
            let created = ids.iter().find(|(what, _)| what.ends_with(" created")).map(|(_, v)| v.clone());
            for (what, value) in ids.into_iter().take(KEPT) {
                // A variant's times are when `template` or `generate` wrote it, the same for
                // the whole class within a second or two: the student's own start is not there.
                let written_here = report.stamp.values.is_some()
                    && (what.ends_with(" created") || what.ends_with(" modified") && Some(&value) == created.as_ref());
                if !written_here {
                    pieces.push((Kind::DocumentId, format!("{what} `{value}`")));
                }
            }
        }
        if let Some(student) = &report.stamp.issue.student {
            pieces.push((Kind::Stamp, format!("the stamp of the template issued to student {student}")));
        }
        let other_inputs = |keys: &[Key]| keys.contains(&Key::Sheet(SheetKey::OtherInputs));
        for table in &report.tables {
            let findings = table.wrong_columns.iter().filter(|w| !other_inputs(&w.diagnosis.mistakes)).take(KEPT);
            for finding in findings {
                if let Some(formula) = &finding.formula_found {
                    pieces.push((Kind::WrongFormula, format!("{}: `{formula}`", finding.column)));
                }
                pieces.push((
                    Kind::WrongValue,
                    format!("'{}'!{}: {} ({})", table.sheet, finding.first_wrong_cell, finding.found, finding.column),
                ));
            }
            for (at, value) in &table.typed_numbers {
                pieces.push((Kind::TypedRounding, format!("'{}'!{}: {value} typed", table.sheet, at.a1())));
            }
        }
        for (_, text) in &mut pieces {
            if text.chars().count() > PIECE {
                *text = format!("{}…", text.chars().take(PIECE).collect::<String>());
            }
        }
        pieces.sort();
        pieces.dedup();
        Evidence { pieces }
    }
}

/// One piece of evidence two submissions share, and how many in the class share it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lead {
    pub kind: Kind,
    pub what: String,
    pub shared_by: usize,
}

/// Two submissions (by their files) and every lead that ties them, strongest first.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pair {
    pub first: String,
    pub second: String,
    pub leads: Vec<Lead>,
}

/// The pairs of a class, strongest first, and how many submissions there were.
#[derive(Debug, Default)]
pub(crate) struct Copies {
    pub pairs: Vec<Pair>,
    pub submissions: usize,
}

impl Copies {
    /// Joins the class's evidence, each workbook's file beside it: an index from each piece
    /// to the submissions showing it, then the pairs within each piece shared rarely enough.
    pub(crate) fn of(class: &[(String, Evidence)]) -> Copies {
        let mut index: HashMap<&(Kind, String), Vec<usize>> = HashMap::new();
        for (k, (_, evidence)) in class.iter().enumerate() {
            for piece in &evidence.pieces {
                index.entry(piece).or_default().push(k);
            }
        }
        let mut pairs: HashMap<(usize, usize), Vec<Lead>> = HashMap::new();
        for ((kind, what), holders) in index {
            if holders.len() < 2 || !kind.always() && holders.len() > FEW {
                continue;
            }
            for (i, &a) in holders.iter().enumerate() {
                for &b in &holders[i + 1..] {
                    let lead = Lead { kind: *kind, what: what.clone(), shared_by: holders.len() };
                    pairs.entry((a, b)).or_default().push(lead);
                }
            }
        }
        let mut pairs: Vec<((usize, usize), Vec<Lead>)> = pairs.into_iter().collect();
        for (_, leads) in &mut pairs {
            leads.sort_by(|x, y| (x.kind, &x.what).cmp(&(y.kind, &y.what)));
        }
        pairs.sort_by(|(p, x), (q, y)| {
            (x[0].kind, std::cmp::Reverse(x.len()), p).cmp(&(y[0].kind, std::cmp::Reverse(y.len()), q))
        });
        let pairs = pairs
            .into_iter()
            .map(|((a, b), leads)| Pair { first: class[a].0.clone(), second: class[b].0.clone(), leads })
            .collect();
        Copies { pairs, submissions: class.len() }
    }

    /// Each lead as a row: the pair's rank, its two files, what kind of lead, the evidence,
    /// and how common it is.
    fn rows(&self) -> impl Iterator<Item = [String; 6]> + '_ {
        self.pairs.iter().enumerate().flat_map(move |(k, pair)| {
            pair.leads.iter().map(move |lead| {
                [
                    (k + 1).to_string(),
                    pair.first.clone(),
                    pair.second.clone(),
                    lead.kind.text().to_string(),
                    lead.what.clone(),
                    format!("{} of {} submissions", lead.shared_by, self.submissions),
                ]
            })
        })
    }
}

/// What every copy report says first: what a lead is worth.
pub(crate) const CAVEAT: &str = "A lead is a reason for a conversation with the students, not proof of copying: \
     each says what two submissions share and how many in the class share it.";

const COLUMNS: [&str; 6] = ["pair", "submission", "other submission", "lead", "evidence", "shared by"];

/// The copy report as CSV: the caveat in the header of its first column, then a row per lead.
/// Every field a student could have chosen is made inert by OWASP's rule, as in the summary
/// and the key.
pub(crate) fn write_csv<W: Write>(copies: &Copies, out: W) -> Result<(), Failure> {
    let mut csv = csv::Writer::from_writer(out);
    let first = format!("pair ({CAVEAT})");
    csv.write_record(std::iter::once(first.as_str()).chain(COLUMNS[1..].iter().copied()))?;
    for row in copies.rows() {
        csv.write_record(row.iter().map(|f| escape(f)))?;
    }
    csv.flush()?;
    Ok(())
}

/// The copy report as a sheet `Copies` of `book`: the caveat, then a header and a row per lead.
pub(crate) fn add_sheet(book: &mut Workbook, copies: &Copies) -> Result<(), Failure> {
    let header = Format::new().set_bold().set_border_bottom(FormatBorder::Medium);
    let sheet = book.add_worksheet();
    sheet.set_name("Copies")?;
    sheet.write_string(0, 0, CAVEAT)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *name, &header)?;
    }
    for (r, row) in copies.rows().enumerate() {
        let r = 3 + r as u32;
        sheet.write_number(r, 0, row[0].parse::<f64>().unwrap_or_default())?;
        for (c, field) in row.iter().enumerate().skip(1) {
            sheet.write_string(r, c as u16, field)?;
        }
    }
    sheet.set_column_width(0, 6)?;
    sheet.set_column_range_width(1, 2, 36)?;
    sheet.set_column_width(3, 26)?;
    sheet.set_column_width(4, 60)?;
    sheet.set_column_width(5, 20)?;
    sheet.set_freeze_panes(3, 0)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The copy report alone, as a workbook of its one sheet.
pub(crate) fn write_xlsx<W: Write + Seek + Send>(copies: &Copies, out: W) -> Result<(), Failure> {
    let mut book = Workbook::new();
    add_sheet(&mut book, copies)?;
    Ok(book.save_to_writer(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(pieces: &[(Kind, &str)]) -> Evidence {
        Evidence { pieces: pieces.iter().map(|(k, t)| (*k, t.to_string())).collect() }
    }

    #[test]
    fn pairs_come_from_shared_evidence_rare_enough_strongest_first() {
        let common = (Kind::WrongFormula, "∂E/∂w3: `a_h1`");
        let mut class: Vec<(String, Evidence)> = (0..6).map(|k| (format!("{k}.xlsx"), evidence(&[common]))).collect();
        class.push(("a.xlsx".into(), evidence(&[(Kind::WrongValue, "'LR 1'!E5: 1"), (Kind::DocumentId, "x `Ann`")])));
        class.push(("b.xlsx".into(), evidence(&[(Kind::WrongValue, "'LR 1'!E5: 1"), (Kind::DocumentId, "x `Ann`")])));
        class.push(("c.xlsx".into(), evidence(&[(Kind::Identical, "SHA-256 00")])));
        class.push(("d.xlsx".into(), evidence(&[(Kind::Identical, "SHA-256 00")])));
        let copies = Copies::of(&class);
        let pairs: Vec<(&str, &str, Vec<Kind>)> = copies
            .pairs
            .iter()
            .map(|p| (p.first.as_str(), p.second.as_str(), p.leads.iter().map(|l| l.kind).collect()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("c.xlsx", "d.xlsx", vec![Kind::Identical]),
                ("a.xlsx", "b.xlsx", vec![Kind::DocumentId, Kind::WrongValue]),
            ],
            "a mistake six share is no lead"
        );
        let mut csv = Vec::new();
        let hostile = vec![
            ("=HYPERLINK(\"x\").xlsx".to_string(), evidence(&[(Kind::Identical, "SHA-256 00")])),
            ("@b.xlsx".to_string(), evidence(&[(Kind::Identical, "SHA-256 00")])),
        ];
        write_csv(&Copies::of(&hostile), &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(
            csv.lines().nth(1),
            Some(r#"1,"'=HYPERLINK(""x"").xlsx",'@b.xlsx,byte-identical files,SHA-256 00,2 of 2 submissions"#),
            "student text is inert in a spreadsheet"
        );
        let rows: Vec<[String; 6]> = copies.rows().collect();
        assert_eq!(
            rows[1],
            ["2", "a.xlsx", "b.xlsx", "the same document id", "x `Ann`", "2 of 10 submissions"].map(String::from)
        );
    }
}
