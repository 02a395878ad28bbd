//! The rows of every lab table, rendered from the model with the same ids the APIs show.

mod neutron;
pub use neutron::pin_standard_attr_ids;
mod nova;

use crate::lab::model::Model;
use mysql::Value as V;

/// Rows for one table: `INSERT INTO <schema>.<table> (<columns>) VALUES ...`.
pub struct TableRows {
    pub schema: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<V>>,
}

pub(super) fn s(text: impl Into<String>) -> V {
    V::from(text.into())
}

pub(super) fn n(number: impl Into<i64>) -> V {
    V::from(number.into())
}

pub(super) fn opt(text: Option<&String>) -> V {
    text.map(|t| s(t.as_str())).unwrap_or(V::NULL)
}

pub(super) fn table(
    schema: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<V>>,
) -> TableRows {
    TableRows {
        schema,
        table,
        columns,
        rows,
    }
}

/// `heartbeat` is the time to put in agents' heartbeat columns (`YYYY-MM-DD HH:MM:SS`).
pub fn all_rows(model: &Model, heartbeat: &str) -> Vec<TableRows> {
    let mut tables = nova::rows(model);
    tables.push(nova::keystone(model));
    tables.extend(neutron::rows(model, heartbeat));
    tables
}
