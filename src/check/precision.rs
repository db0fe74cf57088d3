//! How precisely a value was stored: a number typed as 0.24252 stands for anything that rounds
//! to it, and a formula's result keeps the digits its program writes (17 for Excel, 15 for
//! LibreOffice, 10 for some).

use crate::model::expr::{CellError, significant};

/// Significant digits of the shortest text that reads back as `x`, and its decimal exponent. A
/// value one ulp from a decimal of at most 12 digits is that decimal: a program that wrote
/// 0.199753 as 0.19975300000000001 did not mean 17 digits. (Within 15 digits, one double in
/// three is that close to some decimal by chance; within 12, one in thousands.)
pub(super) fn digits(x: f64) -> (u32, i32) {
    let own = significant(x);
    if !x.is_finite() || own.0 < 16 {
        return own;
    }
    [x.next_down(), x.next_up()].into_iter().map(significant).filter(|n| n.0 <= 12).min_by_key(|n| n.0).unwrap_or(own)
}

/// Half a unit in the last of `significant` digits of `x`: 0.24252 typed with 5 digits is
/// anything from 0.242515 to 0.242525. With 16 or 17 digits a value is at full precision: 0.
pub(super) fn half_unit(x: f64, significant: u32) -> f64 {
    if !x.is_finite() || x == 0.0 || significant >= 16 {
        return 0.0;
    }
    0.5 * 10f64.powi(digits(x).1 - significant as i32 + 1)
}

/// `x` written with `n` significant digits.
pub(super) fn round_to(x: f64, n: u32) -> String {
    if let Some(e) = CellError::of(x) {
        return e.text().into();
    }
    let decimals = (n as i32 - 1 - digits(x).1).max(0) as usize;
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_precision_sets_the_tolerance() {
        let own = |x: f64| half_unit(x, digits(x).0);
        assert_eq!(own(0.24252), 0.000005);
        assert!((own(0.2425198573) - 5e-11).abs() < 1e-25);
        assert_eq!(own(0.24251985734837728), 0.0);
        assert_eq!(own(0.0), 0.0);
        assert!((own(-1.5e-4) - 5e-6).abs() < 1e-20);
        // A formula's cached 0.15 from a program that keeps 17 digits is exact, not "0.15 ± 0.005".
        assert_eq!(half_unit(0.15, 17), 0.0);
        assert!((half_unit(0.15, 10) - 5e-11).abs() < 1e-25);
    }

    #[test]
    fn one_ulp_from_a_short_decimal_is_that_decimal() {
        let x: f64 = 0.199753;
        assert_eq!(digits(x.next_up()), (6, -1));
        assert_eq!(digits(x.next_down()), (6, -1));
        assert_eq!(digits(0.24251985734837728).0, 17, "a full-precision value stays full");
    }

    #[test]
    fn rounding_for_messages() {
        assert_eq!(round_to(0.5068653163601379, 4), "0.5069");
        assert_eq!(round_to(0.00022481346, 3), "0.000225");
        assert_eq!(round_to(12.6, 2), "13");
    }
}
