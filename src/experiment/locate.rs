//! Maps a key path such as `models.mlp.hidden[1]` to its byte range in the
//! file, so that errors found after parsing still point at a line and column.

use std::ops::Range;

use toml_edit::{Document, Item, Value};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Renders a path as `a.b[2].c`.
pub fn render(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A parsed document that keeps the spans of keys and values.
pub struct Locator {
    document: Option<Document<String>>,
}

/// A position in the document: tables are items, inline tables and arrays are values.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Item(item) => match item {
                Item::Table(table) => table.span(),
                _ => item.span(),
            },
            Node::Value(value) => value.span(),
        }
    }

    /// Finds the child at `segment` and the span of its key, if it has one.
    fn child(self, segment: &Segment) -> Option<(Node<'a>, Option<Range<usize>>)> {
        match (segment, self) {
            (Segment::Key(key), Node::Item(Item::Table(table))) => {
                let key_span = table.key(key).and_then(|k| k.span());
                table.get(key).map(|item| (Node::Item(item), key_span))
            }
            (Segment::Key(key), Node::Item(Item::Value(Value::InlineTable(table))))
            | (Segment::Key(key), Node::Value(Value::InlineTable(table))) => {
                let key_span = table.key(key).and_then(|k| k.span());
                table.get(key).map(|value| (Node::Value(value), key_span))
            }
            (Segment::Index(i), Node::Item(Item::Value(Value::Array(array))))
            | (Segment::Index(i), Node::Value(Value::Array(array))) => {
                array.get(*i).map(|value| (Node::Value(value), None))
            }
            _ => None,
        }
    }
}

impl Locator {
    pub fn new(text: &str) -> Self {
        Locator {
            document: Document::parse(text.to_owned()).ok(),
        }
    }

    /// Finds the span of the value at `path`, or of the nearest ancestor that
    /// has one. With `key_span`, the span of the last key instead of its value
    /// (used for unknown keys).
    pub fn span(&self, path: &[Segment], key_span: bool) -> Option<Range<usize>> {
        let document = self.document.as_ref()?;
        let mut node = Node::Item(document.as_item());
        let mut best = None;
        for (depth, segment) in path.iter().enumerate() {
            let Some((child, child_key_span)) = node.child(segment) else {
                break;
            };
            let is_last = depth + 1 == path.len();
            best = if key_span && is_last {
                child_key_span.or_else(|| child.span())
            } else {
                child.span().or(child_key_span)
            }
            .or(best);
            node = child;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Segment {
        Segment::Key(name.into())
    }

    #[test]
    fn render_mixes_keys_and_indices() {
        let path = [key("models"), key("mlp"), key("hidden"), Segment::Index(1)];
        assert_eq!(render(&path), "models.mlp.hidden[1]");
    }

    #[test]
    fn span_of_nested_values() {
        let text = "[models.mlp]\nkind = \"mlp\"\nhidden = [10, -3]\n[grid]\nlr = { a = 2 }\n";
        let locator = Locator::new(text);
        let span = locator.span(
            &[key("models"), key("mlp"), key("hidden"), Segment::Index(1)],
            false,
        );
        assert_eq!(&text[span.unwrap()], "-3");
        let span = locator.span(&[key("models"), key("mlp"), key("kind")], true);
        assert_eq!(&text[span.unwrap()], "kind");
        let span = locator.span(&[key("grid"), key("lr"), key("a")], false);
        assert_eq!(&text[span.unwrap()], "2");
    }

    #[test]
    fn span_falls_back_to_ancestor() {
        let text = "[grid]\nseeds = [1]\n";
        let locator = Locator::new(text);
        let span = locator.span(&[key("grid"), key("missing")], false).unwrap();
        assert_eq!(
            span.start,
            0,
            "points at the [grid] table: {:?}",
            &text[span.clone()]
        );
    }
}
