//! Key encoding: `.` in field names becomes `[dot]` on write and back on read
//! (mongo-and-collections.md §4). Values are never changed. Unlike the original, arrays nested in
//! arrays are kept (the original turned them into `{}`), and a leading `$` becomes `[dollar]`.

use bson::{Bson, Document};

pub fn encode(doc: &Document) -> Document {
    doc.iter()
        .map(|(k, v)| (encode_key(k), encode_value(v)))
        .collect()
}

pub fn decode(doc: &Document) -> Document {
    doc.iter()
        .map(|(k, v)| (decode_key(k), decode_value(v)))
        .collect()
}

pub fn encode_key(key: &str) -> String {
    let key = key.replace('.', "[dot]");
    match key.strip_prefix('$') {
        Some(rest) => format!("[dollar]{rest}"),
        None => key,
    }
}

fn decode_key(key: &str) -> String {
    let key = key.replace("[dot]", ".");
    match key.strip_prefix("[dollar]") {
        Some(rest) => format!("${rest}"),
        None => key,
    }
}

fn encode_value(v: &Bson) -> Bson {
    match v {
        Bson::Document(d) => Bson::Document(encode(d)),
        Bson::Array(items) => Bson::Array(items.iter().map(encode_value).collect()),
        other => other.clone(),
    }
}

pub fn decode_value(v: &Bson) -> Bson {
    match v {
        Bson::Document(d) => Bson::Document(decode(d)),
        Bson::Array(items) => Bson::Array(items.iter().map(decode_value).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn dots_are_encoded_at_every_depth_and_values_kept() {
        let d = doc! {"provider.segmentation_id": 5, "hosts": {"node-5.cisco.com": {"a.b": "x.y"}},
        "list": [{"k.k": 1}, [1, 2]], "$weird": 1};
        let e = encode(&d);
        assert_eq!(
            e,
            doc! {"provider[dot]segmentation_id": 5, "hosts": {"node-5[dot]cisco[dot]com": {"a[dot]b": "x.y"}},
            "list": [{"k[dot]k": 1}, [1, 2]], "[dollar]weird": 1}
        );
        assert_eq!(decode(&e), d);
    }
}
