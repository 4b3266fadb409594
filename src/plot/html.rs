//! A self-contained HTML report page: inline CSS and inline SVG figures, no
//! scripts, fonts or other resources loaded from anywhere.

use std::fmt::Write;

use super::svg::{escape_xml, FONT_FAMILY};

/// One section of the report: a heading followed by its paragraphs, then its
/// tables, then its figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub heading: String,
    /// Plain text, one entry per paragraph.
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
}

/// A table of text cells. Columns whose non-empty cells are all numbers are
/// right-aligned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub caption: Option<String>,
    pub header: Vec<String>,
    /// Rows may be shorter than the header (missing cells are left empty)
    /// or longer (extra cells are shown without a heading).
    pub rows: Vec<Vec<String>>,
}

/// An SVG chart with its caption. Figures are numbered in page order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figure {
    /// A complete SVG document, such as the output of the chart functions.
    /// It is inlined as markup, not escaped, so it must come from trusted
    /// code. A leading XML declaration is removed.
    pub svg: String,
    pub caption: String,
}

const STYLE: &str = "
body { max-width: 1040px; margin: 2em auto; padding: 0 1.5em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 0.3em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #eee; padding-bottom: 0.2em; }
nav ol { margin: 0.5em 0 1.5em; }
.table-wrap { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; font-size: 0.9em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; border-bottom: 2px solid #bbb; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 1.5em 0; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.4em; max-width: 720px; }
@media print { figure, .table-wrap { break-inside: avoid; } }
";

/// Renders a complete HTML page with a table of contents (for two or more
/// sections) and every section in order.
///
/// All text is escaped, and figures are inlined as SVG markup. The page is also
/// well-formed XML, so XML tools can read it.
pub fn report_page(title: &str, sections: &[Section]) -> String {
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    page.push_str("<meta charset=\"utf-8\" />\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    let _ = writeln!(page, "<title>{}</title>", escape_xml(title));
    let _ = writeln!(
        page,
        "<style>\nbody {{ font-family: {}; }}{STYLE}</style>",
        FONT_FAMILY
    );
    page.push_str("</head>\n<body>\n");
    let _ = writeln!(page, "<h1>{}</h1>", escape_xml(title));

    if sections.len() > 1 {
        page.push_str("<nav><ol>\n");
        for (i, section) in sections.iter().enumerate() {
            let _ = writeln!(
                page,
                "<li><a href=\"#{}\">{}</a></li>",
                section_id(i),
                escape_xml(&section.heading)
            );
        }
        page.push_str("</ol></nav>\n");
    }

    let mut figure_number = 0;
    for (i, section) in sections.iter().enumerate() {
        let _ = writeln!(page, "<section id=\"{}\">", section_id(i));
        let _ = writeln!(page, "<h2>{}</h2>", escape_xml(&section.heading));
        for paragraph in &section.paragraphs {
            let _ = writeln!(page, "<p>{}</p>", escape_xml(paragraph));
        }
        for table in &section.tables {
            write_table(&mut page, table);
        }
        for figure in &section.figures {
            figure_number += 1;
            page.push_str("<figure>\n");
            page.push_str(strip_xml_declaration(&figure.svg).trim());
            let _ = writeln!(
                page,
                "\n<figcaption><strong>Figure {figure_number}.</strong> {}</figcaption>",
                escape_xml(&figure.caption)
            );
            page.push_str("</figure>\n");
        }
        page.push_str("</section>\n");
    }

    page.push_str("</body>\n</html>\n");
    page
}

fn section_id(index: usize) -> String {
    format!("section-{}", index + 1)
}

fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    if trimmed.starts_with("<?xml") {
        if let Some(end) = trimmed.find("?>") {
            return &trimmed[end + 2..];
        }
    }
    trimmed
}

fn write_table(page: &mut String, table: &Table) {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .unwrap_or(0);
    let numeric: Vec<bool> = (0..columns)
        .map(|column| is_numeric_column(table, column))
        .collect();
    let class = |column: usize| {
        if numeric[column] {
            " class=\"num\""
        } else {
            ""
        }
    };

    page.push_str("<div class=\"table-wrap\"><table>\n");
    if let Some(caption) = &table.caption {
        let _ = writeln!(page, "<caption>{}</caption>", escape_xml(caption));
    }
    if !table.header.is_empty() {
        page.push_str("<thead><tr>");
        for column in 0..columns {
            let text = table.header.get(column).map_or("", String::as_str);
            let _ = write!(page, "<th{}>{}</th>", class(column), escape_xml(text));
        }
        page.push_str("</tr></thead>\n");
    }
    page.push_str("<tbody>\n");
    for row in &table.rows {
        page.push_str("<tr>");
        for column in 0..columns {
            let text = row.get(column).map_or("", String::as_str);
            let _ = write!(page, "<td{}>{}</td>", class(column), escape_xml(text));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table></div>\n");
}

/// Returns whether every non-blank cell of `column` is a number and at least
/// one is.
fn is_numeric_column(table: &Table, column: usize) -> bool {
    let cells: Vec<&str> = table
        .rows
        .iter()
        .filter_map(|row| row.get(column))
        .map(|cell| cell.trim())
        .filter(|cell| !is_blank_cell(cell))
        .collect();
    !cells.is_empty() && cells.iter().all(|cell| is_numeric_cell(cell))
}

fn is_blank_cell(cell: &str) -> bool {
    matches!(cell, "" | "-" | "—" | "–" | "n/a")
}

/// Returns whether `cell` reads as a number: anything `f64` parses ("3",
/// "-0.5", "1e-4", "inf", "NaN"), optionally followed by "%", "x" or "×".
fn is_numeric_cell(cell: &str) -> bool {
    let number = cell
        .strip_suffix('%')
        .or_else(|| cell.strip_suffix('×'))
        .or_else(|| cell.strip_suffix('x'))
        .unwrap_or(cell)
        .trim_end();
    number.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::xml_check::check_well_formed;

    fn svg(text: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>{text}</text></svg>\n"
        )
    }

    fn sections() -> Vec<Section> {
        vec![
            Section {
                heading: "Finder & grid <summary>".into(),
                paragraphs: vec!["Does the finder's pick converge fastest? \"Yes\" < 50%.".into()],
                tables: vec![Table {
                    caption: Some("Per method".into()),
                    header: vec!["method".into(), "ratio".into(), "in band".into()],
                    rows: vec![
                        vec!["valley".into(), "0.5".into(), "yes".into()],
                        vec!["steep".into(), "1e-3".into(), "no".into()],
                        vec!["slide".into(), "—".into()],
                    ],
                }],
                figures: vec![Figure {
                    svg: format!("<?xml version=\"1.0\"?>\n{}", svg("first")),
                    caption: "Range test of mlp & mnist.".into(),
                }],
            },
            Section {
                heading: "Scenarios".into(),
                paragraphs: vec![],
                tables: vec![],
                figures: vec![
                    Figure {
                        svg: svg("second"),
                        caption: "Loss curves.".into(),
                    },
                    Figure {
                        svg: svg("third"),
                        caption: "Parameter path.".into(),
                    },
                ],
            },
        ]
    }

    #[test]
    fn page_well_formed() {
        let page = report_page("Sweep <report>", &sections());
        check_well_formed(&page).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn page_contains_headings_and_figures() {
        let page = report_page("Sweep <report>", &sections());
        assert!(page.contains("<h1>Sweep &lt;report&gt;</h1>"));
        assert!(page.contains("<title>Sweep &lt;report&gt;</title>"));
        assert!(page.contains("<h2>Finder &amp; grid &lt;summary&gt;</h2>"));
        assert!(page.contains("<h2>Scenarios</h2>"));
        assert!(page.contains("<a href=\"#section-2\">Scenarios</a>"));
        for text in ["first", "second", "third"] {
            assert!(
                page.contains(&format!("<text>{text}</text>")),
                "missing figure {text}"
            );
        }
        assert!(page.contains("<strong>Figure 1.</strong> Range test of mlp &amp; mnist."));
        assert!(page.contains("<strong>Figure 3.</strong> Parameter path."));
        assert!(!page.contains("<?xml"));
    }

    #[test]
    fn page_escapes_paragraphs() {
        let page = report_page("t", &sections());
        assert!(page.contains(
            "<p>Does the finder&#39;s pick converge fastest? &quot;Yes&quot; &lt; 50%.</p>"
        ));
    }

    #[test]
    fn table_aligns_numeric_columns() {
        let page = report_page("t", &sections());
        assert!(page.contains("<th>method</th><th class=\"num\">ratio</th><th>in band</th>"));
        assert!(page.contains("<td>valley</td><td class=\"num\">0.5</td><td>yes</td>"));
        // The short row is padded with an empty cell.
        assert!(page.contains("<td>slide</td><td class=\"num\">—</td><td></td>"));
        assert!(page.contains("<caption>Per method</caption>"));
    }

    #[test]
    fn page_has_no_external_resources() {
        let page = report_page("t", &sections());
        assert!(!page.contains("<script"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("<link"));
        assert!(!page.contains("@import"));
        assert!(!page.contains("src="));
        assert!(!page.contains("href=\"http"));
        assert!(!page.contains("url("));
    }

    #[test]
    fn single_section_has_no_contents() {
        let page = report_page("t", &sections()[1..]);
        assert!(!page.contains("<nav>"));
        check_well_formed(&page).unwrap();
    }

    #[test]
    fn empty_page_well_formed() {
        let page = report_page("", &[]);
        check_well_formed(&page).unwrap();
        let empty_table = Section {
            heading: "h".into(),
            tables: vec![Table::default()],
            ..Section::default()
        };
        check_well_formed(&report_page("t", &[empty_table])).unwrap();
    }

    #[test]
    fn numeric_cells() {
        for cell in [
            "3", "-0.5", "1e-4", "inf", "NaN", "12%", "2.5x", "2.5×", "+1",
        ] {
            assert!(is_numeric_cell(cell), "{cell}");
        }
        for cell in ["yes", "1e-4 to 10", "finder:valley", "x", "%"] {
            assert!(!is_numeric_cell(cell), "{cell}");
        }
    }
}
