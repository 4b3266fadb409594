//! A minimal XML well-formedness checker for the tests of this module.
//!
//! It checks what the chart and page writers could get wrong: balanced and
//! properly nested tags, one root element, quoted and unique attributes,
//! no raw `<` in attribute values, and only known entity references. It does
//! not check DTDs, namespaces or the full name grammar of XML 1.0.

/// Returns `Ok` when `document` is well-formed, else the byte offset and
/// reason of the first problem.
pub fn check_well_formed(document: &str) -> Result<(), String> {
    let bytes = document.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut i = 0;

    while i < bytes.len() {
        if bytes[i] != b'<' {
            let end = document[i..].find('<').map_or(bytes.len(), |n| i + n);
            let text = &document[i..end];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!(
                    "offset {i}: text outside the root element: {text:?}"
                ));
            }
            check_references(text).map_err(|e| format!("offset {i}: {e}"))?;
            i = end;
            continue;
        }

        let rest = &document[i..];
        if rest.starts_with("<!--") {
            let end = rest
                .find("-->")
                .ok_or(format!("offset {i}: unterminated comment"))?;
            i += end + 3;
        } else if rest.starts_with("<?") {
            let end = rest
                .find("?>")
                .ok_or(format!("offset {i}: unterminated processing instruction"))?;
            i += end + 2;
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("<!doctype") {
            if roots > 0 || !stack.is_empty() {
                return Err(format!(
                    "offset {i}: doctype after the root element started"
                ));
            }
            let end = rest
                .find('>')
                .ok_or(format!("offset {i}: unterminated doctype"))?;
            i += end + 1;
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after
                .find('>')
                .ok_or(format!("offset {i}: unterminated end tag"))?;
            let name = after[..end].trim_end();
            check_name(name).map_err(|e| format!("offset {i}: {e}"))?;
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => {
                    return Err(format!("offset {i}: </{name}> closes <{open}>"));
                }
                None => return Err(format!("offset {i}: </{name}> without a start tag")),
            }
            i += 2 + end + 1;
        } else {
            let end = tag_end(rest).ok_or(format!("offset {i}: unterminated start tag"))?;
            let inner = &rest[1..end];
            let (inner, self_closing) = match inner.strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (inner, false),
            };
            let name_end = inner
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(inner.len());
            let name = &inner[..name_end];
            check_name(name).map_err(|e| format!("offset {i}: {e}"))?;
            check_attributes(&inner[name_end..])
                .map_err(|e| format!("offset {i}: <{name}>: {e}"))?;
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err(format!("offset {i}: second root element <{name}>"));
                }
            }
            if !self_closing {
                stack.push(name);
            }
            i += end + 1;
        }
    }

    if let Some(open) = stack.last() {
        return Err(format!("end of document: <{open}> is not closed"));
    }
    if roots == 0 {
        return Err("no root element".to_string());
    }
    Ok(())
}

/// Returns the offset of the `>` that ends the tag at the start of `tag`,
/// skipping `>` inside quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (offset, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"') | (None, '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(offset),
            _ => {}
        }
    }
    None
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_:.-".contains(c));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!("invalid name {name:?}"))
    }
}

fn check_attributes(mut text: &str) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(());
        }
        let equals = text
            .find('=')
            .ok_or(format!("attribute without a value in {text:?}"))?;
        let name = text[..equals].trim_end();
        check_name(name)?;
        if seen.contains(&name) {
            return Err(format!("duplicate attribute {name:?}"));
        }
        seen.push(name);

        let value_part = text[equals + 1..].trim_start();
        let quote = value_part
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or(format!("unquoted value of attribute {name:?}"))?;
        let close = value_part[1..]
            .find(quote)
            .ok_or(format!("unterminated value of attribute {name:?}"))?;
        let value = &value_part[1..1 + close];
        if value.contains('<') {
            return Err(format!("raw '<' in attribute {name:?}"));
        }
        check_references(value)?;
        text = &value_part[1 + close + 1..];
        if !(text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace())) {
            return Err(format!("no space after attribute {name:?}"));
        }
    }
}

/// Checks that every `&` in `text` starts a predefined or numeric reference.
fn check_references(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        let after = &rest[start + 1..];
        let end = after
            .find(';')
            .ok_or(format!("'&' without ';' in {text:?}"))?;
        let entity = &after[..end];
        let valid = match entity.strip_prefix('#') {
            Some(hex) if hex.starts_with('x') => {
                hex.len() > 1 && hex[1..].chars().all(|c| c.is_ascii_hexdigit())
            }
            Some(decimal) => !decimal.is_empty() && decimal.chars().all(|c| c.is_ascii_digit()),
            None => matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos"),
        };
        if !valid {
            return Err(format!("unknown reference &{entity};"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nested_document() {
        let document = r#"<?xml version="1.0"?><!-- c --><svg a="1" b='x &amp; y'><g><text>1 &lt; 2 &#955; &#x3bb;</text><rect/></g></svg>"#;
        assert_eq!(check_well_formed(document), Ok(()));
    }

    #[test]
    fn accepts_html_doctype() {
        assert_eq!(
            check_well_formed("<!DOCTYPE html>\n<html><body><p>a &gt; b</p></body></html>\n"),
            Ok(())
        );
    }

    #[test]
    fn rejects_malformed_documents() {
        let cases = [
            "<a><b></a></b>",
            "<a>",
            "</a>",
            "<a></a><b></b>",
            "<a x=1></a>",
            "<a x=\"1\" x=\"2\"></a>",
            "<a x=\"<\"></a>",
            "<a>R&D</a>",
            "<a>&nbsp;</a>",
            "<a x=\"1\"y=\"2\"></a>",
            "text<a></a>",
            "",
            "<1a></1a>",
        ];
        for case in cases {
            assert!(check_well_formed(case).is_err(), "accepted {case:?}");
        }
    }
}
