//! Parsing helpers shared by the CLI fetchers (fetchers.md §2.3 "Splitting output into lines"
//! and "Parsing helpers"). Pure functions over command output.

use crate::doc::Object;
use regex::Regex;

/// `run_fetch_lines`: empty output → no lines; otherwise split on line breaks (universal
/// newlines, no trailing empty piece). A single resulting line is split again on the literal
/// two characters `\n`, dropping empty pieces (outputs that arrive with escaped newlines).
pub fn split_output_lines(output: &str) -> Vec<String> {
    let lines = split_universal(output);
    if lines.len() == 1 {
        return lines[0]
            .split("\\n")
            .filter(|piece| !piece.is_empty())
            .map(String::from)
            .collect();
    }
    lines
}

/// Python's `str.splitlines()`: every line-break character ends a line, `\r\n` counts as one,
/// a final break does not produce an empty last line.
pub fn split_universal(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut current));
            }
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => lines.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Whitespace table parsing: the i-th whitespace-separated token of each line goes under the
/// i-th header; missing trailing tokens are absent. More tokens than headers is an error
/// naming the line.
pub fn parse_whitespace_table(lines: &[String], headers: &[&str]) -> Result<Vec<Object>, String> {
    lines
        .iter()
        .map(|line| {
            let tokens: Vec<&str> = line.split_whitespace().collect();
            if tokens.len() > headers.len() {
                return Err(format!(
                    "line '{line}' has {} fields, expected at most {} ({})",
                    tokens.len(),
                    headers.len(),
                    headers.join(", ")
                ));
            }
            Ok(headers
                .iter()
                .zip(tokens)
                .map(|(h, t)| (h.to_string(), bson::Bson::String(t.to_string())))
                .collect())
        })
        .collect()
}

/// Spill-over merge (`brctl show`): a line starting with a TAB continues the previous line,
/// which (stripped) gets `,` + this line (stripped) appended.
pub fn merge_spillover(lines: &[String]) -> Vec<String> {
    let mut merged: Vec<String> = Vec::new();
    for line in lines {
        match merged.last_mut() {
            Some(previous) if line.starts_with('\t') => {
                *previous = format!("{},{}", previous.trim(), line.trim());
            }
            _ => merged.push(line.clone()),
        }
    }
    merged
}

/// Section extraction: the lines from the first line matching `header` up to (not including)
/// the next line matching `end`; a missing end runs to the last line. Quirk Q6 is reproduced:
/// a header on the very first line counts as "not found" and the last line is never tested.
pub fn section_lines(lines: &[String], header: &Regex, end: &Regex) -> Vec<String> {
    let testable = lines.len().saturating_sub(1);
    let Some(start) = (1..testable).find(|&i| header.is_match(&lines[i])) else {
        return Vec::new();
    };
    let stop = (start + 1..testable)
        .find(|&i| end.is_match(&lines[i]))
        .unwrap_or(lines.len());
    lines[start..stop].to_vec()
}

/// Regexp attribute extraction: for each (attribute, regexp) the first line it matches sets
/// the attribute to the regexp's first group (or, for a regexp without a group, to the whole
/// match: the intent the original had, Quirk Q7). Attributes already present are never
/// overwritten; `defaults` fill those still missing afterwards.
pub fn find_attributes(
    obj: &mut Object,
    lines: &[String],
    rules: &[(&str, &Regex)],
    defaults: &[(&str, &str)],
) {
    for (attribute, regex) in rules {
        if obj.contains_key(*attribute) {
            continue;
        }
        let found = lines.iter().find_map(|line| {
            regex.captures(line).map(|c| {
                c.get(1)
                    .or_else(|| c.get(0))
                    .map_or(String::new(), |m| m.as_str().to_string())
            })
        });
        if let Some(value) = found {
            obj.insert(*attribute, value);
        }
    }
    for (attribute, value) in defaults {
        if !obj.contains_key(*attribute) {
            obj.insert(*attribute, *value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn fixture(path: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn upstream(path: &str) -> serde_json::Value {
        serde_json::from_str(&fixture(&format!("expected/upstream/{path}"))).unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn output_lines_follow_run_fetch_lines() {
        assert!(split_output_lines("").is_empty());
        assert_eq!(split_output_lines("a\nb\n"), strings(&["a", "b"]));
        assert_eq!(split_output_lines("a\r\nb\rc"), strings(&["a", "b", "c"]));
        assert_eq!(split_output_lines("a\\nb\\n\\n"), strings(&["a", "b"]));
        assert_eq!(split_output_lines("\n\nx\n"), strings(&["", "", "x"]));
    }

    #[test]
    fn virsh_list_lines_match_upstream() {
        let lines = split_output_lines(&fixture("cli/virsh_list_minimal.txt"));
        let expected = upstream("cli/virsh_list_lines.json");
        assert_eq!(serde_json::to_value(&lines).unwrap(), expected);
    }

    #[test]
    fn brctl_merge_and_table_match_upstream() {
        let lines = split_output_lines(&fixture("cli/brctl_show.txt"));
        // upstream's sample holds the first two bridges, without the header line
        let merged = merge_spillover(&lines)[1..3].to_vec();
        let expected_merged = upstream("cli/cli_access_brctl_merged_lines.json");
        assert_eq!(serde_json::to_value(&merged).unwrap(), expected_merged);
        let table = parse_whitespace_table(
            &merged,
            &["bridge_name", "bridge_id", "stp_enabled", "interfaces"],
        )
        .unwrap();
        let json: Vec<_> = table.iter().map(crate::doc::doc_to_json).collect();
        assert_eq!(
            serde_json::Value::Array(json),
            upstream("cli/cli_access_brctl_parsed.json")
        );
    }

    #[test]
    fn too_many_tokens_is_an_error_naming_the_line() {
        let err = parse_whitespace_table(&strings(&["a b c"]), &["x", "y"]).unwrap_err();
        assert!(err.contains("'a b c'"), "{err}");
    }

    #[test]
    fn sections_reproduce_quirk_q6() {
        let header = Regex::new(r"^H").unwrap();
        let end = Regex::new(r"^E").unwrap();
        let lines = strings(&["x", "H1", "a", "E", "H2"]);
        assert_eq!(section_lines(&lines, &header, &end), strings(&["H1", "a"]));
        // header on the first line: not found
        assert!(section_lines(&strings(&["H", "a", "E"]), &header, &end).is_empty());
        // header on the last line is never tested
        assert!(section_lines(&strings(&["x", "H"]), &header, &end).is_empty());
        // an end on the last line is never tested either
        assert_eq!(
            section_lines(&strings(&["x", "H", "a", "E"]), &header, &end),
            strings(&["H", "a", "E"])
        );
    }

    #[test]
    fn attributes_first_match_wins_and_never_overwrite() {
        let mut obj = bson::doc! {"kept": "old"};
        let mtu = Regex::new(r".*\smtu\s(\S+)\s").unwrap();
        let kept = Regex::new(r"(x)").unwrap();
        let up = Regex::new(r",UP,").unwrap();
        let lines = strings(&["1: a: <B,UP,L> mtu 1450 q", "mtu 9000 x"]);
        find_attributes(
            &mut obj,
            &lines,
            &[("mtu", &mtu), ("kept", &kept), ("state", &up)],
            &[("state", "DOWN"), ("other", "d")],
        );
        assert_eq!(
            obj,
            bson::doc! {"kept": "old", "mtu": "1450", "state": ",UP,", "other": "d"}
        );
    }
}
