//! The lab's simulated APIC over real HTTPS: login and cookie, refresh, class and object
//! queries with filters, and APIC's error answers.

use calipso::lab::aci::{self, api::AciState, fabric};
use calipso::lab::model::{self, LabSizes, MechanismDriver, TypeDriver};
use calipso::secret::Secret;
use serde_json::{json, Value};

async fn start() -> (aci::RunningAci, String, fabric::Fabric) {
    let m = model::build(LabSizes {
        seed: 1,
        hosts: 3,
        instances: 2,
        mechanism_driver: MechanismDriver::Ovs,
        type_driver: TypeDriver::Vxlan,
    })
    .unwrap();
    let fabric = fabric::build(&m);
    let tcp = calipso::lab::tls::bind("127.0.0.1:0".parse().unwrap(), "ACI")
        .await
        .unwrap();
    let base = format!("https://{}/api", tcp.local_addr().unwrap());
    let state = AciState::new(fabric.clone(), "admin", Secret::new("s3cret"));
    (aci::serve(tcp, "127.0.0.1", state).unwrap(), base, fabric)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

async fn get(url: &str, cookie: Option<&str>, query: &[(&str, &str)]) -> (u16, Value) {
    let mut request = client().get(url).query(query);
    if let Some(token) = cookie {
        request = request.header("Cookie", format!("APIC-Cookie={token}"));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn error_text(body: &Value) -> &str {
    body["imdata"][0]["error"]["attributes"]["text"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn login_queries_and_errors() {
    let (server, base, fabric) = start().await;
    let login = |pwd: &'static str| {
        let url = format!("{base}/aaaLogin.json");
        async move {
            client()
                .post(url)
                .json(&json!({"aaaUser": {"attributes": {"name": "admin", "pwd": pwd}}}))
                .send()
                .await
                .unwrap()
        }
    };
    let refused = login("wrong").await;
    assert_eq!(refused.status().as_u16(), 401);
    let body: Value = refused.json().await.unwrap();
    assert!(error_text(&body).starts_with("Username or password is incorrect"));

    let accepted = login("s3cret").await;
    assert!(accepted.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("APIC-cookie="));
    let body: Value = accepted.json().await.unwrap();
    let token = body["imdata"][0]["aaaLogin"]["attributes"]["token"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, body) = get(&format!("{base}/aaaRefresh.json"), None, &[]).await;
    assert_eq!(
        (status, error_text(&body)),
        (403, "Token was invalid (Error: Token timeout)")
    );
    let (status, _) = get(&format!("{base}/aaaRefresh.json"), Some(&token), &[]).await;
    assert_eq!(status, 200);
    let (status, _) = get(&format!("{base}/class/fabricNode.json"), None, &[]).await;
    assert_eq!(status, 403, "queries need the cookie");

    // A bond's MAC is learned on a port channel only: the scanner's Ethernet filter drops it.
    let bonded = fabric
        .host_ports
        .iter()
        .find(|p| p.learned_on.starts_with("po"))
        .unwrap();
    let plain = fabric
        .host_ports
        .iter()
        .find(|p| p.learned_on.starts_with("eth"))
        .unwrap();
    for (port, expected) in [(bonded, 0), (plain, 1)] {
        let filter = format!(
            "and(eq(epmMacEp.addr,\"{}\"),wcard(epmMacEp.ifId, \"eth\"))",
            port.mac
        );
        let (status, body) = get(
            &format!("{base}/class/epmMacEp.json"),
            Some(&token),
            &[("query-target-filter", &filter)],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["totalCount"], expected.to_string(), "{body}");
    }
    let (_, body) = get(
        &format!("{base}/class/fvCEp.json"),
        Some(&token),
        &[
            ("rsp-subtree", "children"),
            (
                "query-target-filter",
                &format!("eq(fvCEp.mac,\"{}\")", plain.mac),
            ),
        ],
    )
    .await;
    let ep = &body["imdata"][0]["fvCEp"];
    assert_eq!(ep["attributes"]["mac"], plain.mac.to_uppercase());
    assert!(ep["children"][0]["fvRsCEpToPathEp"]["attributes"]["tDn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("pathep-[{}]", plain.port)));

    let sys = format!("{base}/mo/topology/pod-1/node-{}/sys.json", plain.leaf);
    let (_, body) = get(&sys, Some(&token), &[]).await;
    assert_eq!(body["imdata"][0]["topSystem"]["attributes"]["role"], "leaf");
    let (_, body) = get(
        &sys,
        Some(&token),
        &[
            ("query-target", "subtree"),
            ("target-subtree-class", "lldpAdjEp"),
        ],
    )
    .await;
    let names: Vec<&str> = body["imdata"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["lldpAdjEp"]["attributes"]["sysName"].as_str())
        .collect();
    assert!(
        names.contains(&"Spine-201") && names.contains(&"Spine-202"),
        "{names:?}"
    );
    assert!(names.contains(&"node-1"), "hosts run LLDP too: {names:?}");

    let (status, body) = get(
        &format!("{base}/mo/topology/pod-1/node-999/sys.json"),
        Some(&token),
        &[],
    )
    .await;
    assert_eq!((status, body["totalCount"].as_str()), (200, Some("0")));
    let (status, body) = get(&format!("{base}/class/nosuchClass.json"), Some(&token), &[]).await;
    assert_eq!(
        (status, error_text(&body)),
        (400, "Request failed, unresolved class for nosuchClass")
    );
    let (status, body) = get(
        &format!("{base}/class/fabricNode.json"),
        Some(&token),
        &[("query-target-filter", "eq(fabricNode.role")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(error_text(&body).contains("Invalid query-target-filter"));
    server.shutdown().await;
}
