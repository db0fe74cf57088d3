//! Values for formulas whose file did not save them: openpyxl saves none, XlsxWriter and
//! rust_xlsxwriter save 0 and ask to be recalculated on open, Excel under manual calculation
//! saves stale ones. A spreadsheet would compute them when it opens the file; so does this,
//! with the project's evaluator: IEEE doubles, operands in written order, `x^2` as `x*x`, which
//! is what Excel computes (a spreadsheet engine crate computes `x^2` with `pow`, one ulp off).

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use calamine::{CellErrorType, Data};

use super::{Addr, Pos, Workbook, parse_formula};
use crate::model::expr::{CellError, Expr};

/// What `calcPr` in `xl/workbook.xml` says about the saved results.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CalcSettings {
    /// `fullCalcOnLoad="1"`: the saving program did not compute its results and asks the
    /// spreadsheet to do it when opening the file.
    pub full_calc_on_load: bool,
    /// `calcMode="manual"`: results are computed only when the user asks, so may be stale.
    pub manual: bool,
}

impl CalcSettings {
    /// Reads the `calcPr` element of a workbook part; absent means automatic calculation.
    pub fn read(workbook_xml: &[u8]) -> CalcSettings {
        let mut reader = quick_xml::Reader::from_reader(workbook_xml);
        let mut buf = Vec::new();
        let mut settings = CalcSettings::default();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e))
                    if e.local_name().into_inner() == "calcPr" =>
                {
                    for a in e.attributes().flatten() {
                        let value: &str = &a.value;
                        match a.key.local_name().into_inner() {
                            "fullCalcOnLoad" => settings.full_calc_on_load = matches!(value, "1" | "true"),
                            "calcMode" => settings.manual = value == "manual",
                            _ => {}
                        }
                    }
                    return settings;
                }
                Ok(quick_xml::events::Event::Eof) | Err(_) => return settings,
                _ => {}
            }
            buf.clear();
        }
    }
}

/// The value a formula sees in a cell that holds `d`: a spreadsheet reads an empty cell as 0,
/// and text in arithmetic as `#VALUE!`.
pub(crate) fn operand_value(d: Option<&Data>) -> f64 {
    match d {
        None | Some(Data::Empty) => 0.0,
        Some(Data::Float(x)) => *x,
        Some(Data::Int(i)) => *i as f64,
        Some(Data::Bool(b)) => f64::from(u8::from(*b)),
        Some(Data::DateTime(t)) => t.as_f64(),
        Some(Data::Error(e)) => error_of(e).value(),
        Some(_) => CellError::Value.value(),
    }
}

pub(super) fn error_of(e: &CellErrorType) -> CellError {
    match e {
        CellErrorType::Div0 => CellError::Div0,
        CellErrorType::NA | CellErrorType::GettingData => CellError::NA,
        CellErrorType::Name => CellError::Name,
        CellErrorType::Null => CellError::Null,
        CellErrorType::Num => CellError::Num,
        CellErrorType::Ref => CellError::Ref,
        CellErrorType::Value => CellError::Value,
    }
}

fn data_of(x: f64) -> Data {
    match CellError::of(x) {
        None => Data::Float(x),
        Some(e) => Data::Error(match e {
            CellError::Null => CellErrorType::Null,
            CellError::Div0 => CellErrorType::Div0,
            CellError::Value => CellErrorType::Value,
            CellError::Ref => CellErrorType::Ref,
            CellError::Name => CellErrorType::Name,
            CellError::Num => CellErrorType::Num,
            CellError::NA => CellErrorType::NA,
        }),
    }
}

impl Workbook {
    /// Why the saved results of this workbook's formulas cannot be taken as they are, if so.
    pub fn unsaved_results(&self) -> Option<&'static str> {
        let formulas = || self.sheets.iter().flat_map(|s| s.formulas.keys().map(move |p| s.value(*p)));
        formulas().next()?;
        if formulas().any(|v| v.is_none()) {
            return Some("the workbook has formulas without saved results");
        }
        if self.calc.full_calc_on_load {
            return Some(
                "the workbook asks to be recalculated when opened (fullCalcOnLoad), so its saved results are placeholders",
            );
        }
        if self.calc.manual {
            return Some("the workbook was saved under manual calculation, so its saved results may be stale");
        }
        if formulas().count() > 1 && formulas().all(|v| matches!(v, Some(Data::Float(0.0) | Data::Int(0)))) {
            return Some("every formula's saved result is 0, as programs that do not calculate save them");
        }
        None
    }

    /// Computes the formulas' results when the file's cannot be taken as they are (see
    /// [`Workbook::unsaved_results`]), as a spreadsheet does on opening it; returns why, if so.
    /// Every reader of a workbook someone handed in goes through this.
    pub fn compute_unsaved(&mut self) -> Option<&'static str> {
        let why = self.unsaved_results()?;
        self.recalculate();
        Some(why)
    }

    /// Computes every formula of every sheet from the cells it reads, as a spreadsheet does on
    /// opening, and keeps the results as the cells' values. A formula this reader cannot parse
    /// gets `#NAME?`; a circle of references gets 0 (Excel's value for it).
    pub fn recalculate(&mut self) {
        let mut calc = Calc { book: self, parsed: HashMap::new(), done: HashMap::new() };
        let mut cells: Vec<(u32, Pos)> = calc
            .book
            .sheets
            .iter()
            .enumerate()
            .flat_map(|(s, sheet)| sheet.formulas.keys().map(move |p| (s as u32, *p)))
            .collect();
        cells.sort();
        for &cell in &cells {
            calc.compute(cell);
        }
        let done = std::mem::take(&mut calc.done);
        for ((s, pos), x) in done {
            self.sheets[s as usize].values.insert(pos, data_of(x));
        }
    }
}

struct Calc<'a> {
    book: &'a Workbook,
    parsed: HashMap<(u32, Pos), Option<Expr<Addr>>>,
    done: HashMap<(u32, Pos), f64>,
}

impl Calc<'_> {
    fn is_formula(&self, (s, pos): (u32, Pos)) -> bool {
        self.book.sheets.get(s as usize).is_some_and(|sheet| sheet.formulas.contains_key(&pos))
    }

    fn tree(&mut self, cell: (u32, Pos)) -> Option<&Expr<Addr>> {
        let book = self.book;
        self.parsed
            .entry(cell)
            .or_insert_with(|| {
                let text = &book.sheets[cell.0 as usize].formulas[&cell.1];
                parse_formula(text, cell.0, &|name| book.sheet_index(name)).ok()
            })
            .as_ref()
    }

    fn value(&self, a: Addr) -> f64 {
        match self.done.get(&(a.sheet, a.pos)) {
            Some(x) => *x,
            None if self.is_formula((a.sheet, a.pos)) => 0.0,
            None => operand_value(self.book.sheets.get(a.sheet as usize).and_then(|s| s.value(a.pos))),
        }
    }

    /// Computes one formula cell, first every formula cell it reads that is not computed yet,
    /// with a stack of its own rather than recursion: a column filled down a million rows is a
    /// chain a million cells deep.
    fn compute(&mut self, start: (u32, Pos)) {
        let mut stack = vec![start];
        let mut visiting: HashSet<(u32, Pos)> = HashSet::new();
        while let Some(&cell) = stack.last() {
            if self.done.contains_key(&cell) {
                stack.pop();
                continue;
            }
            let Some(tree) = self.tree(cell) else {
                self.done.insert(cell, CellError::Name.value());
                stack.pop();
                continue;
            };
            let mut leaves = Vec::new();
            tree.leaves(&mut leaves);
            let pending: Vec<(u32, Pos)> = leaves
                .iter()
                .map(|a| (a.sheet, a.pos))
                .filter(|&c| self.is_formula(c) && !self.done.contains_key(&c))
                .collect();
            if pending.is_empty() || !visiting.insert(cell) {
                // Everything it reads is known, or it is met again while its operands are still
                // pending: a circle, in which the pending cells read as 0.
                // Its tree is needed no more: a sheet of a million formulas never holds them all.
                let tree = self.parsed.remove(&cell).flatten().expect("parsed above");
                let x = tree.eval(&|a| self.value(a));
                self.done.insert(cell, x);
                stack.pop();
                continue;
            }
            for c in pending.into_iter().rev() {
                if !visiting.contains(&c) {
                    stack.push(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Sheet;

    fn book(cells: &[(&str, Option<f64>, Option<&str>)]) -> Workbook {
        let mut sheet = Sheet { name: "S".into(), ..Sheet::default() };
        for (a1, value, formula) in cells {
            let pos = crate::reader::parse_a1(a1).unwrap();
            if let Some(v) = value {
                sheet.values.insert(pos, Data::Float(*v));
            }
            if let Some(f) = formula {
                sheet.formulas.insert(pos, f.to_string());
            }
        }
        Workbook {
            file: "t.xlsx".into(),
            sheets: vec![sheet],
            calc: CalcSettings::default(),
            stamp: Default::default(),
            charts: Vec::new(),
        }
    }

    fn number<'a>(book: &'a Workbook, a1: &str) -> Option<&'a Data> {
        book.sheets[0].values.get(&crate::reader::parse_a1(a1).unwrap())
    }

    #[test]
    fn formulas_without_results_are_computed_in_the_order_they_need() {
        let mut b = book(&[
            ("A1", Some(0.5), None),
            ("A3", None, Some("A2*2")),
            ("A2", None, Some("A1+0.25")),
            ("B1", None, Some("1/(1+EXP(-A3))")),
            ("B2", None, Some("B1/0")),
            ("B3", None, Some("VLOOKUP(A1)")),
        ]);
        assert_eq!(b.unsaved_results(), Some("the workbook has formulas without saved results"));
        b.recalculate();
        assert_eq!(number(&b, "A3"), Some(&Data::Float((0.5 + 0.25) * 2.0)));
        assert_eq!(number(&b, "B1"), Some(&Data::Float(1.0 / (1.0 + (-1.5f64).exp()))));
        assert_eq!(number(&b, "B2"), Some(&Data::Error(CellErrorType::Div0)));
        assert_eq!(number(&b, "B3"), Some(&Data::Error(CellErrorType::Name)));
        assert_eq!(b.unsaved_results(), None);
    }

    #[test]
    fn a_long_chain_and_a_circle_end() {
        let mut cells: Vec<(String, Option<f64>, Option<String>)> = vec![("A1".into(), Some(1.0), None)];
        for r in 2..=200_000 {
            cells.push((format!("A{r}"), None, Some(format!("A{}+1", r - 1))));
        }
        cells.push(("C1".into(), None, Some("C2+1".into())));
        cells.push(("C2".into(), None, Some("C1+1".into())));
        let cells: Vec<(&str, Option<f64>, Option<&str>)> =
            cells.iter().map(|(a, v, f)| (a.as_str(), *v, f.as_deref())).collect();
        let mut b = book(&cells);
        b.recalculate();
        assert_eq!(number(&b, "A200000"), Some(&Data::Float(200_000.0)));
        assert!(matches!(number(&b, "C1"), Some(Data::Float(_))), "a circle ends with a number");
    }

    #[test]
    fn saved_zeros_and_recalculate_on_open_are_not_results() {
        let mut b = book(&[("A1", Some(0.5), None), ("A2", Some(0.0), Some("A1*2")), ("A3", Some(0.0), Some("A2*2"))]);
        assert!(b.unsaved_results().unwrap().contains("every formula's saved result is 0"));
        b.sheets[0].values.insert(crate::reader::parse_a1("A3").unwrap(), Data::Float(2.0));
        assert_eq!(b.unsaved_results(), None);
        b.calc.full_calc_on_load = true;
        assert!(b.unsaved_results().unwrap().contains("fullCalcOnLoad"));
        let xml = br#"<workbook><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>"#;
        assert_eq!(CalcSettings::read(xml), CalcSettings { full_calc_on_load: true, manual: false });
        let xml = br#"<x:workbook xmlns:x="s"><x:calcPr calcMode="manual"/></x:workbook>"#;
        assert_eq!(CalcSettings::read(xml), CalcSettings { full_calc_on_load: false, manual: true });
        assert_eq!(CalcSettings::read(b"<workbook/>"), CalcSettings::default());
    }
}
