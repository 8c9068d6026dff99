//! The method as the outputs show it: `docs/METHOD.md`, compiled in, is the
//! one text of the rules. The workbook's Method sheet gets it as plain-text
//! blocks under their section headings; the report renders it as HTML.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// `docs/METHOD.md`, as built into this binary.
pub const TEXT: &str = include_str!("../../docs/METHOD.md");

fn options() -> Options {
    Options::ENABLE_TABLES
}

/// The method as HTML (for the report).
pub fn html() -> String {
    let mut out = String::with_capacity(TEXT.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, Parser::new_ext(TEXT, options()));
    out
}

/// The method as `(section heading, block of text)` pairs, in order: each
/// paragraph, list item or table row is one block, emphasis and code marks
/// dropped, list items starting with "- " and table cells joined by " | ".
pub fn blocks() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut section = String::new();
    let mut heading: Option<String> = None;
    let mut block = String::new();
    let mut cells: Vec<String> = Vec::new();
    let mut push = |section: &str, text: &mut String| {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !t.is_empty() {
            out.push((section.to_string(), t));
        }
        text.clear();
    };
    for event in Parser::new_ext(TEXT, options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                section = heading.take().unwrap_or_default();
            }
            Event::Start(Tag::Item) => {
                push(&section, &mut block);
                block.push_str("- ");
            }
            Event::End(TagEnd::TableCell) => {
                cells.push(std::mem::take(&mut block).trim().to_string());
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                block = cells.join(" | ");
                cells.clear();
                push(&section, &mut block);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) => push(&section, &mut block),
            Event::Text(t) | Event::Code(t) => match &mut heading {
                Some(h) => h.push_str(&t),
                None => block.push_str(&t),
            },
            Event::SoftBreak | Event::HardBreak => block.push(' '),
            _ => {}
        }
    }
    push(&section, &mut block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_section_is_in_the_blocks_in_order() {
        let b = blocks();
        let sections: Vec<&str> = b.iter().map(|(s, _)| s.as_str()).collect();
        let mut last = 0;
        for n in 1..=12 {
            let prefix = format!("Rule {n}: ");
            let at = sections
                .iter()
                .position(|s| s.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no section {prefix}"));
            assert!(at >= last, "rule {n} out of order");
            last = at;
        }
        // Marks are gone, text is kept.
        assert!(b.iter().all(|(_, t)| !t.contains("**")));
        assert!(b
            .iter()
            .any(|(s, t)| s.starts_with("Rule 8") && t.contains("8 CFR 287.7(d)")));
    }

    #[test]
    fn the_html_has_a_heading_per_rule() {
        let h = html();
        assert!(h.contains("<h2>Rule 3: The hold</h2>"), "{}", &h[..200]);
        assert!(h.contains("<table>"));
    }
}
