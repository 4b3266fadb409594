//! SVG text primitives: XML escaping, text width estimates and marker shapes.

use std::fmt::Write;

/// Font stack of every chart. DejaVu Sans and Liberation Sans come with most
/// Linux desktops. The text width estimates below assume DejaVu Sans, the
/// widest of the list, so labels set in the others only get more room.
pub const FONT_FAMILY: &str = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";

/// Escapes `text` for XML and HTML text and attribute values.
///
/// Replaces `&`, `<`, `>`, `"` and `'` with entities and drops the control
/// characters that XML 1.0 forbids (all below U+0020 except tab, line feed
/// and carriage return), so any string gives a well-formed document.
pub fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Estimates the width in pixels of `text` set in DejaVu Sans at `size` px.
///
/// An estimate from per-class advance widths (narrow punctuation, digits,
/// lower case, wide letters), within about 10% for labels of letters and
/// digits. Layout code adds a few pixels of margin on top of it.
pub fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.30,
            ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' => 0.38,
            'm' | 'w' | 'M' | 'W' => 0.95,
            '0'..='9' | 'a'..='z' => 0.62,
            'A'..='Z' => 0.72,
            _ => 0.75,
        })
        .sum();
    em * size
}

/// Shapes drawn at data points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    /// A circle with a white fill and a coloured outline.
    OpenCircle,
    Square,
    Diamond,
    /// An upward triangle with a white fill and a coloured outline.
    OpenTriangle,
    /// A diagonal cross (×), drawn with strokes only.
    Cross,
}

/// Writes `marker` centred on (`x`, `y`) with radius `size` px into `out`.
pub fn write_marker(out: &mut String, marker: Marker, x: f64, y: f64, size: f64, color: &str) {
    let color = escape_xml(color);
    match marker {
        Marker::Circle => {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{size:.1}" fill="{color}" stroke="{color}" stroke-width="0.8"/>"#
            );
        }
        Marker::OpenCircle => {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{size:.1}" fill="white" fill-opacity="0.7" stroke="{color}" stroke-width="1.4"/>"#
            );
        }
        Marker::Square => {
            let side = size * 1.7;
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{side:.1}" height="{side:.1}" fill="{color}"/>"#,
                x - side / 2.0,
                y - side / 2.0
            );
        }
        Marker::Diamond => {
            let r = size * 1.3;
            let _ = write!(
                out,
                r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{color}"/>"#,
                x,
                y - r,
                x + r,
                y,
                x,
                y + r,
                x - r,
                y
            );
        }
        Marker::OpenTriangle => {
            let r = size * 1.3;
            let _ = write!(
                out,
                r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="white" stroke="{color}" stroke-width="1.5"/>"#,
                x,
                y - r,
                x + r * 0.87,
                y + r * 0.5,
                x - r * 0.87,
                y + r * 0.5
            );
        }
        Marker::Cross => {
            let r = size;
            let _ = write!(
                out,
                r#"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="{color}" stroke-width="2.2" stroke-linecap="round" fill="none"/>"#,
                x - r,
                y - r,
                x + r,
                y + r,
                x - r,
                y + r,
                x + r,
                y - r
            );
        }
    }
}

/// Writes a `<text>` element with escaped content.
///
/// `anchor` is the SVG `text-anchor` ("start", "middle" or "end"), and
/// `attributes` is extra trusted markup such as `font-weight="bold"`.
pub fn write_text(
    out: &mut String,
    x: f64,
    y: f64,
    size: f64,
    anchor: &str,
    attributes: &str,
    text: &str,
) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" {attributes}>{}</text>"#,
        escape_xml(text)
    );
}

/// Returns the 64-bit FNV-1a hash of `text`, used to give each chart's
/// element ids a deterministic value that differs between charts.
pub fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_xml_special_characters() {
        assert_eq!(
            escape_xml(r#"a < b & c > "d" 'e'"#),
            "a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;"
        );
    }

    #[test]
    fn escape_xml_keeps_unicode_and_whitespace() {
        assert_eq!(escape_xml("α ≪ β\tw* = 0\n"), "α ≪ β\tw* = 0\n");
    }

    #[test]
    fn escape_xml_drops_forbidden_controls() {
        assert_eq!(escape_xml("a\u{0}b\u{1b}c\u{FFFF}"), "abc");
    }

    #[test]
    fn escape_xml_entities_not_reused() {
        // An already escaped entity is escaped again: the text is literal.
        assert_eq!(escape_xml("&amp;"), "&amp;amp;");
    }

    #[test]
    fn text_width_grows_with_length() {
        assert!(text_width("not converged", 11.0) > text_width("diverged", 11.0));
        assert_eq!(text_width("", 11.0), 0.0);
        // Ten digits at 0.62 em and 10 px.
        assert!((text_width("0123456789", 10.0) - 62.0).abs() < 1e-9);
    }

    #[test]
    fn markers_escape_color() {
        let mut out = String::new();
        write_marker(&mut out, Marker::Circle, 1.0, 2.0, 3.0, "red\"/><x");
        assert!(!out.contains("<x"));
        assert!(out.starts_with("<circle"));
    }

    #[test]
    fn fnv1a_known_value() {
        // FNV-1a 64 of "a", from the reference test vectors.
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
    }
}
