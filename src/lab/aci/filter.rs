//! APIC `query-target-filter` expressions: `and(...)`, `or(...)`, `not(...)`, `eq(Class.attr,
//! "value")`, `ne(...)`, `wcard(Class.attr, "regex")`. MAC-valued attributes compare without
//! regard to case, as the APIC compares its typed values.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Eq(String, String, String),
    Ne(String, String, String),
    Wcard(String, String, String),
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("Invalid query-target-filter '{0}': {1}")]
pub struct FilterError(pub String, pub String);

const MAC_ATTRIBUTES: &[&str] = &["addr", "mac", "mgmtPortMac", "chassisIdV"];

pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let fail = |why: &str| FilterError(text.to_string(), why.to_string());
    let (filter, rest) = expression(text.trim()).map_err(|w| fail(&w))?;
    if !rest.trim().is_empty() {
        return Err(fail("text after the expression"));
    }
    Ok(filter)
}

fn expression(text: &str) -> Result<(Filter, &str), String> {
    let open = text.find('(').ok_or("expected an operator and '('")?;
    let op = text[..open].trim();
    let mut rest = &text[open + 1..];
    let mut args: Vec<Arg> = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(')') {
            return Ok((build(op, args)?, after));
        }
        if !args.is_empty() {
            rest = rest
                .strip_prefix(',')
                .ok_or("expected ',' or ')'")?
                .trim_start();
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').ok_or("unterminated string")?;
            args.push(Arg::Text(quoted[..end].to_string()));
            rest = &quoted[end + 1..];
        } else {
            let word_end = rest.find([',', ')', '(']).ok_or("unexpected end")?;
            if rest[word_end..].starts_with('(') {
                let (inner, after) = expression(rest)?;
                args.push(Arg::Filter(inner));
                rest = after;
            } else {
                args.push(Arg::Text(rest[..word_end].trim().to_string()));
                rest = &rest[word_end..];
            }
        }
    }
}

enum Arg {
    Text(String),
    Filter(Filter),
}

fn build(op: &str, args: Vec<Arg>) -> Result<Filter, String> {
    let filters = |args: Vec<Arg>| -> Result<Vec<Filter>, String> {
        args.into_iter()
            .map(|a| match a {
                Arg::Filter(f) => Ok(f),
                Arg::Text(t) => Err(format!("'{t}' is not an expression")),
            })
            .collect()
    };
    match op {
        "and" => Ok(Filter::And(filters(args)?)),
        "or" => Ok(Filter::Or(filters(args)?)),
        "not" => {
            let mut inner = filters(args)?;
            match (inner.pop(), inner.is_empty()) {
                (Some(f), true) => Ok(Filter::Not(Box::new(f))),
                _ => Err("not() takes one expression".into()),
            }
        }
        "eq" | "ne" | "wcard" => {
            let [Arg::Text(property), Arg::Text(value)] = <[Arg; 2]>::try_from(args)
                .map_err(|_| format!("{op}() takes a property and a value"))?
            else {
                return Err(format!("{op}() takes a property and a value"));
            };
            let (class, attribute) = property
                .split_once('.')
                .ok_or_else(|| format!("'{property}' is not Class.attribute"))?;
            let (c, a) = (class.to_string(), attribute.to_string());
            Ok(match op {
                "eq" => Filter::Eq(c, a, value),
                "ne" => Filter::Ne(c, a, value),
                _ => Filter::Wcard(c, a, value),
            })
        }
        other => Err(format!("unknown operator '{other}'")),
    }
}

impl Filter {
    /// Does an object of `class` with these attributes pass? Conditions on another class pass.
    pub fn matches(&self, class: &str, attributes: &Value) -> bool {
        let value = |c: &str, a: &str| -> Option<String> {
            (c == class).then(|| attributes[a].as_str().unwrap_or_default().to_string())
        };
        let same = |a: &str, x: &str, y: &str| {
            if MAC_ATTRIBUTES.contains(&a) {
                x.eq_ignore_ascii_case(y)
            } else {
                x == y
            }
        };
        match self {
            Filter::And(all) => all.iter().all(|f| f.matches(class, attributes)),
            Filter::Or(any) => any.iter().any(|f| f.matches(class, attributes)),
            Filter::Not(f) => !f.matches(class, attributes),
            Filter::Eq(c, a, v) => value(c, a).is_none_or(|x| same(a, &x, v)),
            Filter::Ne(c, a, v) => value(c, a).is_none_or(|x| !same(a, &x, v)),
            Filter::Wcard(c, a, v) => value(c, a).is_none_or(|x| {
                regex::Regex::new(v).map_or_else(|_| x.contains(v.as_str()), |r| r.is_match(&x))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_scanners_filters() {
        let f = parse("and(eq(epmMacEp.addr,\"00:50:56:99:5d:70\"),wcard(epmMacEp.ifId, \"eth\"))")
            .unwrap();
        let ep = json!({"addr": "00:50:56:99:5D:70", "ifId": "eth1/33"});
        assert!(f.matches("epmMacEp", &ep));
        let po = json!({"addr": "00:50:56:99:5D:70", "ifId": "po1"});
        assert!(!f.matches("epmMacEp", &po));
        let spine = parse("eq(fabricNode.role, \"spine\")").unwrap();
        assert!(spine.matches("fabricNode", &json!({"role": "spine"})));
        assert!(!spine.matches("fabricNode", &json!({"role": "leaf"})));
        assert!(parse("not(eq(a.b,\"c\"))").is_ok());
    }

    #[test]
    fn bad_filters_are_named() {
        for bad in [
            "eq(a.b)",
            "eq(ab,\"c\")",
            "frob(a.b,\"c\")",
            "and(eq(a.b,\"c\")",
            "x",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.0, bad);
        }
    }
}
