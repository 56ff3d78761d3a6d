//! The one typeface of every document: DejaVu Sans, regular and bold, embedded (krilla subsets
//! it to the glyphs used, so a page costs kilobytes, not the font's 700 KB) and measured with the
//! same shaper krilla draws with, so right-aligned figures end exactly at their column's edge.

use krilla::text::Font;
use rustybuzz::{Face, UnicodeBuffer};

use super::PdfError;

/// Regular or bold: all the emphasis a finance document needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// One weight: what krilla embeds, and the face that measures it.
struct Face2 {
    font: Font,
    face: Face<'static>,
}

pub struct Fonts {
    regular: Face2,
    bold: Face2,
}

impl Fonts {
    pub fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: face(dejavu::sans::regular(), "DejaVu Sans")?,
            bold: face(dejavu::sans::bold(), "DejaVu Sans Bold")?,
        })
    }

    pub fn font(&self, weight: Weight) -> Font {
        self.get(weight).font.clone()
    }

    /// The width of `text` set at `size` points, as drawn (kerning included).
    pub fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        let face = &self.get(weight).face;
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.units_per_em() as u16)
    }

    fn get(&self, weight: Weight) -> &Face2 {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

fn face(bytes: &'static [u8], name: &'static str) -> Result<Face2, PdfError> {
    let font = Font::new(bytes.into(), 0).ok_or(PdfError::Font { name })?;
    let face = Face::from_slice(bytes, 0).ok_or(PdfError::Font { name })?;
    Ok(Face2 { font, face })
}
