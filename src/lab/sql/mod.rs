//! The lab's MariaDB side: (re)creates the `nova`, `neutron` and `keystone` schemas, fills them
//! from the model, and creates the read-only user the scanner logs in with. Only one lab may own
//! these schemas per MariaDB server (see [`lock`]).

mod fill;
pub use fill::pin_standard_attr_ids;
pub mod lock;
mod pyjson;
mod schema;

use crate::lab::model::Model;
use crate::secret::Secret;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use std::time::Duration;

pub const LAB_DB_USER: &str = "calipso_lab";
const SCHEMAS: [(&str, &[&str]); 3] = [
    ("nova", schema::NOVA),
    ("keystone", schema::KEYSTONE),
    ("neutron", schema::NEUTRON),
];

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("--mysql '{0}' is not a mysql://user[:password]@host:port URL")]
    BadUrl(String),
    #[error("MariaDB at {addr} is unreachable: {source}")]
    Unreachable { addr: String, source: mysql::Error },
    #[error("MariaDB at {addr}: {what} failed: {source}")]
    Statement {
        addr: String,
        what: String,
        source: mysql::Error,
    },
}

/// Where the lab's MariaDB is, parsed from `--mysql`.
#[derive(Debug, Clone)]
pub struct MysqlTarget {
    pub host: String,
    pub port: u16,
    opts: Opts,
}

impl MysqlTarget {
    pub fn parse(url: &str) -> Result<MysqlTarget, SqlError> {
        let opts = Opts::from_url(url).map_err(|_| SqlError::BadUrl(redact(url)))?;
        Ok(MysqlTarget {
            host: opts.get_ip_or_hostname().to_string(),
            port: opts.get_tcp_port(),
            opts,
        })
    }

    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn connect(&self) -> Result<Conn, SqlError> {
        let opts = OptsBuilder::from_opts(self.opts.clone())
            .tcp_connect_timeout(Some(Duration::from_secs(5)))
            .db_name(None::<String>);
        Conn::new(opts).map_err(|source| SqlError::Unreachable {
            addr: self.addr(),
            source,
        })
    }
}

/// Hides a password given inside a URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_part = &url[scheme + 3..at];
            let user = user_part.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Drops and recreates the three schemas, fills them and (re)creates the lab user with
/// `password` and SELECT grants. `heartbeat` goes into the agents' heartbeat column.
pub fn install(
    target: &MysqlTarget,
    model: &Model,
    password: &Secret,
    heartbeat: &str,
) -> Result<(), SqlError> {
    let mut conn = target.connect()?;
    let addr = target.addr();
    let run = |conn: &mut Conn, what: &str, sql: &str| {
        conn.query_drop(sql).map_err(|source| SqlError::Statement {
            addr: addr.clone(),
            what: what.to_string(),
            source,
        })
    };
    for (name, tables) in SCHEMAS {
        run(
            &mut conn,
            &format!("dropping schema {name}"),
            &format!("DROP DATABASE IF EXISTS {name}"),
        )?;
        run(
            &mut conn,
            &format!("creating schema {name}"),
            &format!("CREATE DATABASE {name} DEFAULT CHARACTER SET utf8"),
        )?;
        for ddl in tables {
            let what = format!("creating a table in {name}");
            run(&mut conn, &what, &format!("USE {name}"))?;
            run(&mut conn, &what, ddl)?;
        }
    }
    for rows in fill::all_rows(model, heartbeat) {
        insert(&mut conn, &addr, rows)?;
    }
    create_user(&mut conn, &addr, password)
}

fn insert(conn: &mut Conn, addr: &str, rows: fill::TableRows) -> Result<(), SqlError> {
    if rows.rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<String> = rows.columns.iter().map(|c| format!("`{c}`")).collect();
    let marks = vec!["?"; columns.len()].join(", ");
    let sql = format!(
        "INSERT INTO {}.{} ({}) VALUES ({marks})",
        rows.schema,
        rows.table,
        columns.join(", ")
    );
    conn.exec_batch(&sql, rows.rows.into_iter().map(mysql::Params::Positional))
        .map_err(|source| SqlError::Statement {
            addr: addr.to_string(),
            what: format!("filling {}.{}", rows.schema, rows.table),
            source,
        })
}

/// Brings the schemas filled from `old` in line with `new`: every table whose rows differ is
/// rewritten in one transaction (readers see the old or the new rows, never a mix).
pub fn sync(
    target: &MysqlTarget,
    old: &Model,
    new: &Model,
    heartbeat: &str,
) -> Result<(), SqlError> {
    let before = fill::all_rows(old, heartbeat);
    let changed: Vec<fill::TableRows> = fill::all_rows(new, heartbeat)
        .into_iter()
        .zip(before)
        .filter(|(after, before)| after.rows != before.rows)
        .map(|(after, _)| after)
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut conn = target.connect()?;
    let addr = target.addr();
    let fail = |what: String| {
        let addr = addr.clone();
        move |source| SqlError::Statement { addr, what, source }
    };
    conn.query_drop("START TRANSACTION")
        .map_err(fail("starting a transaction".into()))?;
    for rows in changed {
        let name = format!("{}.{}", rows.schema, rows.table);
        conn.query_drop(format!("DELETE FROM {name}"))
            .map_err(fail(format!("emptying {name}")))?;
        insert(&mut conn, &addr, rows)?;
    }
    conn.query_drop("COMMIT").map_err(fail("committing".into()))
}

/// The scanner's login: `calipso_lab`@`%` and @`localhost` (the latter wins over MariaDB's
/// anonymous localhost accounts), SELECT on the three schemas only.
fn create_user(conn: &mut Conn, addr: &str, password: &Secret) -> Result<(), SqlError> {
    // The generated password is alphanumeric, so quoting it is safe.
    let pwd = password.expose();
    for host in ["%", "localhost"] {
        let account = format!("'{LAB_DB_USER}'@'{host}'");
        let mut statements = vec![
            format!("CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{pwd}'"),
            format!("ALTER USER {account} IDENTIFIED BY '{pwd}'"),
        ];
        statements.extend(
            SCHEMAS
                .iter()
                .map(|(schema, _)| format!("GRANT SELECT ON {schema}.* TO {account}")),
        );
        for sql in statements {
            conn.query_drop(&sql)
                .map_err(|source| SqlError::Statement {
                    addr: addr.to_string(),
                    what: format!("setting up the user {account}"),
                    source,
                })?;
        }
    }
    Ok(())
}
