//! A small layout helper over krilla, which only places glyphs at absolute positions: a sheet
//! that lays text, rules and bands out top to bottom on A4 pages, fits and wraps text to a
//! width, and tables whose header comes back on every page they run onto.
//!
//! Layout and painting are two steps: the sheet first builds each page's list of marks, then
//! paints them all, because the footer says "Page 1 of 3" and the count is known only at the end.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

use super::PdfError;
use super::fonts::{Fonts, Weight};

/// A4 in points, and the margins every document keeps.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN: f32 = 48.0;
pub const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Where content stops, leaving room for the footer.
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 24.0;

/// The few colours of a document: ink for text, a grey for labels and rules, a pale band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    Text,
    Muted,
    Accent,
    Band,
}

impl Ink {
    fn rgb(self) -> rgb::Color {
        match self {
            Ink::Text => rgb::Color::new(33, 37, 41),
            Ink::Muted => rgb::Color::new(108, 117, 125),
            Ink::Accent => rgb::Color::new(19, 78, 120),
            Ink::Band => rgb::Color::new(236, 241, 246),
        }
    }
}

/// How a run of text is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    pub ink: Ink,
}

impl Style {
    pub const BODY: Style = Style { size: 9.5, weight: Weight::Regular, ink: Ink::Text };
    pub const STRONG: Style = Style { size: 9.5, weight: Weight::Bold, ink: Ink::Text };
    pub const LABEL: Style = Style { size: 8.0, weight: Weight::Regular, ink: Ink::Muted };
    pub const TITLE: Style = Style { size: 22.0, weight: Weight::Bold, ink: Ink::Accent };
    pub const HEADING: Style = Style { size: 11.0, weight: Weight::Bold, ink: Ink::Accent };

    fn line_height(self) -> f32 {
        self.size * 1.45
    }
}

/// One mark on a page. `y` is the text's baseline, from the top of the page.
#[derive(Clone, Debug)]
enum Mark {
    Text { x: f32, y: f32, style: Style, text: String },
    Rule { x1: f32, x2: f32, y: f32, ink: Ink, width: f32 },
    Band { x: f32, y: f32, w: f32, h: f32, ink: Ink },
}

/// Left or right alignment within a column; money is right-aligned so the decimals line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    pub width: f32,
    pub align: Align,
}

/// A table's columns, left to right from the left margin; the first may wrap onto a second line
/// (a long description), the others are cut to fit with an ellipsis.
#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table { columns }
    }

    fn lefts(&self) -> impl Iterator<Item = (f32, &Column)> {
        self.columns.iter().scan(MARGIN, |x, column| {
            let left = *x;
            *x += column.width;
            Some((left, column))
        })
    }
}

/// Space between a cell's text and its column's edge.
const PAD: f32 = 4.0;

/// The pages being laid out, and where the next line goes.
pub struct Sheet {
    fonts: Fonts,
    pages: Vec<Vec<Mark>>,
    y: f32,
    /// The table being laid out, whose header a new page repeats.
    running: Option<Table>,
}

impl Sheet {
    pub fn new() -> Result<Sheet, PdfError> {
        Ok(Sheet { fonts: Fonts::load()?, pages: vec![Vec::new()], y: MARGIN, running: None })
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn set_y(&mut self, y: f32) {
        self.y = y;
    }

    /// Moves down by `points`.
    pub fn skip(&mut self, points: f32) {
        self.y += points;
    }

    pub fn width(&self, text: &str, style: Style) -> f32 {
        self.fonts.width(text, style.size, style.weight)
    }

    /// Text with its left edge at `x`, on the baseline `y`.
    pub fn text(&mut self, x: f32, y: f32, style: Style, text: &str) {
        if !text.is_empty() {
            self.mark(Mark::Text { x, y, style, text: text.to_owned() });
        }
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, style: Style, text: &str) {
        let x = right - self.width(text, style);
        self.text(x, y, style, text);
    }

    /// A line of text at the left margin, then down one line.
    pub fn line(&mut self, style: Style, text: &str) {
        self.ensure(style.line_height());
        self.y += style.size;
        self.text(MARGIN, self.y, style, text);
        self.y += style.line_height() - style.size;
    }

    /// A horizontal rule across `x1..x2` at the current position.
    pub fn rule(&mut self, x1: f32, x2: f32, ink: Ink, width: f32) {
        self.mark(Mark::Rule { x1, x2, y: self.y, ink, width });
    }

    pub fn band(&mut self, x: f32, y: f32, w: f32, h: f32, ink: Ink) {
        self.mark(Mark::Band { x, y, w, h, ink });
    }

    /// `text` cut to `width`, with an ellipsis when anything was cut.
    pub fn fit(&self, text: &str, width: f32, style: Style) -> String {
        if self.width(text, style) <= width {
            return text.to_owned();
        }
        let mut kept: String = text.to_owned();
        while !kept.is_empty() {
            kept.pop();
            let candidate = format!("{}…", kept.trim_end());
            if self.width(&candidate, style) <= width {
                return candidate;
            }
        }
        String::new()
    }

    /// `text` broken into lines of at most `width` at spaces (a word longer than a line is cut),
    /// at most `max_lines` of them, the last ending in an ellipsis if text was left over.
    pub fn wrap(&self, text: &str, width: f32, style: Style, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let tried = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
            if self.width(&tried, style) <= width || current.is_empty() {
                current = tried;
            } else {
                lines.push(std::mem::replace(&mut current, word.to_owned()));
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines {
            let rest = lines.split_off(max_lines - 1).join(" ");
            lines.push(self.fit(&format!("{rest}…"), width, style));
        }
        lines.into_iter().map(|line| self.fit(&line, width, style)).collect()
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
            if let Some(table) = self.running.clone() {
                self.header_row(&table);
            }
        }
    }

    /// Begins a table: its header now, and again at the top of every page it runs onto.
    pub fn begin_table(&mut self, table: &Table) {
        self.ensure(Style::LABEL.line_height() * 3.0);
        self.header_row(table);
        self.running = Some(table.clone());
    }

    pub fn end_table(&mut self) {
        self.running = None;
    }

    fn header_row(&mut self, table: &Table) {
        let height = Style::LABEL.line_height() + 6.0;
        let width: f32 = table.columns.iter().map(|c| c.width).sum();
        self.band(MARGIN, self.y, width, height, Ink::Band);
        let baseline = self.y + 4.0 + Style::LABEL.size;
        let style = Style { weight: Weight::Bold, ..Style::LABEL };
        for (left, column) in table.lefts().collect::<Vec<_>>() {
            self.cell(left, column, baseline, style, &column.title);
        }
        self.y += height;
    }

    /// One row: each cell in its column, the first wrapping onto two lines at most.
    pub fn row(&mut self, table: &Table, cells: &[String], style: Style) {
        let first = table.columns.first().map_or(0.0, |c| c.width - 2.0 * PAD);
        let lines = self.wrap(cells.first().map_or("", String::as_str), first, style, 2);
        let height = style.line_height() * lines.len().max(1) as f32 + 4.0;
        self.ensure(height);
        let baseline = self.y + 2.0 + style.size;
        for (index, ((left, column), cell)) in table.lefts().zip(cells).collect::<Vec<_>>().into_iter().enumerate() {
            if index == 0 {
                for (n, line) in lines.iter().enumerate() {
                    self.cell(left, column, baseline + n as f32 * style.line_height(), style, line);
                }
            } else {
                let text = self.fit(cell, column.width - 2.0 * PAD, style);
                self.cell(left, column, baseline, style, &text);
            }
        }
        self.y += height;
        let right = MARGIN + table.columns.iter().map(|c| c.width).sum::<f32>();
        self.rule(MARGIN, right, Ink::Band, 0.6);
    }

    fn cell(&mut self, left: f32, column: &Column, baseline: f32, style: Style, text: &str) {
        match column.align {
            Align::Left => self.text(left + PAD, baseline, style, text),
            Align::Right => self.text_right(left + column.width - PAD, baseline, style, text),
        }
    }

    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// Paints every page, each with `footer` and its page number, into the PDF's bytes.
    pub fn finish(self, title: &str, footer: &str) -> Result<Vec<u8>, PdfError> {
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new().title(title.to_owned()).creator("CollectIQ".to_owned()).language("en".to_owned()),
        );
        let count = self.pages.len();
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::PageSize)?;
        for (number, marks) in self.pages.iter().enumerate() {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            let mut paint = |mark: &Mark| match mark {
                Mark::Text { x, y, style, text } => {
                    surface.set_fill(Some(fill(style.ink)));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        self.fonts.font(style.weight),
                        style.size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Mark::Rule { x1, x2, y, ink, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y);
                    path.line_to(*x2, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: ink.rgb().into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Mark::Band { x, y, w, h, ink } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(fill(*ink)));
                        surface.draw_path(&path);
                    }
                }
            };
            marks.iter().for_each(&mut paint);
            let baseline = PAGE_HEIGHT - MARGIN + 4.0;
            let page_label = format!("Page {} of {count}", number + 1);
            paint(&Mark::Rule { x1: MARGIN, x2: RIGHT, y: baseline - 12.0, ink: Ink::Band, width: 0.6 });
            paint(&Mark::Text { x: MARGIN, y: baseline, style: Style::LABEL, text: footer.to_owned() });
            let x = RIGHT - self.fonts.width(&page_label, Style::LABEL.size, Weight::Regular);
            paint(&Mark::Text { x, y: baseline, style: Style::LABEL, text: page_label });
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|cause| PdfError::Write { cause })
    }
}

fn fill(ink: Ink) -> Fill {
    Fill { paint: ink.rgb().into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}
