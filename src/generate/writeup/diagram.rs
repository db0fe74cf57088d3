//! The network drawn: inputs, hidden units and outputs in three columns, the biases above the
//! layers they feed, every connection labelled with its weight's name and initial value.
//!
//! The canvas grows with the widest layer, and each label is put on its own connection where it
//! covers no other label and no unit (tried from the middle of the line outwards), so that even
//! 8-8-8's 128 labels stay legible.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::number;
use crate::error::Failure;
use crate::model::columns::Col;
use crate::model::engine::Inputs;
use crate::model::network::{Bias, Network};

const RADIUS: i32 = 24;
const LABEL_SIZE: f64 = 13.0;
/// Room left and right of the outer layers, for the inputs' values and the targets.
const SIDE: i32 = 150;

type Point = (i32, i32);

/// A box a label or a unit takes, as (left, top, right, bottom).
type Area = (i32, i32, i32, i32);

fn overlaps(a: Area, b: Area) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Where the units sit.
struct Layout {
    inputs: Vec<Point>,
    hidden: Vec<Point>,
    outputs: Vec<Point>,
    biases: [Point; 2],
    size: (u32, u32),
}

impl Layout {
    /// The units of a network, with room above the layers for the biases when it has them.
    fn new(network: Network) -> Layout {
        let Network { inputs, hidden, outputs, .. } = network;
        let widest = i32::from(inputs.max(hidden).max(outputs));
        let spacing = if widest > 4 { 125 } else { 110 };
        let gap = 240 + 40 * widest;
        let top = if network.bias == Bias::None { 40 } else { 120 };
        let height = top + widest * spacing + 10;
        let column = |n: u8, x: i32| {
            let n = i32::from(n);
            let first = top + (widest - n) * spacing / 2 + spacing / 2;
            (0..n).map(|k| (x, first + k * spacing)).collect::<Vec<_>>()
        };
        let x = [SIDE, SIDE + gap, SIDE + 2 * gap];
        Layout {
            inputs: column(inputs, x[0]),
            hidden: column(hidden, x[1]),
            outputs: column(outputs, x[2]),
            biases: [(x[0] + gap / 2, top - 30), (x[1] + gap / 2, top - 30)],
            size: ((x[2] + SIDE) as u32, height as u32),
        }
    }
}

/// A connection to draw and label.
struct Edge {
    from: Point,
    to: Point,
    label: Option<String>,
}

/// The connections: every weight's, labelled with its name and initial value, then the biases'.
fn edges(layout: &Layout, inputs: &Inputs) -> Vec<Edge> {
    let net = inputs.columns().network;
    let mut edges = Vec::new();
    for n in 1..=net.weights() {
        let link = net.link(n);
        let (from, to) = match link.layer {
            1 => (layout.inputs[usize::from(link.from - 1)], layout.hidden[usize::from(link.to - 1)]),
            _ => (layout.hidden[usize::from(link.from - 1)], layout.outputs[usize::from(link.to - 1)]),
        };
        edges.push(Edge { from, to, label: Some(format!("w{n} = {}", number(inputs.get(Col::W(n))))) });
    }
    if net.bias != Bias::None {
        edges.extend(layout.hidden.iter().map(|&to| Edge { from: layout.biases[0], to, label: None }));
        edges.extend(layout.outputs.iter().map(|&to| Edge { from: layout.biases[1], to, label: None }));
    }
    edges
}

/// The network of `inputs`, with its initial values, as SVG.
pub(crate) fn svg(inputs: &Inputs) -> Result<String, Failure> {
    let columns = inputs.columns();
    let net = columns.network;
    let layout = Layout::new(net);
    let edges = edges(&layout, inputs);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, layout.size).into_drawing_area();
        draw(&root, &layout, &edges, inputs).map_err(|_| {
            Failure::Failed("the network could not be drawn; please report it with the command you ran".into())
        })?;
    }
    Ok(svg)
}

type Root<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Drawn<'a> = Result<(), DrawingAreaErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>>;

fn centred(size: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(HPos::Center, VPos::Center))
}

fn draw<'a>(root: &Root<'a>, layout: &Layout, edges: &[Edge], inputs: &Inputs) -> Drawn<'a> {
    let columns = inputs.columns();
    root.fill(&WHITE)?;
    let line = RGBColor(0x7f, 0x8c, 0x99);
    for e in edges {
        let style = if e.label.is_some() { line.stroke_width(1) } else { line.mix(0.6).stroke_width(1) };
        root.draw(&PathElement::new(vec![e.from, e.to], style))?;
    }
    let layers = [
        (&layout.inputs, "i", RGBColor(0xFF, 0xF2, 0xCC), "inputs"),
        (&layout.hidden, "h", RGBColor(0xDD, 0xEB, 0xF7), "hidden layer"),
        (&layout.outputs, "o", RGBColor(0xE2, 0xF0, 0xD9), "outputs"),
    ];
    for (units, prefix, fill, caption) in layers {
        let x = units[0].0;
        root.draw(&Text::new(caption, (x, 20), centred(17.0)))?;
        for (k, &p) in units.iter().enumerate() {
            unit(root, p, &format!("{prefix}{}", k + 1), fill)?;
        }
    }
    for (k, &p) in layout.inputs.iter().enumerate() {
        let value = format!("{} ", number(inputs.get(Col::I(k as u8 + 1))));
        let style = TextStyle::from(("sans-serif", 15.0).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(value, (p.0 - RADIUS - 6, p.1), style))?;
    }
    for (k, &p) in layout.outputs.iter().enumerate() {
        let target = format!("target t{} = {}", k + 1, number(inputs.get(Col::T(k as u8 + 1))));
        let style = TextStyle::from(("sans-serif", 15.0).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(target, (p.0 + RADIUS + 8, p.1), style))?;
    }
    if columns.network.bias != Bias::None {
        for (k, &p) in layout.biases.iter().enumerate() {
            let name = format!("b{}", k + 1);
            unit(root, p, &name, RGBColor(0xF2, 0xF2, 0xF2))?;
            let value = number(inputs.get(Col::B(k as u8 + 1)));
            let style = TextStyle::from(("sans-serif", 15.0).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(format!("{name} = {value}"), (p.0 + RADIUS + 6, p.1), style))?;
        }
    }
    for (e, area) in edges.iter().zip(place_labels(layout, edges, columns.network.bias != Bias::None)) {
        if let (Some(text), Some(a)) = (&e.label, area) {
            root.draw(&Rectangle::new([(a.0, a.1), (a.2, a.3)], WHITE.mix(0.92).filled()))?;
            root.draw(&Text::new(text.clone(), ((a.0 + a.2) / 2, (a.1 + a.3) / 2), centred(LABEL_SIZE)))?;
        }
    }
    root.present()
}

fn unit<'a>(root: &Root<'a>, p: Point, name: &str, fill: RGBColor) -> Drawn<'a> {
    root.draw(&Circle::new(p, RADIUS, fill.filled()))?;
    root.draw(&Circle::new(p, RADIUS, BLACK.stroke_width(2)))?;
    root.draw(&Text::new(name.to_string(), p, centred(16.0)))
}

/// Where each connection's label goes: on the connection, at the first place from the middle
/// outwards where it covers no unit and no label placed before it; where there is none, at the
/// place that covers least.
fn place_labels(layout: &Layout, edges: &[Edge], biases: bool) -> Vec<Option<Area>> {
    let around = |p: Point, right: i32| (p.0 - RADIUS, p.1 - RADIUS, p.0 + RADIUS + right, p.1 + RADIUS);
    let units = layout.inputs.iter().chain(&layout.hidden).chain(&layout.outputs);
    let mut taken: Vec<Area> = units.map(|&p| around(p, 0)).collect();
    if biases {
        // A bias's value is written to the right of it.
        taken.extend(layout.biases.iter().map(|&p| around(p, 110)));
    }
    let mut placed = Vec::with_capacity(edges.len());
    for e in edges {
        let Some(text) = &e.label else {
            placed.push(None);
            continue;
        };
        let width = (text.chars().count() as f64 * LABEL_SIZE * 0.58) as i32 + 8;
        let height = LABEL_SIZE as i32 + 5;
        let at = |t: f64| {
            let x = f64::from(e.from.0) + t * f64::from(e.to.0 - e.from.0);
            let y = f64::from(e.from.1) + t * f64::from(e.to.1 - e.from.1);
            let (x, y) = (x.round() as i32, y.round() as i32);
            (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        };
        let candidates = (0..=48).map(|k| {
            let step = f64::from((k + 1) / 2) * 0.014;
            0.5 + if k % 2 == 0 { step } else { -step }
        });
        let covered = |a: Area| taken.iter().filter(|&&b| overlaps(a, b)).count();
        let best = candidates.map(at).min_by_key(|&a| covered(a)).expect("some place on the line");
        taken.push(best);
        placed.push(Some(best));
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::columns::Columns;

    /// Legible: no label covers another or a unit, in every shape up to 8-8-8.
    #[test]
    fn no_label_covers_another_or_a_unit() {
        for (i, h, o) in [(2, 2, 2), (2, 3, 2), (3, 2, 1), (8, 8, 8), (8, 1, 8), (1, 8, 1)] {
            for bias in [Bias::None, Bias::Trained] {
                let network = Network::shape(i, h, o).with_bias(bias);
                let inputs = Inputs::defaults(Columns::of(network));
                let layout = Layout::new(network);
                let edges = edges(&layout, &inputs);
                let areas: Vec<Area> =
                    place_labels(&layout, &edges, bias != Bias::None).into_iter().flatten().collect();
                assert_eq!(areas.len(), usize::from(network.weights()), "{network}");
                let units = layout.inputs.iter().chain(&layout.hidden).chain(&layout.outputs);
                let units: Vec<Area> =
                    units.map(|&p| (p.0 - RADIUS, p.1 - RADIUS, p.0 + RADIUS, p.1 + RADIUS)).collect();
                for (k, &a) in areas.iter().enumerate() {
                    assert!(!areas[..k].iter().any(|&b| overlaps(a, b)), "{network}: label {k} covers another");
                    assert!(!units.iter().any(|&u| overlaps(a, u)), "{network}: label {k} covers a unit");
                    assert!(a.0 >= 0 && a.1 >= 0 && a.2 <= layout.size.0 as i32 && a.3 <= layout.size.1 as i32);
                }
            }
        }
    }
}
