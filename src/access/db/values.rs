//! MySQL values to BSON as the original's driver delivers them (fetchers.md §2.2): integers as
//! Int32/Int64, DATETIME/TIMESTAMP as dates (naive times taken as UTC, as pymongo stores them),
//! NULL as Null, everything else as UTF-8 text. Works for both wire protocols: the text
//! protocol sends every value as bytes, so the column type decides.

use crate::doc::Object;
use bson::Bson;
use chrono::{NaiveDate, NaiveDateTime};
use mysql::consts::ColumnType;
use mysql::{Row, Value};

/// A row as a document keyed by column name (a later column with the same name wins).
pub fn row_to_object(row: Row) -> Object {
    let names: Vec<String> = row
        .columns_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let types: Vec<ColumnType> = row.columns_ref().iter().map(|c| c.column_type()).collect();
    let mut object = Object::new();
    for ((name, column_type), value) in names.into_iter().zip(types).zip(row.unwrap()) {
        object.insert(name, value_to_bson(value, column_type));
    }
    object
}

pub fn value_to_bson(value: Value, column_type: ColumnType) -> Bson {
    match value {
        Value::NULL => Bson::Null,
        Value::Int(i) => int(i),
        Value::UInt(u) => i64::try_from(u).map_or(Bson::Double(u as f64), int),
        Value::Float(f) => Bson::Double(f64::from(f)),
        Value::Double(d) => Bson::Double(d),
        Value::Date(y, mo, d, h, mi, s, us) => date(
            NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into())
                .and_then(|day| day.and_hms_micro_opt(h.into(), mi.into(), s.into(), us)),
        ),
        Value::Time(negative, days, h, mi, s, us) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let sign = if negative { "-" } else { "" };
            let fraction = if us > 0 {
                format!(".{us:06}")
            } else {
                String::new()
            };
            Bson::String(format!("{sign}{hours:02}:{mi:02}:{s:02}{fraction}"))
        }
        Value::Bytes(bytes) => text_value(&String::from_utf8_lossy(&bytes), column_type),
    }
}

/// A text-protocol value, read according to its column type.
fn text_value(text: &str, column_type: ColumnType) -> Bson {
    use ColumnType::*;
    match column_type {
        MYSQL_TYPE_TINY | MYSQL_TYPE_SHORT | MYSQL_TYPE_LONG | MYSQL_TYPE_INT24
        | MYSQL_TYPE_LONGLONG | MYSQL_TYPE_YEAR => match text.parse::<i64>() {
            Ok(i) => int(i),
            Err(_) => text
                .parse::<f64>()
                .map_or_else(|_| Bson::String(text.into()), Bson::Double),
        },
        MYSQL_TYPE_FLOAT | MYSQL_TYPE_DOUBLE | MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => text
            .parse::<f64>()
            .map_or_else(|_| Bson::String(text.into()), Bson::Double),
        MYSQL_TYPE_DATETIME
        | MYSQL_TYPE_DATETIME2
        | MYSQL_TYPE_TIMESTAMP
        | MYSQL_TYPE_TIMESTAMP2 => {
            date(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok())
        }
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => date(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0)),
        ),
        _ => Bson::String(text.to_string()),
    }
}

fn int(i: i64) -> Bson {
    i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32)
}

/// Zero dates (`0000-00-00 ...`) come back as NULL, as the Python driver returns `None`.
fn date(value: Option<NaiveDateTime>) -> Bson {
    match value {
        Some(naive) => Bson::DateTime(bson::DateTime::from_chrono(naive.and_utc())),
        None => Bson::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_protocol_values_follow_the_column_type() {
        assert_eq!(
            value_to_bson(Value::Bytes(b"1".to_vec()), ColumnType::MYSQL_TYPE_TINY),
            Bson::Int32(1)
        );
        assert_eq!(
            value_to_bson(
                Value::Bytes(b"5000000000".to_vec()),
                ColumnType::MYSQL_TYPE_LONGLONG
            ),
            Bson::Int64(5_000_000_000)
        );
        assert_eq!(
            value_to_bson(Value::Bytes(b"{}".to_vec()), ColumnType::MYSQL_TYPE_BLOB),
            Bson::String("{}".into())
        );
        let dt = value_to_bson(
            Value::Bytes(b"2017-06-01 10:20:30".to_vec()),
            ColumnType::MYSQL_TYPE_DATETIME,
        );
        assert_eq!(
            dt.as_datetime().unwrap().try_to_rfc3339_string().unwrap(),
            "2017-06-01T10:20:30Z"
        );
        assert_eq!(
            value_to_bson(
                Value::Bytes(b"0000-00-00 00:00:00".to_vec()),
                ColumnType::MYSQL_TYPE_DATETIME
            ),
            Bson::Null
        );
    }

    #[test]
    fn binary_protocol_values() {
        assert_eq!(
            value_to_bson(Value::Int(7), ColumnType::MYSQL_TYPE_LONG),
            Bson::Int32(7)
        );
        assert_eq!(
            value_to_bson(
                Value::Time(false, 1, 2, 3, 4, 0),
                ColumnType::MYSQL_TYPE_TIME
            ),
            Bson::String("26:03:04".into())
        );
    }
}
