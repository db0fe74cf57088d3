//! One assignment per student: each student's initial values, a pure function of the network,
//! the teacher's seed and the student's id, and the stamp a workbook carries of them.
//!
//! The values come from a counter-based generator: the k-th draw is a SHA-256 digest of (seed,
//! id, k), so any student's values can be recomputed alone, in any order, by `template` that
//! issues them and by `check` that holds a submission to them, with nothing kept but the roster
//! and the seed. Each value is drawn in hundredths within the ranges of [`RANGES`], measured so
//! that every network up to 8-8-8 still learns at the assignment's learning rates.

use sha2::{Digest, Sha256};

use crate::model::columns::{Col, Columns};
use crate::model::engine::{Inputs, Row, last_row};
use crate::model::network::Network;

/// A range of initial values, in hundredths, both ends included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub low: u32,
    pub high: u32,
}

impl Range {
    pub fn contains(self, value: f64) -> bool {
        (f64::from(self.low) / 100.0..=f64::from(self.high) / 100.0).contains(&value)
    }
}

/// Where each kind of initial value is drawn from. Measured (see the README's "Issuing
/// variants"): within these, E_total falls over 100 iterations at every learning rate from 0.1
/// to 2 and no cell is an error, in every network up to 8-8-8 tried, with or without biases.
pub const RANGES: [(&str, Range); 4] = [
    ("targets", Range { low: 1, high: 99 }),
    ("inputs", Range { low: 5, high: 95 }),
    ("weights", Range { low: 5, high: 60 }),
    ("biases", Range { low: 20, high: 60 }),
];

/// The range a typed column's values are drawn from.
pub fn range(col: Col) -> Range {
    let kind = match col {
        Col::T(_) => 0,
        Col::I(_) => 1,
        Col::W(_) => 2,
        _ => 3,
    };
    RANGES[kind].1
}

/// A student's initial values for `network`: the same (network, seed, id) always gives the same
/// values, and each value is the double nearest its two-decimal text.
pub fn draw(network: Network, seed: u64, id: &str) -> Inputs {
    let key = Sha256::new()
        .chain_update(b"backprop-sheet variant\0")
        .chain_update(seed.to_le_bytes())
        .chain_update(id.as_bytes())
        .finalize();
    let columns = Columns::of(network);
    let mut inputs = Inputs::new(columns);
    for (k, col) in columns.typed().enumerate() {
        let word = Sha256::new().chain_update(key).chain_update((k as u64).to_le_bytes()).finalize();
        let word = u64::from_le_bytes(word[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
        let Range { low, high } = range(col);
        let hundredths = low + (word % u64::from(high - low + 1)) as u32;
        inputs.set(col, f64::from(hundredths) / 100.0);
    }
    inputs
}

/// The first of `learning_rates` at which the network does not learn from `inputs`: E_total not
/// lower after `iterations` than at the first, or a cell an error. Within [`RANGES`] the
/// assignment's rates all learn; a teacher's own rates are held to the same test.
pub fn not_learning(inputs: &Inputs, learning_rates: &[f64], iterations: usize) -> Option<f64> {
    let formulas = inputs.columns().formulas();
    let first = Row::first(inputs, formulas).get(Col::ETotal);
    learning_rates.iter().copied().find(|&eta| {
        let (last, error) = last_row(inputs, eta, iterations, formulas);
        // Not lower: higher, the same, or an error value (a NaN), which compares with nothing.
        error.is_some() || last.get(Col::ETotal).partial_cmp(&first) != Some(std::cmp::Ordering::Less)
    })
}

/// A short digest of a first row's typed values, each written as its shortest round-trip text
/// after its name: two workbooks share it exactly when they start from the same values.
pub fn digest(inputs: &Inputs) -> String {
    digest_of(inputs.columns().typed().map(|col| (col.name(), inputs.get(col))))
}

/// The digest of typed values given by name, in the columns' order: what a submission's first
/// row, or a line of the key, is compared by without building the network's columns.
pub fn digest_of<N: AsRef<str>>(values: impl IntoIterator<Item = (N, f64)>) -> String {
    let mut hash = Sha256::new();
    for (name, value) in values {
        hash.update(format!("{}={value}\n", name.as_ref()));
    }
    hash.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// To whom, and from which seed, a workbook's initial values were issued: neither for a
/// workbook of typed or default values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Issue {
    pub student: Option<String>,
    pub seed: Option<u64>,
}

/// What a workbook says of its origin in its custom document properties: its issue, the
/// digest of the first row it was written with (None in a workbook that carries no stamp), and
/// the submission it is the marked copy of, when `check --annotate` wrote it (so that a later
/// run over the folder holding it does not grade it as a student's).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stamp {
    pub issue: Issue,
    pub values: Option<String>,
    pub marked_copy_of: Option<String>,
}

impl Stamp {
    /// The custom properties' names, as Excel's File > Properties > Custom lists them.
    pub const STUDENT: &str = "backprop-sheet student";
    pub const SEED: &str = "backprop-sheet seed";
    pub const VALUES: &str = "backprop-sheet values";
    pub const MARKED_COPY_OF: &str = "backprop-sheet marked copy of";

    /// The stamp of a workbook starting from `inputs`.
    pub fn of(inputs: &Inputs, issue: &Issue) -> Stamp {
        Stamp { issue: issue.clone(), values: Some(digest(inputs)), marked_copy_of: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::network::Bias;

    #[test]
    fn a_student_s_values_depend_on_the_seed_and_the_id_alone() {
        let n = Network::default();
        assert_eq!(draw(n, 7, "123"), draw(n, 7, "123"));
        assert_ne!(draw(n, 7, "123"), draw(n, 8, "123"));
        assert_ne!(draw(n, 7, "123"), draw(n, 7, "124"));
        // The id is data, not a prefix of the counter: "1" with seed 23 is not "12" with seed 3.
        assert_ne!(draw(n, 23, "1"), draw(n, 3, "12"));
    }

    #[test]
    fn every_value_is_a_two_decimal_number_in_its_range() {
        let network = Network::shape(3, 4, 2).with_bias(Bias::Trained);
        for id in 0..200 {
            let inputs = draw(network, 1, &id.to_string());
            for col in inputs.columns().typed() {
                let v = inputs.get(col);
                assert!(range(col).contains(v), "{col:?} = {v}");
                assert_eq!(v, (v * 100.0).round() / 100.0, "{col:?} = {v}");
            }
        }
    }

    #[test]
    fn the_draws_reach_both_ends_of_each_range() {
        let n = Network::default();
        let values: Vec<Inputs> = (0..2000).map(|id| draw(n, 5, &id.to_string())).collect();
        for col in Columns::of(n).typed() {
            let seen: Vec<f64> = values.iter().map(|v| v.get(col)).collect();
            let Range { low, high } = range(col);
            assert_eq!(seen.iter().cloned().fold(f64::INFINITY, f64::min), f64::from(low) / 100.0, "{col:?}");
            assert_eq!(seen.iter().cloned().fold(f64::NEG_INFINITY, f64::max), f64::from(high) / 100.0, "{col:?}");
        }
    }

    #[test]
    fn a_rate_too_large_to_learn_at_is_found() {
        let inputs = draw(Network::default(), 1, "a");
        assert_eq!(not_learning(&inputs, &[0.1, 0.2, 0.5, 0.8, 1.0, 2.0], 100), None);
        // So large a step overshoots at once: E_total ends higher than it starts.
        assert_eq!(not_learning(&inputs, &[1.0, 1e6, 2e6], 100), Some(1e6));
        assert_eq!(not_learning(&inputs, &[1.0], 1), Some(1.0), "one row cannot fall");
    }

    #[test]
    fn the_digest_changes_with_any_value_and_only_with_one() {
        let defaults = Inputs::defaults(Columns::class());
        let same = Inputs::defaults(Columns::class());
        assert_eq!(digest(&defaults), digest(&same));
        assert_eq!(digest(&defaults).len(), 16);
        for col in Columns::class().typed() {
            let mut changed = same.clone();
            changed.set(col, defaults.get(col) + 1e-12);
            assert_ne!(digest(&changed), digest(&defaults), "{col:?}");
        }
    }
}
