//! The measurement behind the ranges the students' values are drawn from (`variant::RANGES`,
//! the README's "Issuing variants"), kept so that it can be run again: values drawn evenly, in
//! hundredths, within a candidate's ranges, each draw run 100 iterations at every learning rate
//! of the assignment with the engine. Per network and candidate it prints how many draws learned
//! at every rate (E_total lower at every iteration than at the one before, no cell an error) and,
//! at η = 0.1, the largest ratio of the final E_total to the first.
//! `cargo bench --bench variant_ranges` (add `-- DRAWS` for another number of small-network draws).

use backprop_sheet::columns::{Col, Columns};
use backprop_sheet::engine::{Inputs, last_row, rows};
use backprop_sheet::network::{Bias, Network};
use backprop_sheet::variant;

const RATES: [f64; 6] = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0];
const ITERATIONS: usize = 100;

/// A candidate: its name and, per kind of value, the range in hundredths (None: the one the
/// students get).
struct Candidate {
    name: &'static str,
    weights: Option<(u64, u64)>,
    all: Option<(u64, u64)>,
}

const CANDIDATES: [Candidate; 3] = [
    Candidate { name: "the ranges issued", weights: None, all: None },
    Candidate { name: "weights 0.05 to 0.99", weights: Some((5, 99)), all: None },
    Candidate { name: "every value 0.01 to 0.99", weights: None, all: Some((1, 99)) },
];

/// splitmix64: a reproducible stream of draws, independent of the variant generator measured.
struct Draws(u64);

impl Draws {
    fn next(&mut self, low: u64, high: u64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (low + z % (high - low + 1)) as f64 / 100.0
    }
}

fn draw(network: Network, candidate: &Candidate, draws: &mut Draws) -> Inputs {
    let columns = Columns::of(network);
    let mut inputs = Inputs::new(columns);
    for col in columns.typed() {
        let issued = variant::range(col);
        let (low, high) = match (candidate.all, candidate.weights, col) {
            (Some(range), ..) => range,
            (None, Some(range), Col::W(_)) => range,
            _ => (u64::from(issued.low), u64::from(issued.high)),
        };
        inputs.set(col, draws.next(low, high));
    }
    inputs
}

/// Whether a draw learns at every rate, and its final-to-first ratio at the first rate.
fn run(inputs: &Inputs) -> (bool, f64) {
    let formulas = inputs.columns().formulas();
    let mut ratio = f64::NAN;
    let mut learned = true;
    for (k, eta) in RATES.into_iter().enumerate() {
        let totals: Vec<f64> = rows(inputs, eta, ITERATIONS, formulas).map(|r| r.get(Col::ETotal)).collect();
        learned &= last_row(inputs, eta, ITERATIONS, formulas).1.is_none() && totals.windows(2).all(|w| w[1] < w[0]);
        if k == 0 {
            ratio = totals[totals.len() - 1] / totals[0];
        }
    }
    (learned, ratio)
}

fn main() {
    let small: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let networks = [
        (Network::shape(2, 2, 2), small),
        (Network::shape(2, 2, 2).with_bias(Bias::Fixed), small),
        (Network::shape(2, 2, 2).with_bias(Bias::Trained), small),
        (Network::shape(1, 1, 1), small),
        (Network::shape(2, 3, 2), small),
        (Network::shape(8, 8, 8), 150),
        (Network::shape(8, 8, 8).with_bias(Bias::Trained), 150),
        (Network::shape(8, 1, 8).with_bias(Bias::Fixed), 150),
        (Network::shape(1, 8, 1).with_bias(Bias::Fixed), 150),
        (Network::shape(8, 8, 1).with_bias(Bias::Fixed), 150),
        (Network::shape(1, 1, 8).with_bias(Bias::Fixed), 150),
        (Network::shape(4, 4, 4).with_bias(Bias::Fixed), 150),
    ];
    for candidate in &CANDIDATES {
        println!("{}:", candidate.name);
        for (k, &(network, n)) in networks.iter().enumerate() {
            let mut draws = Draws(k as u64 + 1);
            let (mut learned, mut worst) = (0, 0.0f64);
            for _ in 0..n {
                let (ok, ratio) = run(&draw(network, candidate, &mut draws));
                learned += usize::from(ok);
                worst = worst.max(ratio);
            }
            println!(
                "  {network:<24} {learned:>5} of {n:>5} learn at every rate; at η = 0.1 E_total ends at most at {worst:.3} of its first"
            );
        }
    }
}
