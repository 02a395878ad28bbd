//! DbAccess against the real MariaDB on 127.0.0.1:3306. Each test makes its own throwaway
//! schema `calipso_dbaccess_test_<random>` and a user with a password that can see only it,
//! and drops both at the end.

use bson::{doc, Bson};
use calipso::access::db::sql::find_neutron_schema;
use calipso::access::db::{DbAccess, DbError};
use calipso::config::Environment;
use mysql::prelude::Queryable;
use mysql::{OptsBuilder, Pool};

const ODD_HOST: &str = "it's \"odd\" \\ host";

struct TestDb {
    root: Pool,
    schema: String,
    user: String,
    password: String,
}

impl TestDb {
    fn create() -> TestDb {
        let root = Pool::new(
            OptsBuilder::new()
                .ip_or_hostname(Some("127.0.0.1"))
                .tcp_port(3306)
                .user(Some("root")),
        )
        .expect("MariaDB on 127.0.0.1:3306 as root without password");
        let suffix = format!("{:08x}", rand::random::<u32>());
        let db = TestDb {
            root,
            schema: format!("calipso_dbaccess_test_{suffix}"),
            user: format!("calipso_dbt_{suffix}"),
            password: format!("Pw-{suffix}-x"),
        };
        let mut conn = db.root.get_conn().unwrap();
        for sql in [
            format!("CREATE DATABASE `{}`", db.schema),
            format!(
                "CREATE USER '{}'@'%' IDENTIFIED BY '{}'",
                db.user, db.password
            ),
            format!("GRANT ALL ON `{}`.* TO '{}'@'%'", db.schema, db.user),
            format!(
                "CREATE TABLE `{}`.t (id INT PRIMARY KEY, big BIGINT, flag TINYINT, \
                 created DATETIME, missing VARCHAR(10) NULL, note TEXT, host VARCHAR(64), \
                 price DECIMAL(5,2))",
                db.schema
            ),
        ] {
            conn.query_drop(sql).unwrap();
        }
        conn.exec_drop(
            format!(
                "INSERT INTO `{}`.t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                db.schema
            ),
            (
                1,
                5_000_000_000i64,
                1,
                "2017-06-01 10:20:30",
                None::<String>,
                "{\"a\": 1}",
                ODD_HOST,
                "12.50",
            ),
        )
        .unwrap();
        conn.exec_drop(
            format!(
                "INSERT INTO `{}`.t (id, host) VALUES (2, 'plain')",
                db.schema
            ),
            (),
        )
        .unwrap();
        db
    }

    fn env(&self, password: Option<&str>) -> Environment {
        let mut section = doc! {"name": "mysql", "host": "127.0.0.1", "port": 3306,
        "user": &self.user, "schema": &self.schema};
        if let Some(pwd) = password {
            section.insert("pwd", pwd);
        }
        Environment::from_document(doc! {"name": "db-test", "configuration": [section]}).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = self.root.get_conn() {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.schema));
            let _ = conn.query_drop(format!("DROP USER IF EXISTS '{}'@'%'", self.user));
        }
    }
}

#[tokio::test]
async fn query_converts_values_and_quotes_the_parameter() {
    let test = TestDb::create();
    let db = DbAccess::open(&test.env(Some(&test.password)))
        .await
        .unwrap();
    let rows = db
        .query("SELECT *\n  FROM t\n WHERE host = %s", Some(ODD_HOST))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.get("id"), Some(&Bson::Int32(1)));
    assert_eq!(row.get("big"), Some(&Bson::Int64(5_000_000_000)));
    assert_eq!(row.get("flag"), Some(&Bson::Int32(1)));
    let created = row.get_datetime("created").unwrap();
    assert_eq!(
        created.try_to_rfc3339_string().unwrap(),
        "2017-06-01T10:20:30Z"
    );
    assert_eq!(row.get("missing"), Some(&Bson::Null));
    assert_eq!(row.get_str("note").unwrap(), "{\"a\": 1}");
    assert_eq!(row.get_str("host").unwrap(), ODD_HOST);
    assert_eq!(row.get("price"), Some(&Bson::Double(12.5)));
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "big", "flag", "created", "missing", "note", "host", "price"]
    );
    // An injection attempt stays a literal.
    let none = db
        .query("SELECT id FROM t WHERE host = %s", Some("x' OR '1'='1"))
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(db.request_count(), 2);
}

#[tokio::test]
async fn neutron_schema_discovery_needs_a_neutron_database() {
    let test = TestDb::create();
    // This user sees only its own schema: no Neutron database.
    let err = DbAccess::connect(&test.env(Some(&test.password)))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, DbError::NoNeutronSchema), "{err}");
    assert_eq!(
        err.to_string(),
        "Unable to find Neutron schema in OpenStack DB"
    );
    let db = DbAccess::open(&test.env(Some(&test.password)))
        .await
        .unwrap();
    assert_eq!(db.neutron_schema(), "");
    let err = db
        .query("SELECT * FROM {neutron}.agents", None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Neutron schema was not discovered"), "{err}");
}

#[tokio::test]
async fn query_errors_name_the_query_and_the_server_message() {
    let test = TestDb::create();
    let db = DbAccess::open(&test.env(Some(&test.password)))
        .await
        .unwrap();
    let err = db
        .query("SELECT * FROM no_such_table WHERE x = %s", Some("1"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("SELECT * FROM no_such_table"), "{err}");
    assert!(err.contains("doesn't exist"), "{err}");
    assert!(!err.contains(&test.password));
}

#[tokio::test]
async fn wrong_or_missing_password_is_a_clear_error() {
    let test = TestDb::create();
    let wrong = "Wrong-Secret-42";
    let err = DbAccess::open(&test.env(Some(wrong)))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("failed to connect to MySQL DB: "), "{err}");
    assert!(err.contains("Access denied"), "{err}");
    assert!(
        !err.contains(wrong) && !err.contains(&test.password),
        "{err}"
    );
    for pwd in [None, Some("")] {
        let err = DbAccess::open(&test.env(pwd)).await.err().unwrap();
        assert_eq!(err.to_string(), "attribute pwd is missing");
    }
}

#[test]
fn neutron_schema_is_the_one_name_containing_neutron() {
    let none = ["information_schema", "nova", "keystone"];
    assert!(matches!(
        find_neutron_schema(&none),
        Err(DbError::NoNeutronSchema)
    ));
    let one = ["information_schema", "keystone", "mysql", "neutron", "nova"];
    assert_eq!(find_neutron_schema(&one).unwrap(), "neutron");
    let renamed = ["nova", "ovs_neutron"];
    assert_eq!(find_neutron_schema(&renamed).unwrap(), "ovs_neutron");
    let several = ["neutron", "neutron_old"];
    let err = find_neutron_schema(&several).unwrap_err().to_string();
    assert!(
        err.starts_with("Found multiple possible names") && err.contains("neutron_old"),
        "{err}"
    );
}

#[test]
fn show_databases_fixture_names_neutron() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/illustrative/db/show_databases.json");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["Database"].as_str().unwrap())
        .collect();
    assert_eq!(find_neutron_schema(&names).unwrap(), "neutron");
}
