//! The worksheet: its 31 columns, in the class layout's order, and the one definition of each.
//!
//! [`DEFINITIONS`] is the only place a formula of the assignment is written down. Everything
//! else (the values the engine computes, the formulas the report writes, the derivation shown
//! on the Summary sheet, the expected values `check` compares with) is derived from it.

use std::sync::OnceLock;

use crate::expr::{self, Expr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    T1,
    T2,
    I1,
    I2,
    W1,
    W2,
    W3,
    W4,
    H1,
    AH1,
    H2,
    AH2,
    W5,
    W6,
    W7,
    W8,
    O1,
    AO1,
    O2,
    AO2,
    E1,
    E2,
    ETotal,
    Dw1,
    Dw2,
    Dw3,
    Dw4,
    Dw5,
    Dw6,
    Dw7,
    Dw8,
}

pub const COLS: usize = 31;

use Col::*;

/// The class layout, left to right.
pub const ALL: [Col; COLS] = [
    T1, T2, I1, I2, W1, W2, W3, W4, H1, AH1, H2, AH2, W5, W6, W7, W8, O1, AO1, O2, AO2, E1, E2, ETotal, Dw1, Dw2, Dw3,
    Dw4, Dw5, Dw6, Dw7, Dw8,
];

/// The columns typed in by hand in the first row; every other cell is computed.
pub const INPUTS: [Col; 12] = [T1, T2, I1, I2, W1, W2, W3, W4, W5, W6, W7, W8];

pub const WEIGHTS: [Col; 8] = [W1, W2, W3, W4, W5, W6, W7, W8];
pub const GRADIENTS: [Col; 8] = [Dw1, Dw2, Dw3, Dw4, Dw5, Dw6, Dw7, Dw8];

/// What a name in a column's formula refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// This row's cell of a column.
    Cur(Col),
    /// The previous row's cell of a column.
    Prev(Col),
    /// The learning rate cell.
    Eta,
}

/// Each column's formula, in column names, for every row after the first (in the first, the
/// inputs are typed values and the other columns have these same formulas). `prev(x)` is the
/// previous row's x. w6 is updated from ∂E/∂w6; the course text's `w8 = w6 - η*∂E/∂w6` is a typo.
pub const DEFINITIONS: [(Col, &str); COLS] = [
    (T1, "prev(t1)"),
    (T2, "prev(t2)"),
    (I1, "prev(i1)"),
    (I2, "prev(i2)"),
    (W1, "prev(w1)-η*prev(dw1)"),
    (W2, "prev(w2)-η*prev(dw2)"),
    (W3, "prev(w3)-η*prev(dw3)"),
    (W4, "prev(w4)-η*prev(dw4)"),
    (H1, "w1*i1+w2*i2"),
    (AH1, "1/(1+EXP(-h1))"),
    (H2, "w3*i1+w4*i2"),
    (AH2, "1/(1+EXP(-h2))"),
    (W5, "prev(w5)-η*prev(dw5)"),
    (W6, "prev(w6)-η*prev(dw6)"),
    (W7, "prev(w7)-η*prev(dw7)"),
    (W8, "prev(w8)-η*prev(dw8)"),
    (O1, "w5*a_h1+w6*a_h2"),
    (AO1, "1/(1+EXP(-o1))"),
    (O2, "w7*a_h1+w8*a_h2"),
    (AO2, "1/(1+EXP(-o2))"),
    (E1, "0.5*(t1-a_o1)^2"),
    (E2, "0.5*(t2-a_o2)^2"),
    (ETotal, "E1+E2"),
    (Dw1, "((a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i1"),
    (Dw2, "((a_o1-t1)*a_o1*(1-a_o1)*w5+(a_o2-t2)*a_o2*(1-a_o2)*w7)*a_h1*(1-a_h1)*i2"),
    (Dw3, "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h2*(1-a_h2)*i1"),
    (Dw4, "((a_o1-t1)*a_o1*(1-a_o1)*w6+(a_o2-t2)*a_o2*(1-a_o2)*w8)*a_h2*(1-a_h2)*i2"),
    (Dw5, "(a_o1-t1)*a_o1*(1-a_o1)*a_h1"),
    (Dw6, "(a_o1-t1)*a_o1*(1-a_o1)*a_h2"),
    (Dw7, "(a_o2-t2)*a_o2*(1-a_o2)*a_h1"),
    (Dw8, "(a_o2-t2)*a_o2*(1-a_o2)*a_h2"),
];

impl Col {
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in formulas written in column names (`a_h1`, `dw3`).
    pub fn name(self) -> &'static str {
        const NAMES: [&str; COLS] = [
            "t1", "t2", "i1", "i2", "w1", "w2", "w3", "w4", "h1", "a_h1", "h2", "a_h2", "w5", "w6", "w7", "w8", "o1",
            "a_o1", "o2", "a_o2", "E1", "E2", "E_total", "dw1", "dw2", "dw3", "dw4", "dw5", "dw6", "dw7", "dw8",
        ];
        NAMES[self.index()]
    }

    /// The header as the class layout spells it.
    pub fn header(self) -> &'static str {
        match self {
            Dw1 => "∂E/∂w1",
            Dw2 => "∂E/∂w2",
            Dw3 => "∂E/∂w3",
            Dw4 => "∂E/∂w4",
            Dw5 => "∂E/∂w5",
            Dw6 => "∂E/∂w6",
            Dw7 => "∂E/∂w7",
            Dw8 => "∂E/∂w8",
            _ => self.name(),
        }
    }

    pub fn is_input(self) -> bool {
        INPUTS.contains(&self)
    }

    pub fn from_name(name: &str) -> Option<Col> {
        ALL.into_iter().find(|c| c.name() == name)
    }

    /// Recognises a header cell in any of the spellings found in real workbooks: `a_h1`,
    /// `out_h1`, `act_h1`; `E_tot`, `E_total`, `Etotal`; `∂E/∂w1`, `∂E_total/∂w1`, `∂E∂W1`,
    /// `δE_tot/δw1`, `Etotaldw1`, `dE/dw1`. Case, spaces and underscores do not matter.
    pub fn from_header(text: &str) -> Option<Col> {
        let s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '/' | ':' | '='))
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'δ' { '∂' } else { c })
            .collect();
        if let Some(c) = ALL.into_iter().find(|c| c.name().replace('_', "").to_lowercase() == s)
            && !GRADIENTS.contains(&c)
        {
            return Some(c);
        }
        for prefix in ["out", "act", "a"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                match rest {
                    "h1" => return Some(AH1),
                    "h2" => return Some(AH2),
                    "o1" => return Some(AO1),
                    "o2" => return Some(AO2),
                    _ => {}
                }
            }
        }
        if matches!(s.as_str(), "etot" | "etotal") {
            return Some(ETotal);
        }
        let k = s.len().checked_sub(2).filter(|&k| s.is_char_boundary(k))?;
        let (prefix, weight) = s.split_at(k);
        let grad = match weight {
            "w1" => Dw1,
            "w2" => Dw2,
            "w3" => Dw3,
            "w4" => Dw4,
            "w5" => Dw5,
            "w6" => Dw6,
            "w7" => Dw7,
            "w8" => Dw8,
            _ => return None,
        };
        let prefix = prefix.strip_prefix(['∂', 'd']).unwrap_or(prefix);
        let prefix = prefix.strip_suffix(['∂', 'd']).unwrap_or(prefix);
        matches!(prefix, "e" | "etot" | "etotal").then_some(grad)
    }

    /// The expression of this column for rows after the first.
    pub fn definition(self) -> &'static Expr<Ref> {
        Formulas::correct().get(self)
    }
}

/// The formula of every column: the worksheet's own, or a variant with a mistake written in,
/// with an order in which a row's cells can be computed (each after the cells it reads).
#[derive(Clone, Debug)]
pub struct Formulas {
    exprs: Vec<Expr<Ref>>,
    order: Vec<Col>,
}

impl Formulas {
    /// The worksheet's formulas, parsed once from [`DEFINITIONS`].
    pub fn correct() -> &'static Formulas {
        static PARSED: OnceLock<Formulas> = OnceLock::new();
        PARSED.get_or_init(|| {
            let exprs = DEFINITIONS
                .iter()
                .map(|(_, text)| parse(text).unwrap_or_else(|e| panic!("the built-in definition is malformed: {e}")))
                .collect();
            Formulas::new(exprs).expect("the worksheet's formulas have no cycle")
        })
    }

    /// Formulas indexed by column; None if some cells of a row read each other in a circle.
    pub fn new(exprs: Vec<Expr<Ref>>) -> Option<Formulas> {
        let reads: Vec<Vec<Col>> = exprs
            .iter()
            .map(|e| {
                let mut leaves = Vec::new();
                e.leaves(&mut leaves);
                leaves.into_iter().filter_map(|r| if let Ref::Cur(d) = r { Some(d) } else { None }).collect()
            })
            .collect();
        let mut order: Vec<Col> = Vec::with_capacity(COLS);
        while order.len() < COLS {
            let ready =
                ALL.into_iter().find(|&c| !order.contains(&c) && reads[c.index()].iter().all(|d| order.contains(d)))?;
            order.push(ready);
        }
        Some(Formulas { exprs, order })
    }

    pub fn get(&self, col: Col) -> &Expr<Ref> {
        &self.exprs[col.index()]
    }

    /// The columns in an order in which each comes after every cell of its own row it reads.
    pub fn order(&self) -> &[Col] {
        &self.order
    }
}

impl Formulas {
    /// The derivation as a reader sees it, one line a computed column (`h1 = w1*i1+w2*i2`):
    /// what the Summary sheet shows and the README quotes.
    pub fn derivation(&self) -> Vec<String> {
        ALL.iter()
            .filter(|c| !matches!(c, T1 | T2 | I1 | I2))
            .map(|&c| format!("{} = {}", c.header(), self.get(c).print(&|r, out: &mut String| write_name(r, out))))
            .collect()
    }
}

/// Parses a formula written in column names, with `prev(x)` and `η`.
pub fn parse(text: &str) -> Result<Expr<Ref>, expr::ParseError> {
    let name = |w: &str| match w {
        "η" | "eta" => Ok(Expr::Ref(Ref::Eta)),
        _ => Col::from_name(w).map(|c| Expr::Ref(Ref::Cur(c))).ok_or_else(|| format!("unknown name `{w}`")),
    };
    let call = |f: &str, arg: &str| (f == "prev").then(|| Col::from_name(arg)).flatten().map(Ref::Prev);
    expr::parse(text, &name, &call)
}

/// Writes a reference the way a reader of the derivation wants to see it: headers for this
/// row's columns, `prev(...)` for the previous row's, `η` for the learning rate.
pub fn write_name(r: Ref, out: &mut String) {
    match r {
        Ref::Cur(c) => out.push_str(c.header()),
        Ref::Prev(c) => {
            out.push_str("prev(");
            out.push_str(c.header());
            out.push(')');
        }
        Ref::Eta => out.push('η'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_column_order() {
        for (i, (col, _)) in DEFINITIONS.iter().enumerate() {
            assert_eq!(col.index(), i);
            assert_eq!(ALL[i], *col);
        }
    }

    #[test]
    fn the_worksheet_computes_left_to_right() {
        assert_eq!(Formulas::correct().order(), ALL);
    }

    #[test]
    fn a_circle_of_references_is_refused() {
        let mut exprs: Vec<Expr<Ref>> = ALL.iter().map(|c| c.definition().clone()).collect();
        exprs[H1.index()] = parse("a_h1+w1").unwrap();
        assert!(Formulas::new(exprs).is_none());
    }

    #[test]
    fn every_definition_reads_only_earlier_columns_of_its_own_row() {
        for col in ALL {
            let mut leaves = Vec::new();
            col.definition().leaves(&mut leaves);
            for leaf in leaves {
                if let Ref::Cur(dep) = leaf {
                    assert!(dep < col, "{col:?} reads {dep:?}, which is computed after it");
                }
            }
        }
    }

    #[test]
    fn w6_is_updated_from_its_own_gradient() {
        let text = W6.definition().print(&|r, out: &mut String| write_name(r, out));
        assert_eq!(text, "prev(w6)-η*prev(∂E/∂w6)");
    }

    #[test]
    fn hidden_gradients_use_their_own_hidden_unit() {
        for (col, unit, other) in [(Dw3, AH2, AH1), (Dw4, AH2, AH1), (Dw1, AH1, AH2), (Dw2, AH1, AH2)] {
            let mut leaves = Vec::new();
            col.definition().leaves(&mut leaves);
            assert!(leaves.contains(&Ref::Cur(unit)), "{col:?}");
            assert!(!leaves.contains(&Ref::Cur(other)), "{col:?}");
        }
    }

    #[test]
    fn headers_in_every_known_spelling() {
        let cases = [
            ("a_h1", AH1),
            ("out_h1", AH1),
            ("act_h1", AH1),
            ("out_o2", AO2),
            ("E_tot", ETotal),
            ("E_total", ETotal),
            ("Etotal", ETotal),
            ("∂E/∂w1", Dw1),
            ("∂E_total/∂w1", Dw1),
            ("∂E∂W1", Dw1),
            ("δE_tot/δw3", Dw3),
            ("Etotaldw1", Dw1),
            ("dE/dw8", Dw8),
            (" W5 ", W5),
            ("t2", T2),
            ("E1", E1),
        ];
        for (text, col) in cases {
            assert_eq!(Col::from_header(text), Some(col), "{text}");
        }
        for text in ["", "w9", "Step", "η =", "h3", "∂E/∂w", "E", "xw1", "h1=w1*i1+w2*i2"] {
            assert_eq!(Col::from_header(text), None, "{text}");
        }
    }
}
