//! `calipso test-conn` and the AMQP access layer against the real RabbitMQ (127.0.0.1:5672,
//! guest/guest).

use calipso::access::amqp::{self, AmqpError, AmqpTarget};
use calipso::secret::Secret;
use std::time::Duration;

fn target(host: &str, port: u16, pwd: &str) -> AmqpTarget {
    AmqpTarget {
        host: host.into(),
        port,
        user: "guest".into(),
        pwd: Secret::new(pwd),
        vhost: "/".into(),
        connect_timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn amqp_connects_with_the_right_password() {
    let conn = amqp::connect_to(&target("127.0.0.1", 5672, "guest"))
        .await
        .unwrap();
    assert!(conn.status().connected());
}

#[tokio::test]
async fn amqp_wrong_password_is_wrong_credentials() {
    let err = amqp::connect_to(&target("127.0.0.1", 5672, "not-the-password"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Credentials { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn amqp_wrong_port_is_wrong_host_or_port() {
    let err = amqp::connect_to(&target("127.0.0.1", 1, "guest"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn amqp_unreachable_host_times_out() {
    let started = std::time::Instant::now();
    let err = amqp::connect_to(&target("192.0.2.1", 5672, "guest"))
        .await
        .unwrap_err();
    println!("{err}");
    assert!(matches!(err, AmqpError::Unreachable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}
