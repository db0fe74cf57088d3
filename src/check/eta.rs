//! Where a table's learning rate is: the command line, a labelled cell above the table, the cell
//! the weight updates read, or the sheet's name; and where its optimizer's other parameters are:
//! labelled cells above it.

use super::Options;
use crate::model::columns::Col;
use crate::model::expr::{Expr, Op};
use crate::model::network::Param;
use crate::reader::labels::{Label, eta_reference, labelled};
use crate::reader::{Addr, Pos, Sheet, Table, parse_formula};

/// A table's η, the cell that holds it (when one does), and how it was found, for the report.
#[derive(Clone, Debug)]
pub(super) struct Eta {
    pub value: Option<f64>,
    pub cell: Option<Pos>,
    pub source: String,
}

/// The cells a sheet labels as η and as the optimizer's other parameters, as (label, value):
/// read once a sheet, since a sheet of a thousand tables asks for them a thousand times.
pub(super) struct Labels {
    eta: Vec<(Pos, Pos)>,
    params: Vec<(Param, Pos, Pos)>,
}

impl Labels {
    pub(super) fn of(sheet: &Sheet) -> Labels {
        let mut labels = Labels { eta: Vec::new(), params: Vec::new() };
        for (what, label, value, _) in labelled(sheet) {
            match what {
                Label::LearningRate => labels.eta.push((label, value)),
                Label::Param(p) if p != Param::Eta => labels.params.push((p, label, value)),
                _ => {}
            }
        }
        labels
    }
}

/// η for a table: from `--eta`, a labelled cell above the table, the cell the weight updates
/// read, or the sheet's name (`LR_0.5`, `L.R. 0.5`).
pub(super) fn find(sheet: &Sheet, table: &Table, labels: &Labels, options: &Options) -> Eta {
    if let Some(eta) = options.eta {
        return Eta { value: Some(eta), cell: None, source: "--eta".into() };
    }
    let labelled = nearest_above(table, &labels.eta).and_then(|(label, at)| sheet.number(at).map(|v| (v, label, at)));
    if let Some((eta, label, at)) = labelled {
        let source = format!("labelled cell {} (label in {})", at.a1(), label.a1());
        return Eta { value: Some(eta), cell: Some(at), source };
    }
    if let Some(at) = eta_reference(sheet, table)
        && let Some(eta) = sheet.number(at)
    {
        return Eta {
            value: Some(eta),
            cell: Some(at),
            source: format!("cell {}, read by the weight updates", at.a1()),
        };
    }
    if let Some((eta, at)) = typed_in_updates(sheet, table) {
        let source = format!(
            "typed into the weight updates ({}: ={}): number-for-eta, the sheet follows no η cell",
            at.a1(),
            sheet.formulas[&at].trim_start_matches('=')
        );
        return Eta { value: Some(eta), cell: None, source };
    }
    if let Some(eta) = from_sheet_name(&sheet.name) {
        return Eta { value: Some(eta), cell: None, source: format!("the sheet name '{}'", sheet.name) };
    }
    Eta { value: None, cell: None, source: "not found: pass --eta".into() }
}

/// Of the labels (label, value) above the table, those over its own columns (tables side by side
/// each have theirs), the nearest above.
fn nearest_above(table: &Table, labels: &[(Pos, Pos)]) -> Option<(Pos, Pos)> {
    let left = table.top_left().col;
    let right = table.cols.values().max().copied().unwrap_or(left);
    let above: Vec<(Pos, Pos)> = labels.iter().copied().filter(|(label, _)| label.row <= table.header_row).collect();
    let over = |(label, _): &(Pos, Pos)| (left..=right).contains(&label.col);
    let candidates = if above.iter().any(over) { above.into_iter().filter(over).collect() } else { above };
    candidates.into_iter().max_by_key(|(label, _)| label.row)
}

/// The cells of the optimizer's parameters other than η (`μ =`, `β1 =`, ...) above a table:
/// each the nearest labelled one, as η's is.
pub(super) fn params(labels: &Labels, table: &Table) -> Vec<(Param, Pos)> {
    Param::ALL
        .into_iter()
        .filter(|&p| p != Param::Eta)
        .filter_map(|p| {
            let labels: Vec<(Pos, Pos)> =
                labels.params.iter().filter(|(what, ..)| *what == p).map(|&(_, l, v)| (l, v)).collect();
            nearest_above(table, &labels).map(|(_, at)| (p, at))
        })
        .collect()
}

/// η typed as a number into the second row's w1 update (`=F4-0.5*Y4`, `=F4+1*Y4`): the
/// positive number that multiplies a cell.
fn typed_in_updates(sheet: &Sheet, table: &Table) -> Option<(f64, Pos)> {
    let at = table.pos(Col::W(1), 2)?;
    let tree = parse_formula(sheet.formulas.get(&at)?, 0, &|_| None).ok()?;
    fn factor(e: &Expr<Addr>) -> Option<f64> {
        match e {
            Expr::Bin(Op::Mul, a, b) => match (&**a, &**b) {
                (Expr::Num(n), Expr::Ref(_)) | (Expr::Ref(_), Expr::Num(n)) if *n > 0.0 => Some(*n),
                _ => factor(a).or_else(|| factor(b)),
            },
            Expr::Bin(_, a, b) => factor(a).or_else(|| factor(b)),
            Expr::Neg(x) => factor(x),
            _ => None,
        }
    }
    factor(&tree).map(|eta| (eta, at))
}

fn from_sheet_name(name: &str) -> Option<f64> {
    let lower = name.trim().to_lowercase();
    let rest = lower.strip_prefix("l.r.").or_else(|| lower.strip_prefix("lr"))?;
    let rest = rest.trim_start_matches([' ', '_', '=', ':']);
    rest.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_in_sheet_names() {
        for (name, eta) in [
            ("LR_0.5", Some(0.5)),
            ("L.R. 0.5", Some(0.5)),
            ("LR 2", Some(2.0)),
            ("lr=0.1", Some(0.1)),
            ("Sheet1", None),
            ("LR", None),
            ("LR -1", None),
        ] {
            assert_eq!(from_sheet_name(name), eta, "{name}");
        }
    }
}
