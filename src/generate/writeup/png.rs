//! An SVG of the write-up rendered to PNG by resvg, in pure Rust, with the font bundled in the
//! binary: the same pixels on every machine, no system library or system font needed.

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::error::Failure;

/// DejaVu Sans: it has every glyph the write-up writes (η, ∂, ·, subscripts aside).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "DejaVu Sans";

/// `svg` as a PNG `width` pixels wide, its height in proportion, on white.
pub(crate) fn render(svg: &str, width: u32) -> Result<Vec<u8>, Failure> {
    let failed = |what: &str| Failure::Failed(format!("{what}; please report it with the command you ran"));
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(FONT.to_vec());
    fonts.set_sans_serif_family(FAMILY);
    let options = usvg::Options { font_family: FAMILY.into(), fontdb: Arc::new(fonts), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|_| failed("a picture could not be read back as SVG"))?;
    let size = tree.size();
    let scale = width as f32 / size.width();
    let height = (size.height() * scale).round().max(1.0) as u32;
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or_else(|| failed("a PNG of that size cannot be made"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|_| failed("a PNG could not be encoded"))
}
