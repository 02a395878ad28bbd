//! A small XML reader producing documents the way Python's `xmltodict` does (what the original
//! stores for libvirt `<interface>` elements): attributes as `@name`, text as `#text` (or the
//! plain string for a text-only element, `null` for an empty one), repeated children as a
//! list. Whitespace-only text is dropped. Enough for `virsh dumpxml` output: elements,
//! attributes, text, entities, comments, CDATA, processing instructions and DOCTYPE.

use bson::{Bson, Document};

/// Parses `text` and returns `{<root tag>: <converted root>}`.
pub fn xml_to_doc(text: &str) -> Result<Document, String> {
    let mut reader = Reader {
        s: text,
        pos: 0,
        depth: 0,
    };
    reader.skip_misc()?;
    let (tag, value) = reader.element()?;
    reader.skip_misc()?;
    if reader.pos < reader.s.len() {
        return Err(reader.error("content after the root element"));
    }
    let mut doc = Document::new();
    doc.insert(tag, value);
    Ok(doc)
}

/// Deeper nesting than any libvirt document is garbage, refused before it exhausts the stack.
const MAX_DEPTH: usize = 100;

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn error(&self, what: &str) -> String {
        let line = self.s[..self.pos].matches('\n').count() + 1;
        format!("XML: {what} at line {line}")
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(i) => {
                self.pos += i + end.len();
                Ok(())
            }
            None => Err(self.error(&format!("missing '{end}'"))),
        }
    }

    /// Whitespace, comments, processing instructions and DOCTYPE outside elements.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if rest.starts_with("<!") && !rest.starts_with("<![CDATA[") {
                self.skip_past(">")?;
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '='))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }

    /// One element starting at `<`: (tag, converted value).
    fn element(&mut self) -> Result<(String, Bson), String> {
        if !self.rest().starts_with('<') {
            return Err(self.error("expected '<'"));
        }
        self.pos += 1;
        let tag = self.name()?;
        let mut doc = Document::new();
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok((tag, finish(doc, String::new())));
            }
            if rest.starts_with('>') {
                self.pos += 1;
                break;
            }
            let attr = self.name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err(self.error(&format!("attribute {attr} without a value")));
            }
            self.pos += 1;
            self.skip_ws();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| *c == '\'' || *c == '"')
                .ok_or_else(|| self.error("expected a quoted attribute value"))?;
            self.pos += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| self.error("unterminated attribute value"))?;
            let value = unescape(&self.rest()[..end]);
            self.pos += end + 1;
            doc.insert(format!("@{attr}"), value);
        }
        let mut text = String::new();
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(self.error(&format!("element <{tag}> is not closed")));
            }
            if rest.starts_with("</") {
                self.pos += 2;
                let closing = self.name()?;
                if closing != tag {
                    return Err(self.error(&format!("</{closing}> closes <{tag}>")));
                }
                self.skip_past(">")?;
                return Ok((tag, finish(doc, text)));
            }
            if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
                let end = cdata
                    .find("]]>")
                    .ok_or_else(|| self.error("unterminated CDATA"))?;
                text.push_str(&cdata[..end]);
                self.pos += "<![CDATA[".len() + end + 3;
            } else if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with('<') {
                if self.depth >= MAX_DEPTH {
                    return Err(self.error(&format!("elements nested deeper than {MAX_DEPTH}")));
                }
                self.depth += 1;
                let (child, value) = self.element()?;
                self.depth -= 1;
                add_child(&mut doc, child, value);
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                text.push_str(&unescape(&rest[..end]));
                self.pos += end;
            }
        }
    }
}

fn add_child(doc: &mut Document, tag: String, value: Bson) {
    match doc.get_mut(&tag) {
        Some(Bson::Array(items)) => items.push(value),
        Some(existing) => {
            let first = std::mem::replace(existing, Bson::Null);
            *existing = Bson::Array(vec![first, value]);
        }
        None => {
            doc.insert(tag, value);
        }
    }
}

fn finish(mut doc: Document, text: String) -> Bson {
    let text = text.trim();
    match (doc.is_empty(), text.is_empty()) {
        (true, true) => Bson::Null,
        (true, false) => Bson::String(text.to_string()),
        (false, false) => {
            doc.insert("#text", text);
            Bson::Document(doc)
        }
        (false, true) => Bson::Document(doc),
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn converts_like_xmltodict() {
        let xml =
            "<?xml version='1.0'?>\n<!-- c --><a x='1' y=\"&lt;2&gt;\">\n  <b>t &amp; u</b>\n  \
                   <b/>\n  <c k='v'>txt</c><d/><![CDATA[raw]]></a>";
        let d = xml_to_doc(xml).unwrap();
        assert_eq!(
            d,
            doc! {"a": {"@x": "1", "@y": "<2>", "b": ["t & u", Bson::Null],
            "c": {"@k": "v", "#text": "txt"}, "d": Bson::Null, "#text": "raw"}}
        );
    }

    #[test]
    fn errors_name_the_line() {
        let err = xml_to_doc("<a>\n<b></a>").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(xml_to_doc("").is_err());
    }
}
