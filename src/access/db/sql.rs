//! Query text rules (fetchers.md §2.2): the `{neutron}` schema placeholder, the one `%s`
//! parameter as a quoted literal, and the Neutron schema discovery. Pure functions.

use super::DbError;

/// The discovered Neutron schema: the one database name that contains `neutron`.
pub fn find_neutron_schema<S: AsRef<str>>(databases: &[S]) -> Result<String, DbError> {
    let found: Vec<&str> = databases
        .iter()
        .map(AsRef::as_ref)
        .filter(|name| name.contains("neutron"))
        .collect();
    match found.as_slice() {
        [] => Err(DbError::NoNeutronSchema),
        [one] => Ok(one.to_string()),
        several => Err(DbError::SeveralNeutronSchemas(several.join(", "))),
    }
}

/// `value` as a MySQL string literal, escaped as MySQL Connector/Python escapes it.
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\x1a' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The SQL text sent to the server: `{neutron}` replaced by the schema, the first `%s`
/// replaced by the quoted parameter.
pub fn prepare_sql(
    sql: &str,
    neutron: Option<&str>,
    param: Option<&str>,
) -> Result<String, DbError> {
    let mut text = sql.to_string();
    if text.contains("{neutron}") {
        let schema = neutron.ok_or_else(|| DbError::Query {
            query: first_words(sql),
            detail: "the Neutron schema was not discovered".into(),
        })?;
        text = text.replace("{neutron}", schema);
    }
    match (param, text.find("%s")) {
        (Some(value), Some(at)) => {
            text.replace_range(at..at + 2, &quote_literal(value));
            Ok(text)
        }
        (None, None) => Ok(text),
        (Some(_), None) => Err(DbError::Query {
            query: first_words(sql),
            detail: "a parameter was given but the query has no %s".into(),
        }),
        (None, Some(_)) => Err(DbError::Query {
            query: first_words(sql),
            detail: "the query has a %s but no parameter was given".into(),
        }),
    }
}

/// The first words of a query, whitespace collapsed, for error texts.
pub fn first_words(sql: &str) -> String {
    const WORDS: usize = 8;
    let words: Vec<&str> = sql.split_whitespace().collect();
    let mut text = words[..words.len().min(WORDS)].join(" ");
    if words.len() > WORDS {
        text.push_str(" ...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_escapes_quotes_and_backslashes() {
        assert_eq!(quote_literal("node-5"), "'node-5'");
        assert_eq!(quote_literal("it's\\"), "'it\\'s\\\\'");
    }

    #[test]
    fn parameter_and_schema_are_substituted() {
        let sql = "SELECT * FROM {neutron}.agents WHERE host = %s";
        assert_eq!(
            prepare_sql(sql, Some("neutron_x"), Some("h")).unwrap(),
            "SELECT * FROM neutron_x.agents WHERE host = 'h'"
        );
        // `%d` of a LIKE pattern is not a parameter.
        let like = "SELECT id FROM t WHERE a = %s AND b LIKE \"%dhcp\"";
        assert_eq!(
            prepare_sql(like, None, Some("1")).unwrap(),
            "SELECT id FROM t WHERE a = '1' AND b LIKE \"%dhcp\""
        );
        assert!(prepare_sql(sql, None, Some("h")).is_err());
    }

    #[test]
    fn first_words_are_collapsed() {
        assert_eq!(
            first_words("SELECT  a,\n b FROM t WHERE x = 1 AND y = 2"),
            "SELECT a, b FROM t WHERE x = ..."
        );
    }
}
