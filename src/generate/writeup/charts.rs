//! The loss charts: E_total by iteration, every learning rate together and each alone, drawn by
//! plotters into SVG. The points are the workbook's charts' points, in the workbook's colours.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Run, number};
use crate::error::Failure;
use crate::generate::layout::rate_text;
use crate::generate::writer::PALETTE;

const SIZE: (u32, u32) = (900, 520);

/// Every learning rate's curve in one chart.
pub(crate) fn all(runs: &[Run]) -> Result<String, Failure> {
    let curves: Vec<(usize, &Run)> = runs.iter().enumerate().collect();
    draw("E_total by iteration, one curve per learning rate", &curves)
}

/// One learning rate's curve, in the colour it has among all of them.
pub(crate) fn one(runs: &[Run], k: usize) -> Result<String, Failure> {
    draw(&format!("E_total by iteration at η = {}", rate_text(runs[k].eta)), &[(k, &runs[k])])
}

/// A plotting error, which drawing into a string cannot meet but for a bug.
fn failed<E: std::error::Error + Send + Sync>(_: DrawingAreaErrorKind<E>) -> Failure {
    Failure::Failed("a chart could not be drawn; please report it with the command you ran".into())
}

fn colour(k: usize) -> RGBColor {
    let c = PALETTE[k % PALETTE.len()];
    RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
}

/// The chart of some curves, each `(its colour's index, its run)`: titled, with axes, and a
/// legend naming each η with its final E_total. A curve stops where its sheet overflowed.
fn draw(title: &str, curves: &[(usize, &Run)]) -> Result<String, Failure> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        plot(&root, title, curves).map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

type Drawn<'a> = Result<(), DrawingAreaErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>>;

/// A curve's points up to its sheet's first error.
fn points(run: &Run) -> impl Iterator<Item = (usize, f64)> + '_ {
    run.curve.iter().copied().filter(|(_, e)| e.is_finite())
}

fn plot<'a>(root: &DrawingArea<SVGBackend<'a>, Shift>, title: &str, curves: &[(usize, &Run)]) -> Drawn<'a> {
    let last = curves.iter().flat_map(|(_, r)| r.curve.last().map(|p| p.0)).max().unwrap_or(1).max(2);
    let top = curves.iter().flat_map(|(_, r)| points(r).map(|p| p.1)).fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24))
        .margin(18)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(1.0..last as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("E_total")
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for &(k, run) in curves {
        let style = colour(k).stroke_width(3);
        let (end, final_error) = run.curve.last().copied().unwrap_or((1, f64::NAN));
        let label = match run.diverged_at {
            Some(at) => format!("η = {}: #NUM! from iteration {at}", rate_text(run.eta)),
            None => format!("η = {}: {} at iteration {end}", rate_text(run.eta), number(final_error)),
        };
        chart
            .draw_series(LineSeries::new(points(run).map(|(i, e)| (i as f64, e)), style))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .margin(12)
        .draw()
}
