//! JSON text as OpenStack's Python services store it in TEXT columns (`json.dumps` defaults:
//! `", "` between items and `": "` after keys), e.g. `{"tunneling_ip": "192.168.2.3"}`.

use serde_json::ser::{CompactFormatter, Formatter};
use serde_json::Value;
use std::io::{self, Write};

struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        CompactFormatter.write_string_fragment(w, s)
    }
}

pub fn dumps(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Serializing a Value into memory cannot fail.
    let _ = serde::Serialize::serialize(value, &mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_separators() {
        let v = serde_json::json!({"a": [1, 2], "b": {"c": "d"}});
        assert_eq!(super::dumps(&v), r#"{"a": [1, 2], "b": {"c": "d"}}"#);
    }
}
