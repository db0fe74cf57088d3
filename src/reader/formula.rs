//! A cell's formula as the project's expression tree, its leaves cell addresses: the same parser
//! that reads the worksheet's own definitions reads what a student wrote.

use super::Pos;
use crate::model::expr::{self, CellError, Expr, Func, ParseError};

/// A cell a formula reads: on which sheet (by index), where, and whether its row was written
/// absolute (`$33`), which says whether filling the formula down would have moved it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Addr {
    pub sheet: u32,
    pub pos: Pos,
    pub fixed_row: bool,
}

/// The most cells a range may span (`SUM(A1:A50)` is fine; `A1:XFD1048576` is not a formula of
/// this assignment, and would be a billion leaves).
const MAX_RANGE: u64 = 4096;

/// Parses a formula (with or without its `=`) written in the cell `at` of sheet `this`;
/// `sheet_index` finds another sheet by name. A reference to a sheet the workbook lacks is
/// `#REF!`, as in a spreadsheet.
pub(crate) fn parse_formula(
    text: &str,
    this: u32,
    sheet_index: &impl Fn(&str) -> Option<u32>,
) -> Result<Expr<Addr>, ParseError> {
    let text = text.trim().strip_prefix('=').unwrap_or(text.trim());
    expr::parse(text, &|word: &str| reference(word, this, sheet_index), &|_: &str, _: &str| None)
}

/// A formula with the workbook's defined names of single cells (`eta` for `'LR 0.5'!$B$1`)
/// written as those cells, on the formula's own sheet `sheet` without the sheet's name: how a
/// spreadsheet reads them, so that η given as a name is η's cell, computed or not.
pub(crate) fn with_names(text: &str, names: &[(String, String)], sheet: &str) -> String {
    let cell_of = |name: &str| {
        let (_, target) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        let (on, cell) = target.trim_start_matches('=').rsplit_once('!')?;
        let on =
            on.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')).map_or(on.to_string(), |n| n.replace("''", "'"));
        cell.chars().all(|c| c.is_ascii_alphanumeric() || c == '$').then_some(())?;
        Some(if on.eq_ignore_ascii_case(sheet) { cell.to_string() } else { target.trim_start_matches('=').to_string() })
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        if c == '"' || c == '\'' {
            out.push(c);
            for (_, q) in chars.by_ref() {
                out.push(q);
                if q == c {
                    break;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let mut end = k + c.len_utf8();
            while let Some(&(j, d)) = chars.peek().filter(|(_, d)| d.is_alphanumeric() || matches!(d, '_' | '.' | '$'))
            {
                end = j + d.len_utf8();
                chars.next();
            }
            let word = &text[k..end];
            let called = chars.peek().is_some_and(|&(_, d)| d == '(' || d == '!');
            match cell_of(word).filter(|_| !called && !out.ends_with('!')) {
                Some(cell) => out.push_str(&cell),
                None => out.push_str(word),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// An OpenDocument formula (`of:=[.F4]-[$'LR 0.5'.$B$1]*[.Y4]`, arguments split by `;`) in
/// the spelling of Excel's (`=F4-'LR 0.5'!$B$1*Y4`), as this reader parses it.
pub(crate) fn from_open_formula(text: &str) -> String {
    let body = text.strip_prefix("of:").unwrap_or(text);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '[' if !quoted => {
                let mut reference = String::new();
                for r in chars.by_ref() {
                    if r == ']' {
                        break;
                    }
                    reference.push(r);
                }
                out.push_str(&open_reference(&reference));
            }
            ';' if !quoted => out.push(','),
            _ => out.push(c),
        }
    }
    out
}

/// `.F4`, `$'LR 0.5'.$B$1`, `.A1:.B2` as `F4`, `'LR 0.5'!$B$1`, `A1:B2`.
fn open_reference(text: &str) -> String {
    text.split(':')
        .enumerate()
        .map(|(k, part)| {
            // A cell is `.F4`; what stands before the dot is a sheet, `$` when written absolute.
            let part = part.strip_prefix('$').unwrap_or(part);
            match part.rsplit_once('.') {
                Some(("", cell)) => cell.to_string(),
                Some((sheet, cell)) if k == 0 => format!("{sheet}!{cell}"),
                Some((_, cell)) => cell.to_string(),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(":")
}

fn reference(text: &str, this: u32, sheet_index: &impl Fn(&str) -> Option<u32>) -> Result<Expr<Addr>, String> {
    let (sheet, cells) = match text.rsplit_once('!') {
        Some((name, cells)) => {
            let name = name
                .strip_prefix('\'')
                .and_then(|n| n.strip_suffix('\''))
                .map_or(name.to_string(), |n| n.replace("''", "'"));
            match sheet_index(&name) {
                Some(s) => (s, cells),
                None => return Ok(Expr::Err(CellError::Ref)),
            }
        }
        None => (this, text),
    };
    if !text.contains('!') {
        for (name, value) in [("TRUE", 1.0), ("FALSE", 0.0)] {
            if text.eq_ignore_ascii_case(name) {
                return Ok(Expr::Num(value));
            }
        }
    }
    let unknown = || format!("unknown name `{text}` (not a cell reference)");
    let Some((from, to)) = cells.split_once(':') else {
        let (pos, fixed_row) = cell(cells).ok_or_else(unknown)?;
        return Ok(Expr::Ref(Addr { sheet, pos, fixed_row }));
    };
    let ((a, fixed_a), (b, _)) = (cell(from).ok_or_else(unknown)?, cell(to).ok_or_else(unknown)?);
    let (top, bottom) = (a.row.min(b.row), a.row.max(b.row));
    let (left, right) = (a.col.min(b.col), a.col.max(b.col));
    if u64::from(bottom - top + 1) * u64::from(right - left + 1) > MAX_RANGE {
        return Err(format!("the range `{text}` spans more than {MAX_RANGE} cells"));
    }
    let cells = (top..=bottom)
        .flat_map(|row| (left..=right).map(move |col| Pos { row, col }))
        .map(|pos| Expr::Ref(Addr { sheet, pos, fixed_row: fixed_a }))
        .collect();
    Ok(Expr::Call(Func::Sum, cells))
}

/// `B29`, `$G$31`, `G$31`: the position, and whether the row is absolute. Only addresses that
/// exist in a sheet (columns A..XFD, rows 1..1048576).
pub(super) fn cell(text: &str) -> Option<(Pos, bool)> {
    let rest = text.strip_prefix('$').unwrap_or(text);
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (letters, rest) = rest.split_at(letters);
    let fixed_row = rest.starts_with('$');
    let digits = rest.strip_prefix('$').unwrap_or(rest);
    if letters.is_empty() || letters.len() > 3 || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let col = letters.bytes().fold(0u32, |n, c| n * 26 + u32::from(c.to_ascii_uppercase() - b'A' + 1)) - 1;
    let row: u32 = digits.parse().ok().filter(|r| (1..=1_048_576).contains(r))?;
    (col < 16_384).then_some((Pos { row: row - 1, col }, fixed_row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defined_names_of_cells_are_those_cells() {
        let names =
            [("eta".to_string(), "'LR 0.5'!$B$1".to_string()), ("rates".to_string(), "Sheet1!$A$1:$A$6".to_string())];
        assert_eq!(with_names("=F4-eta*Y4", &names, "LR 0.5"), "=F4-$B$1*Y4");
        assert_eq!(with_names("=F4-ETA*Y4", &names, "LR 1"), "=F4-'LR 0.5'!$B$1*Y4");
        assert_eq!(with_names("=SUM(rates)+\"eta\"", &names, "LR 1"), "=SUM(rates)+\"eta\"", "a range, and text");
        assert_eq!(with_names("='eta'!A1+beta", &names, "LR 1"), "='eta'!A1+beta");
    }

    #[test]
    fn open_document_formulas_in_excel_s_spelling() {
        for (open, excel) in [
            ("of:=[.F4]-[$'LR 0.5'.$B$1]*[.Y4]", "=F4-'LR 0.5'!$B$1*Y4"),
            ("of:=SUM([.A1:.B2];[$Sheet2.C3])", "=SUM(A1:B2,Sheet2!C3)"),
            ("of:=IF([.A1]>0;\"a;[b]\";1)", "=IF(A1>0,\"a;[b]\",1)"),
            ("of:=1/(1+EXP(-[.J5]))", "=1/(1+EXP(-J5))"),
        ] {
            assert_eq!(from_open_formula(open), excel, "{open}");
        }
    }

    fn sheets(name: &str) -> Option<u32> {
        ["Sheet1", "LR 0.5", "it's"].iter().position(|s| s.eq_ignore_ascii_case(name)).map(|k| k as u32)
    }

    fn leaves(text: &str) -> Vec<Addr> {
        let mut out = Vec::new();
        parse_formula(text, 0, &sheets).unwrap().leaves(&mut out);
        out
    }

    #[test]
    fn references_resolve_to_sheets_and_cells() {
        let a = |sheet, a1: &str, fixed_row| Addr { sheet, pos: super::super::parse_a1(a1).unwrap(), fixed_row };
        assert_eq!(leaves("=E33-$G$31*X33"), [a(0, "E33", false), a(0, "G31", true), a(0, "X33", false)]);
        assert_eq!(leaves("='LR 0.5'!B1+'it''s'!G$2"), [a(1, "B1", false), a(2, "G2", true)]);
        assert_eq!(leaves("SUM(A1:B2)"), [a(0, "A1", false), a(0, "B1", false), a(0, "A2", false), a(0, "B2", false)]);
    }

    #[test]
    fn what_a_spreadsheet_makes_of_odd_references() {
        let e = parse_formula("=Gone!A1+1", 0, &sheets).unwrap();
        assert_eq!(CellError::of(e.eval(&|_| 0.0)), Some(CellError::Ref), "a missing sheet is #REF!");
        assert_eq!(parse_formula("TRUE+1", 0, &sheets).unwrap().eval(&|_| 0.0), 2.0);
        assert!(parse_formula("A1:XFD1048576", 0, &sheets).unwrap_err().what.contains("spans more than"));
        assert!(parse_formula("rate*2", 0, &sheets).unwrap_err().what.contains("unknown name `rate`"));
        for bad in ["A0", "A1048577", "XFE1", "1A", "$", "AAAA1"] {
            assert_eq!(cell(bad), None, "{bad}");
        }
    }
}
