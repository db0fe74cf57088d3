//! Columns identified by what they compute. Headers are a hint: where they name every column of
//! a network, the table is read as they say unless its formulas say otherwise (two headers
//! swapped), when it is read as below. Where they do not (a header unknown, missing, typed
//! twice, left blank, or in another language), the table is found from its formulas (the second
//! row's weight updates read the row above in their own column) and each of its columns is
//! given the quantity under which the most formulas of its second row are, as trees, their
//! column's definition or one known mistake of it. Headers, then column order, break the ties a
//! symmetric network leaves (i1 and i2 swapped together with the weights they feed).

use std::collections::HashMap;

use super::written::{Cell, canonical, known};
use crate::model::columns::{Col, Columns, network_named};
use crate::model::expr::{Expr, Op};
use crate::model::network::{Bias, MAX_UNITS, Network, Param};
use crate::reader::{Pos, Sheet, Table, Workbook, column_name, data_rows, header_at, parse_formula};

/// A table found from its formulas, and how each column not named by its header was read.
pub(super) struct Identified {
    pub table: Table,
    pub notes: Vec<String>,
}

/// What a formula of the table's second row reads: a column of the window and a row offset, or
/// a cell outside the table (η, as far as identification goes).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Loc {
    In { at: usize, offset: i64 },
    Outside,
}

/// The extra columns a table may carry besides the network's: a leading step column.
const EXTRA: usize = 1;

/// Every table of a sheet that its headers alone do not give: `complete` are the tables whose
/// headers named every column, left as they are.
pub(super) fn tables(book: &Workbook, sheet_index: u32, complete: &[Table]) -> Vec<Identified> {
    let sheet = &book.sheets[sheet_index as usize];
    let mut found: Vec<Identified> = Vec::new();
    // The formulas of those tables are theirs: only the others are looked at.
    let bounds: Vec<(u32, u32, u32, u32)> = complete
        .iter()
        .filter_map(|t| {
            let (lo, hi) = (t.cols.values().min()?, t.cols.values().max()?);
            Some((t.header_row, *t.rows.last()?, *lo, *hi))
        })
        .collect();
    let theirs = |p: Pos| {
        bounds.iter().any(|&(top, bottom, lo, hi)| (top..=bottom).contains(&p.row) && (lo..=hi).contains(&p.col))
    };
    for (second, left, right) in regions(sheet, &theirs) {
        let first = second - 1;
        let covered = |t: &Table| t.rows.contains(&first) && t.cols.values().any(|&c| (left..=right).contains(&c));
        if first == 0 || complete.iter().any(covered) || found.iter().any(|i| covered(&i.table)) {
            continue;
        }
        if let Some((identified, _)) = identify(book, sheet_index, first - 1, (left..=right).collect(), None) {
            found.push(identified);
        }
    }
    found
}

/// Where tables of formulas are, seen from their second row: (that row, leftmost and rightmost
/// column of the run of filled cells around the formulas that read the row above in their own
/// column) below a typed cell: the first row's weight the second row updates.
fn regions(sheet: &Sheet, skip: &impl Fn(Pos) -> bool) -> Vec<(u32, u32, u32)> {
    let reads_above = |pos: Pos| {
        sheet.formulas.get(&pos).is_some_and(|f| {
            let Ok(tree) = parse_formula(f, 0, &|_| None) else { return false };
            let mut leaves = Vec::new();
            tree.leaves(&mut leaves);
            leaves.iter().any(|a| a.sheet == 0 && a.pos.col == pos.col && a.pos.row + 1 == pos.row)
        })
    };
    let mut seeds: Vec<Pos> = sheet
        .formulas
        .keys()
        .copied()
        .filter(|&p| p.row >= 1 && !skip(p) && !sheet.formulas.contains_key(&Pos { row: p.row - 1, col: p.col }))
        .filter(|&p| reads_above(p))
        .collect();
    seeds.sort_by_key(|p| (p.row, p.col));
    let filled =
        |row: u32, col: u32| sheet.value(Pos { row, col }).is_some() || sheet.formulas.contains_key(&Pos { row, col });
    let mut out: Vec<(u32, u32, u32)> = Vec::new();
    for p in seeds {
        if out.iter().any(|&(r, l, h)| r == p.row && (l..=h).contains(&p.col)) {
            continue;
        }
        let (mut left, mut right) = (p.col, p.col);
        while left > 0 && filled(p.row, left - 1) {
            left -= 1;
        }
        while right < p.col + 2048 && filled(p.row, right + 1) {
            right += 1;
        }
        out.push((p.row, left, right));
    }
    out
}

/// The number of columns of a sigmoid network's worksheet trained by plain gradient descent on
/// squared error (the assignment's), without building it.
fn width(n: Network) -> usize {
    let weights = usize::from(n.weights());
    let biases = match n.bias {
        Bias::None => 0,
        Bias::Fixed => 2,
        Bias::Trained => 4,
    };
    usize::from(n.inputs) + 2 * usize::from(n.hidden) + 4 * usize::from(n.outputs) + 1 + 2 * weights + biases
}

/// The networks whose worksheet fills `n` columns, or `n` less a leading step column.
fn networks_of_width(n: usize) -> Vec<Network> {
    let mut out = Vec::new();
    for bias in [Bias::None, Bias::Fixed, Bias::Trained] {
        for inputs in 1..=MAX_UNITS {
            for hidden in 1..=MAX_UNITS {
                for outputs in 1..=MAX_UNITS {
                    let net = Network::shape(inputs, hidden, outputs).with_bias(bias);
                    if (n.saturating_sub(EXTRA)..=n).contains(&width(net)) {
                        out.push(net);
                    }
                }
            }
        }
    }
    out
}

/// A table whose headers name every column once, held to its formulas: where more formulas of
/// its second row read as their definitions (or a known mistake) under another reading than
/// the headers', as when two columns' headers are swapped, that reading is the table's and each
/// column read otherwise than headed is said; else the headers' reading stands.
pub(super) fn recheck(book: &Workbook, sheet_index: u32, table: Table) -> Identified {
    let as_headed = |table| Identified { table, notes: Vec::new() };
    if table.rows.len() < 2 || table.rows[0] != table.header_row + 1 {
        return as_headed(table);
    }
    let mut by_place: Vec<(u32, Col)> = table.cols.iter().map(|(&c, &at)| (at, c)).collect();
    by_place.sort();
    let span: Vec<u32> = by_place.iter().map(|&(at, _)| at).collect();
    let headed: Vec<Col> = by_place.iter().map(|&(_, c)| c).collect();
    let trees = trees(book, sheet_index, table.header_row + 2, &span);
    let hints: Vec<Option<Col>> = headed.iter().copied().map(Some).collect();
    let search = Search { columns: table.columns, trees: &trees, hints: &hints, start: 0 };
    let agree: usize = (0..headed.len()).map(|k| search.matches(&headed, k)).sum();
    if agree == trees.iter().flatten().count() {
        return as_headed(table);
    }
    // The headers name this network's every column, and its maths was read from the formulas:
    // only which column is which is in question.
    let span = table.step_col.into_iter().chain(span).collect();
    match identify(book, sheet_index, table.header_row, span, Some(table.columns)) {
        Some((found, matches)) if matches > agree => found,
        _ => as_headed(table),
    }
}

/// The sheet's columns read as one network's (`only`'s, when given), the best of every network
/// and placement that fits, and how many of its formulas that reading matches; None when too
/// few match for the columns to be a table of this assignment.
fn identify(
    book: &Workbook,
    sheet_index: u32,
    header_row: u32,
    span: Vec<u32>,
    only: Option<&'static Columns>,
) -> Option<(Identified, usize)> {
    let sheet = &book.sheets[sheet_index as usize];
    let header = |c: u32| sheet.value(Pos { row: header_row, col: c }).map(|d| d.to_string().trim().to_string());
    let hints: Vec<Option<Col>> =
        span.iter().map(|&c| header(c).and_then(|t| header_at(sheet, Pos { row: header_row, col: c }, &t))).collect();
    let trees = trees(book, sheet_index, header_row + 2, &span);
    let (score, columns, start, assignment) = best_reading(&trees, &hints, only)?;
    if score.matches * 2 < columns.len() {
        return None;
    }
    let cols: HashMap<Col, u32> = assignment.iter().enumerate().map(|(k, &c)| (c, span[start + k])).collect();
    let rows = data_rows(sheet, header_row, columns, &cols);
    if rows.len() < 2 {
        return None;
    }
    let window = start..start + columns.len();
    let search = Search { columns, trees: &trees[window.clone()], hints: &hints[window], start };
    let notes = assignment
        .iter()
        .enumerate()
        .filter(|&(k, &c)| hints[start + k] != Some(c))
        .map(|(k, &c)| {
            let at = span[start + k];
            let headed = match header(at) {
                Some(text) if !text.is_empty() => format!("headed `{}`", text.chars().take(40).collect::<String>()),
                _ => "with no header".into(),
            };
            let how = match search.matches(&assignment, k) {
                0 => "its formulas match no definition".to_string(),
                _ => format!("computes as {c}"),
            };
            format!("column {}, {headed}, {how}: read as {c}", column_name(at))
        })
        .collect();
    let step_col = (start > 0).then(|| span[start - 1]);
    Some((Identified { table: Table { columns, header_row, cols, step_col, rows }, notes }, score.matches))
}

/// The best reading of the span: `only`'s network when given, else the network the headers
/// name, then the class's, then any other of the span's width; each placed at every offset the
/// width leaves (a leading step column); the first under which every formula reads as its
/// column's is the one.
fn best_reading(
    trees: &[Option<Expr<Loc>>],
    hints: &[Option<Col>],
    only: Option<&'static Columns>,
) -> Option<(Score, &'static Columns, usize, Vec<Col>)> {
    let width_of_span = trees.len();
    let fits = |width: usize| (width_of_span.saturating_sub(EXTRA)..=width_of_span).contains(&width);
    let candidates: Vec<&'static Columns> = match only {
        Some(columns) => vec![columns],
        None => {
            let named: Vec<Col> = hints.iter().flatten().copied().collect();
            let mut nets: Vec<Network> = network_named(&named).into_iter().chain([Network::default()]).collect();
            nets.extend(networks_of_width(width_of_span));
            let mut tried = Vec::new();
            nets.retain(|&net| {
                fits(width(net)) && !tried.contains(&net) && {
                    tried.push(net);
                    true
                }
            });
            nets.into_iter().map(Columns::of).collect()
        }
    };
    // A step column counting the rows (`=A4+1`) is no quantity of the network.
    let step = |k: usize, t: &Expr<Loc>| {
        let above = Expr::Ref(Loc::In { at: k, offset: -1 });
        let one = Expr::Num(1.0);
        matches!(t, Expr::Bin(Op::Add, a, b) if (**a == above && **b == one) || (**b == above && **a == one))
    };
    let formulas = trees.iter().enumerate().filter(|(k, t)| t.as_ref().is_some_and(|t| !step(*k, t))).count();
    let mut best: Option<(Score, &'static Columns, usize, Vec<Col>)> = None;
    for columns in candidates.into_iter().filter(|c| fits(c.len())) {
        let search = |start: usize| {
            let window = start..start + columns.len();
            Search { columns, trees: &trees[window.clone()], hints: &hints[window], start }
        };
        // The placement whose first reading matches most is climbed from first.
        let mut starts: Vec<(usize, usize)> =
            (0..=width_of_span - columns.len()).map(|start| (search(start).initial_matches(), start)).collect();
        starts.sort_by_key(|&(m, start)| (std::cmp::Reverse(m), start));
        for (_, start) in starts {
            let (score, assignment) = search(start).run();
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, columns, start, assignment));
            }
            if best.as_ref().is_some_and(|b| b.0.matches == formulas) {
                return best;
            }
        }
    }
    best
}

/// The formula of each column's cell in the table's second row, as a tree over the columns of
/// the span; None where the cell holds no formula or one that does not parse.
fn trees(book: &Workbook, sheet_index: u32, row: u32, span: &[u32]) -> Vec<Option<Expr<Loc>>> {
    let sheet = &book.sheets[sheet_index as usize];
    span.iter()
        .map(|&col| {
            let text = sheet.formulas.get(&Pos { row, col })?;
            let tree = parse_formula(text, sheet_index, &|name| book.sheet_index(name)).ok()?;
            Some(tree.map_leaves(&|a| {
                let at = span.iter().position(|&c| c == a.pos.col);
                Expr::Ref(match at {
                    Some(at) if a.sheet == sheet_index && a.pos.row + 1 >= row => {
                        Loc::In { at, offset: i64::from(a.pos.row) - i64::from(row) }
                    }
                    _ => Loc::Outside,
                })
            }))
        })
        .collect()
}

/// How well an assignment reads a table: formulas matched, then headers agreed with, then
/// columns in the class layout's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    matches: usize,
    hints: usize,
    order: usize,
}

/// One network placed on a window of the span.
struct Search<'a> {
    columns: &'static Columns,
    trees: &'a [Option<Expr<Loc>>],
    hints: &'a [Option<Col>],
    start: usize,
}

impl Search<'_> {
    /// Whether column `k`'s formula, read under `assignment`, is its definition or a known
    /// mistake of it: 1 if so, else 0.
    fn matches(&self, assignment: &[Col], k: usize) -> usize {
        let Some(tree) = &self.trees[k] else { return 0 };
        let cells = tree.map_leaves(&|l| match l {
            Loc::In { at, offset } => match at.checked_sub(self.start).and_then(|a| assignment.get(a)) {
                Some(&col) => Expr::Ref(Cell::Table { col, offset, fixed: false }),
                None => Expr::Ref(Cell::Param(Param::Eta)),
            },
            Loc::Outside => Expr::Ref(Cell::Param(Param::Eta)),
        });
        usize::from(known(self.columns, assignment[k]).identifying.contains(&canonical(&cells)))
    }

    /// The places of the window that column `k`'s formula reads.
    fn window_leaves(&self, k: usize) -> Vec<usize> {
        let mut leaves = Vec::new();
        if let Some(t) = &self.trees[k] {
            t.leaves(&mut leaves);
        }
        leaves
            .into_iter()
            .filter_map(|l| match l {
                Loc::In { at, .. } => at.checked_sub(self.start).filter(|&a| a < self.columns.len()),
                Loc::Outside => None,
            })
            .collect()
    }

    fn score(&self, assignment: &[Col], matched: &[usize]) -> Score {
        let order = self.columns.all();
        Score {
            matches: matched.iter().sum(),
            hints: assignment.iter().zip(self.hints).filter(|(c, h)| Some(**c) == **h).count(),
            order: assignment.iter().zip(order).filter(|(a, b)| a == b).count(),
        }
    }

    /// The headers' reading where they name a column of this network once, the class order for
    /// the rest; then every swap of two columns that reads more formulas (or, as many, more
    /// headers, then more of the class order) is made, until none does.
    fn initial(&self) -> Vec<Col> {
        let all = self.columns.all();
        let named_once = |c: Col| self.columns.contains(c) && self.hints.iter().filter(|h| **h == Some(c)).count() == 1;
        let mut assignment: Vec<Option<Col>> = self.hints.iter().map(|h| h.filter(|&c| named_once(c))).collect();
        let taken: Vec<Col> = assignment.iter().flatten().copied().collect();
        let mut rest = all.iter().copied().filter(|c| !taken.contains(c));
        for a in assignment.iter_mut().filter(|a| a.is_none()) {
            *a = rest.next();
        }
        assignment.into_iter().map(|a| a.expect("as many columns as places")).collect()
    }

    /// The formulas the first reading matches: which placement to climb from first.
    fn initial_matches(&self) -> usize {
        let assignment = self.initial();
        (0..assignment.len()).map(|k| self.matches(&assignment, k)).sum()
    }

    fn run(&self) -> (Score, Vec<Col>) {
        let all = self.columns.all();
        let mut assignment = self.initial();
        // Which columns' formulas read each column: a swap changes only theirs and its own.
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
        for k in 0..all.len() {
            for a in self.window_leaves(k) {
                if !readers[a].contains(&k) {
                    readers[a].push(k);
                }
            }
        }
        let mut matched: Vec<usize> = (0..all.len()).map(|k| self.matches(&assignment, k)).collect();
        let mut score = self.score(&assignment, &matched);
        for _pass in 0..all.len() {
            // A swap reads more formulas only if it touches one that does not match yet: its
            // own column, or one it reads.
            let mut open: Vec<usize> = Vec::new();
            for k in (0..all.len()).filter(|&k| matched[k] == 0 && self.trees[k].is_some()) {
                open.push(k);
                open.extend(self.window_leaves(k));
            }
            open.sort();
            open.dedup();
            let mut improved = false;
            for &p in &open {
                for q in (0..all.len()).filter(|&q| q != p) {
                    assignment.swap(p, q);
                    let mut touched: Vec<usize> = readers[p].iter().chain(&readers[q]).copied().collect();
                    touched.extend([p, q]);
                    touched.sort();
                    touched.dedup();
                    let before: Vec<usize> = touched.iter().map(|&k| matched[k]).collect();
                    for &k in &touched {
                        matched[k] = self.matches(&assignment, k);
                    }
                    let new = self.score(&assignment, &matched);
                    if new > score {
                        score = new;
                        improved = true;
                    } else {
                        assignment.swap(p, q);
                        for (&k, b) in touched.iter().zip(before) {
                            matched[k] = b;
                        }
                    }
                }
            }
            if !improved {
                break;
            }
        }
        (score, assignment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_worksheets() {
        for net in [
            Network::default(),
            Network::shape(3, 4, 2).with_bias(Bias::Trained),
            Network::shape(1, 8, 5).with_bias(Bias::Fixed),
        ] {
            assert_eq!(width(net), Columns::of(net).len(), "{net}");
        }
        assert!(networks_of_width(31).contains(&Network::default()));
        assert!(networks_of_width(32).contains(&Network::default()), "with a step column");
    }

    /// Identification sees every cell outside the table as η; an optimizer's updates, which read
    /// μ, β1, β2 or δ there too, must still read as their definitions under the headed order,
    /// or every correct table of that optimizer is searched again.
    #[test]
    fn every_optimizer_s_columns_read_as_their_definitions() {
        use crate::model::columns::Ref;
        use crate::model::network::Optimizer;
        for name in Optimizer::NAMES {
            let optimizer = Optimizer::named(name).unwrap();
            let net =
                Network::shape(2, 3, 2).with_maths(crate::model::network::Maths { optimizer, ..Default::default() });
            let columns = Columns::of(net);
            // The second row as identification reads it: each reference a place and a row offset.
            let trees: Vec<Option<Expr<Loc>>> = columns
                .all()
                .iter()
                .map(|&c| {
                    Some(columns.definition(c).map_leaves(&|r| {
                        Expr::Ref(match r {
                            Ref::Cur(col) => Loc::In { at: columns.index(col), offset: 0 },
                            Ref::Prev(col) => Loc::In { at: columns.index(col), offset: -1 },
                            Ref::Param(_) => Loc::Outside,
                        })
                    }))
                })
                .collect();
            let hints: Vec<Option<Col>> = columns.all().iter().copied().map(Some).collect();
            let search = Search { columns, trees: &trees, hints: &hints, start: 0 };
            let unread: Vec<Col> =
                (0..trees.len()).filter(|&k| search.matches(columns.all(), k) == 0).map(|k| columns.all()[k]).collect();
            assert!(unread.is_empty(), "{name}: {unread:?}");
        }
    }
}
