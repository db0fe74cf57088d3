//! A tiny spreadsheet expression: the single source of both a cell's formula text and its value.
//!
//! Every formula the tool writes is parsed once from text in column names (`w1*i1+w2*i2`) into
//! an [`Expr`]. Printing the tree gives the Excel formula; evaluating the same tree gives the
//! double Excel computes for it, because evaluation follows the tree the printer writes: operands
//! in written order, left-associative, Excel's precedence. The two can never drift apart.
//!
//! The same parser reads the formulas students wrote (cell references, other sheets, ranges,
//! `%`, error literals and the few functions such sheets use), so that `check` holds two trees
//! of one kind for a wrong cell: the correct one and the written one.

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
    /// The comparisons an activation's `IF` needs; a comparison is 1 (TRUE) or 0 (FALSE).
    Gt,
    Lt,
}

impl Op {
    fn symbol(self) -> char {
        match self {
            Op::Add => '+',
            Op::Sub => '-',
            Op::Mul => '*',
            Op::Div => '/',
            Op::Pow => '^',
            Op::Gt => '>',
            Op::Lt => '<',
        }
    }

    fn precedence(self) -> u8 {
        match self {
            Op::Gt | Op::Lt => 0,
            Op::Add | Op::Sub => 1,
            Op::Mul | Op::Div => 2,
            Op::Pow => 3,
        }
    }
}

const NEG_PRECEDENCE: u8 = 4;
const ATOM_PRECEDENCE: u8 = 5;

/// The spreadsheet functions formulas of this assignment use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp,
    Ln,
    Sqrt,
    Abs,
    Power,
    Sum,
    Max,
    Tanh,
    /// `IF(condition,then,else)`: only the branch taken is evaluated, as in a spreadsheet, so an
    /// error in the other does not spread.
    If,
}

impl Func {
    const ALL: [Func; 9] =
        [Func::Exp, Func::Ln, Func::Sqrt, Func::Abs, Func::Power, Func::Sum, Func::Max, Func::Tanh, Func::If];

    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "EXP",
            Func::Ln => "LN",
            Func::Sqrt => "SQRT",
            Func::Abs => "ABS",
            Func::Power => "POWER",
            Func::Sum => "SUM",
            Func::Max => "MAX",
            Func::Tanh => "TANH",
            Func::If => "IF",
        }
    }

    /// How many arguments it takes, at least and at most.
    fn arity(self) -> (usize, usize) {
        match self {
            Func::Power => (2, 2),
            Func::If => (3, 3),
            Func::Sum | Func::Max => (1, 255),
            _ => (1, 1),
        }
    }

    fn apply(self, args: &[f64]) -> f64 {
        let x = args[0];
        match self {
            Func::Exp => checked(x.exp()),
            Func::Ln if x <= 0.0 => CellError::Num.value(),
            Func::Ln => x.ln(),
            Func::Sqrt if x < 0.0 => CellError::Num.value(),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
            Func::Power => power(x, args[1]),
            Func::Sum => checked(args.iter().fold(0.0, |s, a| s + a)),
            Func::Max => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Func::Tanh => x.tanh(),
            Func::If => unreachable!("IF evaluates only the branch it takes"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr<L> {
    Num(f64),
    /// A spreadsheet error written into the formula, as `#REF!` where a deleted cell was.
    Err(CellError),
    Ref(L),
    Neg(Box<Expr<L>>),
    Bin(Op, Box<Expr<L>>, Box<Expr<L>>),
    Call(Func, Vec<Expr<L>>),
}

/// A spreadsheet error. Values are doubles throughout (the engine streams millions of them), so
/// an error travels as a NaN whose payload names it; like a spreadsheet, the first error an
/// operation meets is its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CellError {
    Null,
    Div0,
    Value,
    Ref,
    Name,
    Num,
    NA,
}

const QUIET_NAN: u64 = 0x7FF8_0000_0000_0000;

impl CellError {
    const ALL: [CellError; 7] = [
        CellError::Null,
        CellError::Div0,
        CellError::Value,
        CellError::Ref,
        CellError::Name,
        CellError::Num,
        CellError::NA,
    ];

    /// The text a spreadsheet shows.
    pub fn text(self) -> &'static str {
        match self {
            CellError::Null => "#NULL!",
            CellError::Div0 => "#DIV/0!",
            CellError::Value => "#VALUE!",
            CellError::Ref => "#REF!",
            CellError::Name => "#NAME?",
            CellError::Num => "#NUM!",
            CellError::NA => "#N/A",
        }
    }

    pub fn from_text(text: &str) -> Option<CellError> {
        CellError::ALL.into_iter().find(|e| e.text().eq_ignore_ascii_case(text.trim()))
    }

    /// The double that carries this error.
    pub const fn value(self) -> f64 {
        f64::from_bits(QUIET_NAN | (self as u64 + 1))
    }

    /// The error a value is, if it is one. A NaN or infinity of other origin is `#NUM!`.
    pub fn of(x: f64) -> Option<CellError> {
        if x.is_finite() {
            return None;
        }
        let payload = x.to_bits() & !(QUIET_NAN | 1 << 63);
        Some(CellError::ALL.into_iter().find(|e| *e as u64 + 1 == payload).unwrap_or(CellError::Num))
    }
}

/// Excel's `#NUM!`: a result too large for a double, as in `EXP(710)`. It is the only error
/// the worksheet's own formulas can produce, and it spreads to every cell that depends on it.
pub const ERROR: f64 = CellError::Num.value();

/// Whether a value is a spreadsheet error rather than a number.
pub fn is_error(x: f64) -> bool {
    !x.is_finite()
}

/// A value as a spreadsheet shows it in a message: the number, or the error's text.
pub fn show(x: f64) -> String {
    match CellError::of(x) {
        Some(e) => e.text().to_string(),
        None => x.to_string(),
    }
}

/// The shortest text that reads back as exactly `x` (a spreadsheet's error text for an error):
/// what a formula's cached result holds. The project's one number formatter.
pub fn shortest(x: f64) -> String {
    if let Some(e) = CellError::of(x) {
        return e.text().to_string();
    }
    zmij::Buffer::new().format_finite(x).to_string()
}

/// The significant digits of [`shortest`]'s text and the decimal exponent of its first digit:
/// 0.000123 has 3 digits from 10^-4; 0 has 1 from 10^0.
pub fn significant(x: f64) -> (u32, i32) {
    let text = shortest(x.abs());
    let (mantissa, exponent) =
        text.split_once(['e', 'E']).map_or((text.as_str(), 0), |(m, e)| (m, e.parse().unwrap_or(0)));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let lead = all.bytes().take_while(|&b| b == b'0').count();
    let digits = all[lead..].trim_end_matches('0').len();
    if digits == 0 {
        return (1, 0);
    }
    (digits as u32, int.len() as i32 - 1 - lead as i32 + exponent)
}

fn checked(x: f64) -> f64 {
    if x.is_finite() { x } else { ERROR }
}

/// `a^b` as Excel computes it: a square is the correctly rounded `a*a`.
fn power(a: f64, b: f64) -> f64 {
    if a == 0.0 && b < 0.0 {
        return CellError::Div0.value();
    }
    checked(if b == 2.0 { a * a } else { a.powf(b) })
}

impl<L: Leaf> Expr<L> {
    /// The value a spreadsheet computes: one IEEE-754 operation per node, in tree order.
    /// `x^2` is the correctly rounded `x*x`, which is what Excel returns for a square.
    pub fn eval(&self, value: &impl Fn(L) -> f64) -> f64 {
        match self {
            Expr::Num(x) => *x,
            Expr::Err(e) => e.value(),
            Expr::Ref(leaf) => value(*leaf),
            Expr::Neg(x) => -x.eval(value),
            Expr::Call(Func::If, args) => {
                let condition = args[0].eval(value);
                if is_error(condition) {
                    return condition;
                }
                args[if condition != 0.0 { 1 } else { 2 }].eval(value)
            }
            Expr::Call(f, args) => {
                if let [x] = args.as_slice() {
                    let v = x.eval(value);
                    return if is_error(v) { v } else { f.apply(&[v]) };
                }
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    let v = a.eval(value);
                    if is_error(v) {
                        return v;
                    }
                    values.push(v);
                }
                f.apply(&values)
            }
            Expr::Bin(op, a, b) => {
                let a = a.eval(value);
                if is_error(a) {
                    return a;
                }
                let b = b.eval(value);
                if is_error(b) {
                    return b;
                }
                match op {
                    Op::Add => checked(a + b),
                    Op::Sub => checked(a - b),
                    Op::Mul => checked(a * b),
                    Op::Div if b == 0.0 => CellError::Div0.value(),
                    Op::Div => checked(a / b),
                    Op::Pow => power(a, b),
                    Op::Gt => f64::from(u8::from(a > b)),
                    Op::Lt => f64::from(u8::from(a < b)),
                }
            }
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Bin(op, ..) => op.precedence(),
            Expr::Neg(_) => NEG_PRECEDENCE,
            Expr::Num(x) if *x < 0.0 => NEG_PRECEDENCE,
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
            Expr::Err(e) => out.push_str(e.text()),
            Expr::Ref(leaf) => name(*leaf, out),
            Expr::Neg(x) => {
                out.push('-');
                x.print_operand(out, name, x.precedence() < NEG_PRECEDENCE);
            }
            Expr::Call(f, args) => {
                out.push_str(f.name());
                out.push('(');
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    a.print_into(out, name);
                }
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
            Expr::Num(_) | Expr::Err(_) => {}
            Expr::Ref(l) => out.push(*l),
            Expr::Neg(x) => x.leaves(out),
            Expr::Call(_, args) => args.iter().for_each(|a| a.leaves(out)),
            Expr::Bin(_, a, b) => {
                a.leaves(out);
                b.leaves(out);
            }
        }
    }

    /// Whether the formula holds an error literal, as `#REF!` where a deleted cell was.
    pub fn has_error_literal(&self) -> bool {
        match self {
            Expr::Err(_) => true,
            Expr::Num(_) | Expr::Ref(_) => false,
            Expr::Neg(x) => x.has_error_literal(),
            Expr::Call(_, args) => args.iter().any(Expr::has_error_literal),
            Expr::Bin(_, a, b) => a.has_error_literal() || b.has_error_literal(),
        }
    }

    /// The same tree with every subtree equal to `from` replaced by `to`.
    pub fn replace(&self, from: &Expr<L>, to: &Expr<L>) -> Expr<L> {
        if self == from {
            return to.clone();
        }
        self.rebuild(&|e| e.replace(from, to), &|l| Expr::Ref(l))
    }

    /// The same tree with every leaf passed through `f`.
    pub fn map_leaves<M: Leaf>(&self, f: &impl Fn(L) -> Expr<M>) -> Expr<M> {
        self.rebuild(&|e| e.map_leaves(f), f)
    }

    /// This node with its children passed through `child` and a bare leaf through `leaf`.
    fn rebuild<M: Leaf>(&self, child: &impl Fn(&Expr<L>) -> Expr<M>, leaf: &impl Fn(L) -> Expr<M>) -> Expr<M> {
        match self {
            Expr::Num(x) => Expr::Num(*x),
            Expr::Err(e) => Expr::Err(*e),
            Expr::Ref(l) => leaf(*l),
            Expr::Neg(x) => Expr::Neg(Box::new(child(x))),
            Expr::Call(f, args) => Expr::Call(*f, args.iter().map(child).collect()),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(child(a)), Box::new(child(b))),
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

/// Parses `text` (Excel syntax: numbers, references, `+ - * / ^ %`, unary minus, parentheses,
/// error literals, the functions of [`Func`], and `name(...)` calls that `call` may turn into
/// leaves, such as `prev(w1)`), resolving each reference through `name`. A reference is a word
/// (`a_h1`, `$G$31`), maybe on another sheet (`'LR 0.5'!B1`) or a range (`A1:B2`): `name` gets
/// its whole text and returns its expression, or says why it cannot.
pub fn parse<L: Leaf>(
    text: &str,
    name: &impl Fn(&str) -> Result<Expr<L>, String>,
    call: &impl Fn(&str, &str) -> Option<L>,
) -> Result<Expr<L>, ParseError> {
    let mut p = Parser { text, pos: 0, name, call };
    let e = p.comparison()?;
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

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '.')
}

impl<'a, L: Leaf, N: Fn(&str) -> Result<Expr<L>, String>, C: Fn(&str, &str) -> Option<L>> Parser<'a, N, C> {
    fn error(&self, what: &str) -> ParseError {
        self.error_at(self.pos, what.to_string())
    }

    fn error_at(&self, at: usize, what: String) -> ParseError {
        ParseError { text: self.text.to_string(), at, what }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_space(&mut self) {
        while self.rest().starts_with(char::is_whitespace) {
            self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// A comparison binds loosest of all: `a+b>c` compares the sum.
    fn comparison(&mut self) -> Result<Expr<L>, ParseError> {
        self.left_assoc(&[('>', Op::Gt), ('<', Op::Lt)], Self::sum)
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
        while let Some(next) = self.peek()
            && let Some(&(c, op)) = ops.iter().find(|(c, _)| *c == next)
        {
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

    /// Unary signs bind tighter than `^` in a spreadsheet (`-2^2` is 4), and `%` tighter still.
    fn unary(&mut self) -> Result<Expr<L>, ParseError> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat('+') {
            return self.unary();
        }
        let mut e = self.atom()?;
        while self.eat('%') {
            e = Expr::Bin(Op::Div, Box::new(e), Box::new(Expr::Num(100.0)));
        }
        Ok(e)
    }

    fn atom(&mut self) -> Result<Expr<L>, ParseError> {
        if self.eat('(') {
            let e = self.comparison()?;
            if !self.eat(')') {
                return Err(self.error("missing `)`"));
            }
            return Ok(e);
        }
        let rest = self.rest();
        let c = rest.chars().next().ok_or_else(|| self.error("unexpected end"))?;
        if c.is_ascii_digit() || c == '.' {
            return self.number();
        }
        if c == '#' {
            let len = rest.find(['!', '?']).map_or(rest.len(), |k| k + 1);
            let len = if rest.to_ascii_uppercase().starts_with("#N/A") { 4 } else { len };
            let e = CellError::from_text(&rest[..len]).ok_or_else(|| self.error("unknown error value"))?;
            self.pos += len;
            return Ok(Expr::Err(e));
        }
        let start = self.pos;
        let word = self.reference()?;
        if self.peek() == Some('(') {
            self.pos += 1;
            return self.call(word, start);
        }
        (self.name)(word).map_err(|what| self.error_at(start, what))
    }

    /// A number: digits, a decimal point, an exponent (`1.5E-3`).
    fn number(&mut self) -> Result<Expr<L>, ParseError> {
        let bytes = self.rest().as_bytes();
        let mut len = bytes.iter().take_while(|b| b.is_ascii_digit() || **b == b'.').count();
        if matches!(bytes.get(len), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(len + 1), Some(b'+' | b'-')));
            let digits = bytes[(len + 1 + sign).min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 {
                len += 1 + sign + digits;
            }
        }
        let x = self.rest()[..len].parse::<f64>().map_err(|_| self.error("bad number"))?;
        self.pos += len;
        Ok(Expr::Num(x))
    }

    /// The text of a reference: a word, maybe after a sheet name and `!`, maybe a range `a:b`.
    fn reference(&mut self) -> Result<&'a str, ParseError> {
        let start = self.pos;
        if self.rest().starts_with('\'') {
            let mut k = 1;
            let bytes = self.rest().as_bytes();
            loop {
                match bytes.get(k) {
                    None => return Err(self.error("missing closing `'` of a sheet name")),
                    Some(b'\'') if bytes.get(k + 1) == Some(&b'\'') => k += 2,
                    Some(b'\'') => break,
                    Some(_) => k += 1,
                }
            }
            self.pos += k + 1;
            if !self.rest().starts_with('!') {
                return Err(self.error("expected `!` after a quoted sheet name"));
            }
        } else {
            self.word();
        }
        if self.rest().starts_with('!') {
            self.pos += 1;
            self.word();
        }
        if self.rest().starts_with(':') {
            self.pos += 1;
            self.word();
        }
        if self.pos == start {
            return Err(self.error("expected a number, a name or `(`"));
        }
        Ok(&self.text[start..self.pos])
    }

    fn word(&mut self) {
        self.pos += self.rest().find(|c: char| !is_word(c)).unwrap_or(self.rest().len());
    }

    /// A function call, after its `(`: one of [`Func`], or what `call` makes of `word(arg)`.
    fn call(&mut self, word: &str, start: usize) -> Result<Expr<L>, ParseError> {
        if let Some(f) = Func::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(word)) {
            let mut args = Vec::new();
            if !self.eat(')') {
                loop {
                    args.push(self.comparison()?);
                    if self.eat(')') {
                        break;
                    }
                    if !self.eat(',') {
                        return Err(self.error("expected `,` or `)`"));
                    }
                }
            }
            let (least, most) = f.arity();
            if args.len() < least || args.len() > most {
                let takes = if least == most { least.to_string() } else { format!("{least} to {most}") };
                return Err(self.error_at(start, format!("{} takes {takes} arguments, not {}", f.name(), args.len())));
            }
            return Ok(Expr::Call(f, args));
        }
        let close = self.rest().find(')').ok_or_else(|| self.error("missing `)`"))?;
        let arg = self.rest()[..close].trim();
        let leaf = (self.call)(word, arg);
        self.pos += close + 1;
        leaf.map(Expr::Ref).ok_or_else(|| self.error_at(start, format!("unknown function `{word}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(w: &str) -> Result<Expr<char>, String> {
        let mut c = w.chars();
        match (c.next(), c.next()) {
            (Some(x), None) => Ok(Expr::Ref(x)),
            _ => Err(format!("unknown name `{w}`")),
        }
    }

    fn no_call(_: &str, _: &str) -> Option<char> {
        None
    }

    fn p(text: &str) -> Expr<char> {
        parse(text, &name, &no_call).unwrap()
    }

    fn show_tree(e: &Expr<char>) -> String {
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
            "SUM(a,b*c,POWER(a,2))",
            "a+#REF!",
            "TANH(a)",
            "MAX(0,a)",
            "IF(a>0,a,0.01*a)",
            "IF(a+b<c,1,0)",
            "(a>b)*c",
        ] {
            let e = p(text);
            assert_eq!(show_tree(&e), text, "round trip of {text}");
            assert_eq!(p(&show_tree(&e)), e);
        }
    }

    #[test]
    fn redundant_parentheses_and_spaces_are_dropped() {
        assert_eq!(show_tree(&p(" (a*b) + (c*d) ")), "a*b+c*d");
        assert_eq!(show_tree(&p("exp( -a )")), "EXP(-a)");
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
        assert_eq!(p("POWER(a,2)").eval(&v), 0.1 * 0.1);
        assert_eq!(p("SUM(a,b,c)").eval(&v), (0.1 + 0.2) + 0.3);
        assert_eq!(p("MAX(a,c,b)").eval(&v), 0.3);
        assert_eq!(p("SQRT(4)+ABS(-a)+LN(1)").eval(&v), 2.0 + 0.1);
        assert_eq!(p("50%").eval(&v), 0.5);
        assert_eq!(p("-2^2").eval(&v), 4.0);
        assert_eq!(p("1.5E-3+2e2").eval(&v), 1.5e-3 + 200.0);
        assert_eq!(p("TANH(a)").eval(&v), 0.1f64.tanh());
        assert_eq!(p("IF(a>0,a,0.01*a)").eval(&v), 0.1);
        assert_eq!(p("IF(-a>0,-a,0.01*-a)").eval(&v), 0.01 * -0.1);
        assert_eq!(p("IF(a-a>0,1,0)").eval(&v), 0.0, "the slope at 0 is the else branch");
        assert_eq!(p("(a<b)+(b<a)").eval(&v), 1.0);
    }

    #[test]
    fn if_evaluates_only_the_branch_it_takes() {
        let v = |_| 800.0;
        assert_eq!(p("IF(a>0,1,EXP(a))").eval(&v), 1.0);
        assert_eq!(CellError::of(p("IF(a<0,1,EXP(a))").eval(&v)), Some(CellError::Num));
        assert_eq!(CellError::of(p("IF(EXP(a)>0,1,0)").eval(&v)), Some(CellError::Num), "an error in the condition");
        assert!(parse("IF(a>0,1)", &name, &no_call).is_err(), "three arguments, as written here");
    }

    #[test]
    fn errors_carry_their_kind_and_the_first_one_wins() {
        let v = |_| 800.0;
        assert_eq!(CellError::of(p("EXP(a)").eval(&v)), Some(CellError::Num));
        assert_eq!(CellError::of(p("1/(1+EXP(a))").eval(&v)), Some(CellError::Num), "1/(1+#NUM!) stays #NUM!");
        assert!(!is_error(p("1/(1+EXP(-a))").eval(&v)));
        assert_eq!(CellError::of(p("a/0").eval(&v)), Some(CellError::Div0));
        assert_eq!(CellError::of(p("#REF!-a/0").eval(&v)), Some(CellError::Ref));
        assert_eq!(CellError::of(p("a/0+#REF!").eval(&v)), Some(CellError::Div0));
        assert_eq!(CellError::of(p("-#VALUE!").eval(&v)), Some(CellError::Value));
        assert_eq!(CellError::of(p("LN(0)").eval(&v)), Some(CellError::Num));
        for e in CellError::ALL {
            assert_eq!(CellError::of(e.value()), Some(e));
            assert_eq!(CellError::from_text(e.text()), Some(e));
        }
        assert_eq!(CellError::of(f64::NAN), Some(CellError::Num));
        assert_eq!(CellError::of(f64::INFINITY), Some(CellError::Num));
        assert_eq!(CellError::of(0.5), None);
        assert_eq!(show(CellError::Ref.value()), "#REF!");
    }

    #[test]
    fn significant_digits_of_the_shortest_text() {
        for (x, want) in [
            (0.000123, (3, -4)),
            (123.45, (5, 2)),
            (1.2e-7, (2, -7)),
            (100.0, (1, 2)),
            (0.0, (1, 0)),
            (-0.24252, (5, -1)),
            (0.24251985734837728, (17, -1)),
            (1e300, (1, 300)),
        ] {
            assert_eq!(significant(x), want, "{x}");
            let own = format!("{:e}", x.abs());
            let (m, e) = own.split_once('e').unwrap();
            assert_eq!(significant(x), (m.replace('.', "").len() as u32, e.parse().unwrap()), "{x} as Rust writes it");
        }
    }

    #[test]
    fn references_reach_the_resolver_whole() {
        let seen = std::cell::RefCell::new(Vec::new());
        let name = |w: &str| {
            seen.borrow_mut().push(w.to_string());
            Ok(Expr::Ref('x'))
        };
        parse("$G$31*'LR 0.5'!B1+Sheet2!A1-SUM(A1:B3)+'it''s'!C2", &name, &no_call).unwrap();
        assert_eq!(*seen.borrow(), ["$G$31", "'LR 0.5'!B1", "Sheet2!A1", "A1:B3", "'it''s'!C2"]);
    }

    #[test]
    fn bad_text_is_an_error_not_a_panic() {
        for bad in ["", "a+", "(a", "a b", "zz", "1..2", "f(a", "EXP(a,b)", "POWER(a)", "VLOOKUP(a)", "#BAD!", "'x"] {
            assert!(parse(bad, &name, &no_call).is_err(), "{bad}");
        }
        let e = parse("a+VLOOKUP(a,b)", &name, &no_call).unwrap_err();
        assert!(e.what.contains("unknown function `VLOOKUP`"), "{e}");
    }
}
