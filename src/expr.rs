//! A tiny spreadsheet expression: the single source of both a cell's formula text and its value.
//!
//! Every formula the tool writes is parsed once from text in column names (`w1*i1+w2*i2`) into
//! an [`Expr`]. Printing the tree gives the Excel formula; evaluating the same tree gives the
//! double Excel computes for it, because evaluation follows the tree the printer writes: operands
//! in written order, left-associative, Excel's precedence. The two can never drift apart.

use std::fmt::Write as _;

/// What a name in an expression refers to; the caller's resolver decides what that means
/// (a column of this row, of the previous row, the η cell, a summary cell, ...).
pub trait Leaf: Copy + PartialEq + std::fmt::Debug {}
impl<T: Copy + PartialEq + std::fmt::Debug> Leaf for T {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl Op {
    fn symbol(self) -> char {
        match self {
            Op::Add => '+',
            Op::Sub => '-',
            Op::Mul => '*',
            Op::Div => '/',
            Op::Pow => '^',
        }
    }

    fn precedence(self) -> u8 {
        match self {
            Op::Add | Op::Sub => 1,
            Op::Mul | Op::Div => 2,
            Op::Pow => 3,
        }
    }
}

const NEG_PRECEDENCE: u8 = 4;
const ATOM_PRECEDENCE: u8 = 5;

#[derive(Clone, Debug, PartialEq)]
pub enum Expr<L> {
    Num(f64),
    Ref(L),
    Neg(Box<Expr<L>>),
    Bin(Op, Box<Expr<L>>, Box<Expr<L>>),
    Exp(Box<Expr<L>>),
}

/// A spreadsheet error value. The only one these formulas can produce is Excel's `#NUM!`
/// (a result too large for a double, as in `EXP(710)`); like Excel, it spreads to every
/// cell that depends on it.
pub const ERROR: f64 = f64::NAN;

/// The text Excel shows for [`ERROR`].
pub const ERROR_TEXT: &str = "#NUM!";

/// Whether a value is a spreadsheet error rather than a number.
pub fn is_error(x: f64) -> bool {
    !x.is_finite()
}

fn checked(x: f64) -> f64 {
    if x.is_finite() { x } else { ERROR }
}

impl<L: Leaf> Expr<L> {
    /// The value a spreadsheet computes: one IEEE-754 operation per node, in tree order.
    /// `x^2` is the correctly rounded `x*x`, which is what Excel returns for a square.
    pub fn eval(&self, value: &impl Fn(L) -> f64) -> f64 {
        match self {
            Expr::Num(x) => *x,
            Expr::Ref(leaf) => value(*leaf),
            Expr::Neg(x) => -x.eval(value),
            Expr::Exp(x) => checked(x.eval(value).exp()),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(value), b.eval(value));
                checked(match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => a / b,
                    Op::Pow if b == 2.0 => a * a,
                    Op::Pow => a.powf(b),
                })
            }
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Bin(op, ..) => op.precedence(),
            Expr::Neg(_) => NEG_PRECEDENCE,
            _ => ATOM_PRECEDENCE,
        }
    }

    /// The formula text, with every name written by `name`. Parentheses appear exactly where
    /// precedence and left-to-right evaluation need them, so parsing the text back in Excel
    /// gives this very tree.
    pub fn print(&self, name: &impl Fn(L, &mut String)) -> String {
        let mut out = String::new();
        self.print_into(&mut out, name);
        out
    }

    fn print_into(&self, out: &mut String, name: &impl Fn(L, &mut String)) {
        match self {
            Expr::Num(x) => {
                let _ = write!(out, "{x}");
            }
            Expr::Ref(leaf) => name(*leaf, out),
            Expr::Neg(x) => {
                out.push('-');
                x.print_operand(out, name, x.precedence() < NEG_PRECEDENCE);
            }
            Expr::Exp(x) => {
                out.push_str("EXP(");
                x.print_into(out, name);
                out.push(')');
            }
            Expr::Bin(op, a, b) => {
                let p = op.precedence();
                a.print_operand(out, name, a.precedence() < p);
                out.push(op.symbol());
                b.print_operand(out, name, b.precedence() <= p);
            }
        }
    }

    fn print_operand(&self, out: &mut String, name: &impl Fn(L, &mut String), paren: bool) {
        if paren {
            out.push('(');
        }
        self.print_into(out, name);
        if paren {
            out.push(')');
        }
    }

    /// Every leaf, in written order.
    pub fn leaves(&self, out: &mut Vec<L>) {
        match self {
            Expr::Num(_) => {}
            Expr::Ref(l) => out.push(*l),
            Expr::Neg(x) | Expr::Exp(x) => x.leaves(out),
            Expr::Bin(_, a, b) => {
                a.leaves(out);
                b.leaves(out);
            }
        }
    }

    /// The same tree with every subtree equal to `from` replaced by `to`.
    pub fn replace(&self, from: &Expr<L>, to: &Expr<L>) -> Expr<L> {
        if self == from {
            return to.clone();
        }
        match self {
            Expr::Num(_) | Expr::Ref(_) => self.clone(),
            Expr::Neg(x) => Expr::Neg(Box::new(x.replace(from, to))),
            Expr::Exp(x) => Expr::Exp(Box::new(x.replace(from, to))),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(a.replace(from, to)), Box::new(b.replace(from, to))),
        }
    }

    /// The same tree with every leaf passed through `f`.
    pub fn map_leaves<M: Leaf>(&self, f: &impl Fn(L) -> Expr<M>) -> Expr<M> {
        match self {
            Expr::Num(x) => Expr::Num(*x),
            Expr::Ref(l) => f(*l),
            Expr::Neg(x) => Expr::Neg(Box::new(x.map_leaves(f))),
            Expr::Exp(x) => Expr::Exp(Box::new(x.map_leaves(f))),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(a.map_leaves(f)), Box::new(b.map_leaves(f))),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("cannot read formula `{text}` at character {at}: {what}")]
pub struct ParseError {
    pub text: String,
    pub at: usize,
    pub what: String,
}

/// Parses `text` (Excel syntax: numbers, names, `+ - * / ^`, unary minus, parentheses, `EXP`,
/// and `name(...)` calls that `call` may turn into leaves, such as `prev(w1)`), resolving each
/// name through `name`.
pub fn parse<L: Leaf>(
    text: &str,
    name: &impl Fn(&str) -> Option<L>,
    call: &impl Fn(&str, &str) -> Option<L>,
) -> Result<Expr<L>, ParseError> {
    let mut p = Parser { text, pos: 0, name, call };
    let e = p.sum()?;
    p.skip_space();
    if p.pos != text.len() {
        return Err(p.error("unexpected text"));
    }
    Ok(e)
}

struct Parser<'a, N, C> {
    text: &'a str,
    pos: usize,
    name: &'a N,
    call: &'a C,
}

impl<'a, L: Leaf, N: Fn(&str) -> Option<L>, C: Fn(&str, &str) -> Option<L>> Parser<'a, N, C> {
    fn error(&self, what: &str) -> ParseError {
        ParseError { text: self.text.to_string(), at: self.pos, what: what.to_string() }
    }

    fn skip_space(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<Expr<L>, ParseError> {
        self.left_assoc(&[('+', Op::Add), ('-', Op::Sub)], Self::product)
    }

    fn product(&mut self) -> Result<Expr<L>, ParseError> {
        self.left_assoc(&[('*', Op::Mul), ('/', Op::Div)], Self::power)
    }

    /// A chain of operands joined by operators of one precedence level, grouped left to right.
    fn left_assoc(
        &mut self,
        ops: &[(char, Op)],
        operand: fn(&mut Self) -> Result<Expr<L>, ParseError>,
    ) -> Result<Expr<L>, ParseError> {
        let mut e = operand(self)?;
        while let Some(&(c, op)) = ops.iter().find(|(c, _)| self.peek() == Some(*c)) {
            self.pos += c.len_utf8();
            e = Expr::Bin(op, Box::new(e), Box::new(operand(self)?));
        }
        Ok(e)
    }

    fn power(&mut self) -> Result<Expr<L>, ParseError> {
        let mut e = self.unary()?;
        while self.eat('^') {
            e = Expr::Bin(Op::Pow, Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr<L>, ParseError> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat('+') {
            return self.unary();
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr<L>, ParseError> {
        if self.eat('(') {
            let e = self.sum()?;
            if !self.eat(')') {
                return Err(self.error("missing `)`"));
            }
            return Ok(e);
        }
        let rest = &self.text[self.pos..];
        let c = rest.chars().next().ok_or_else(|| self.error("unexpected end"))?;
        if c.is_ascii_digit() || c == '.' {
            let len =
                rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'E' || c == 'e')).unwrap_or(rest.len());
            let x = rest[..len].parse::<f64>().map_err(|_| self.error("bad number"))?;
            self.pos += len;
            return Ok(Expr::Num(x));
        }
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.')).unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("expected a number, a name or `(`"));
        }
        let word = &rest[..len];
        self.pos += len;
        if self.eat('(') {
            let start = self.pos;
            if word.eq_ignore_ascii_case("EXP") {
                let arg = self.sum()?;
                if !self.eat(')') {
                    return Err(self.error("missing `)`"));
                }
                return Ok(Expr::Exp(Box::new(arg)));
            }
            let close = self.text[start..].find(')').ok_or_else(|| self.error("missing `)`"))?;
            let arg = self.text[start..start + close].trim();
            self.pos = start + close + 1;
            return (self.call)(word, arg).map(Expr::Ref).ok_or_else(|| self.error("unknown function"));
        }
        (self.name)(word).map(Expr::Ref).ok_or_else(|| ParseError {
            text: self.text.to_string(),
            at: self.pos - len,
            what: format!("unknown name `{word}`"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Expr<char> {
        let name = |w: &str| (w.len() == 1).then(|| w.chars().next().unwrap());
        parse(text, &name, &|_: &str, _: &str| None).unwrap()
    }

    fn show(e: &Expr<char>) -> String {
        e.print(&|c, out: &mut String| out.push(c))
    }

    #[test]
    fn printing_keeps_the_parsed_tree() {
        for text in [
            "a-b*c",
            "(a-b)*c",
            "a-(b-c)",
            "a-b-c",
            "a/(b*c)",
            "0.5*(a-b)^2",
            "((a-b)*a*(1-a)*c+(d-e)*d*(1-d)*f)*g*(1-g)*h",
            "1/(1+EXP(-a))",
            "-a^2",
            "-(a^2)",
            "a+(b+c)",
        ] {
            let e = p(text);
            assert_eq!(show(&e), text, "round trip of {text}");
            assert_eq!(p(&show(&e)), e);
        }
    }

    #[test]
    fn redundant_parentheses_and_spaces_are_dropped() {
        assert_eq!(show(&p(" (a*b) + (c*d) ")), "a*b+c*d");
    }

    #[test]
    fn evaluation_is_left_to_right_ieee() {
        let v = |c: char| match c {
            'a' => 0.1,
            'b' => 0.2,
            'c' => 0.3,
            _ => 0.0,
        };
        // (0.1+0.2)+0.3 and 0.1+(0.2+0.3) differ in the last bit; each form keeps its own.
        assert_eq!(p("a+b+c").eval(&v), (0.1 + 0.2) + 0.3);
        assert_eq!(p("a+(b+c)").eval(&v), 0.1 + (0.2 + 0.3));
        assert_ne!(p("a+b+c").eval(&v), p("a+(b+c)").eval(&v));
        assert_eq!(p("-a^2").eval(&v), 0.1 * 0.1);
        assert_eq!(p("-(a^2)").eval(&v), -(0.1 * 0.1));
    }

    #[test]
    fn overflow_is_an_error_that_spreads() {
        let v = |_| 800.0;
        assert!(is_error(p("EXP(a)").eval(&v)));
        assert!(is_error(p("1/(1+EXP(a))").eval(&v)), "1/(1+#NUM!) stays #NUM!");
        assert!(!is_error(p("1/(1+EXP(-a))").eval(&v)));
    }

    #[test]
    fn bad_text_is_an_error_not_a_panic() {
        let name = |w: &str| (w == "a").then_some('a');
        for bad in ["", "a+", "(a", "a b", "zz", "1..2", "f(a"] {
            assert!(parse(bad, &name, &|_: &str, _: &str| None).is_err(), "{bad}");
        }
    }
}
