//! The service catalog of the admin auth answer, as regions of endpoints, and the URL rules of
//! endpoint selection (fetchers.md §2.1, §3.2). Pure functions.

use serde_json::{Map, Value};

/// Region name used for endpoints without one.
pub const NO_REGION: &str = "No-Region";

/// One region: endpoints by service *name* (`nova`, `neutron`, `keystone`, ...), each the
/// catalog's endpoint object without `region` and with `service_type` added.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub name: String,
    pub endpoints: Map<String, Value>,
}

/// Regions of `access.serviceCatalog`, in the order their names first appear. A later service
/// with the same name in the same region replaces the earlier one. No catalog → no regions.
pub fn regions_from_auth_response(body: &Value) -> Vec<Region> {
    let mut regions: Vec<Region> = Vec::new();
    let services = body
        .pointer("/access/serviceCatalog")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for service in services {
        let name = service.get("name").and_then(Value::as_str).unwrap_or("");
        let service_type = service.get("type").cloned().unwrap_or(Value::Null);
        let endpoints = service
            .get("endpoints")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for endpoint in endpoints.iter().filter_map(Value::as_object) {
            let mut endpoint = endpoint.clone();
            let region_name = match endpoint.shift_remove("region") {
                Some(Value::String(r)) if !r.is_empty() => r,
                _ => NO_REGION.to_string(),
            };
            endpoint.insert("service_type".into(), service_type.clone());
            let index = match regions.iter().position(|r| r.name == region_name) {
                Some(i) => i,
                None => {
                    regions.push(Region {
                        name: region_name,
                        endpoints: Map::new(),
                    });
                    regions.len() - 1
                }
            };
            regions[index]
                .endpoints
                .insert(name.to_string(), Value::Object(endpoint));
        }
    }
    regions
}

impl Region {
    /// The endpoint of `service`; for `neutron` the old name `quantum` is accepted too.
    pub fn endpoint(&self, service: &str) -> Option<&Map<String, Value>> {
        let found = self.endpoints.get(service).or_else(|| match service {
            "neutron" => self.endpoints.get("quantum"),
            _ => None,
        });
        found.and_then(Value::as_object)
    }

    /// The endpoint's `adminURL` (never publicURL/internalURL).
    pub fn admin_url(&self, service: &str) -> Option<&str> {
        self.endpoint(service)?.get("adminURL")?.as_str()
    }
}

/// `url` with its host replaced by `host`, keeping scheme, port and path
/// (`http://192.168.0.2:35357/v2.0` → `http://10.0.0.1:35357/v2.0`).
pub fn replace_host(url: &str, host: &str) -> String {
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    format!("{}{}{}", &url[..start], host, &rest[end..])
}

/// `url` without its version path: everything from `/v2` ... `/v9` after the host part is cut
/// (`http://10.0.0.1:8774/v2/8c17...` → `http://10.0.0.1:8774`).
pub fn strip_version(url: &str) -> String {
    let path_start = url
        .find("//")
        .map(|i| i + 2)
        .and_then(|start| url[start..].find('/').map(|p| start + p));
    let Some(path_start) = path_start else {
        return url.to_string();
    };
    let bytes = url.as_bytes();
    let cut = (path_start..url.len()).find(|&i| {
        bytes[i] == b'/'
            && bytes.get(i + 1) == Some(&b'v')
            && bytes.get(i + 2).is_some_and(|d| (b'2'..=b'9').contains(d))
    });
    match cut {
        Some(i) => url[..i].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_replacement_keeps_port_and_path() {
        assert_eq!(
            replace_host("http://192.168.0.2:35357/v2.0", "10.0.0.1"),
            "http://10.0.0.1:35357/v2.0"
        );
        assert_eq!(replace_host("http://a.b/x", "h"), "http://h/x");
    }

    #[test]
    fn version_is_cut() {
        assert_eq!(
            strip_version("http://10.0.0.1:8774/v2/8c17"),
            "http://10.0.0.1:8774"
        );
        assert_eq!(
            strip_version("http://10.0.0.1:35357/v2.0"),
            "http://10.0.0.1:35357"
        );
        assert_eq!(
            strip_version("http://10.0.0.1:9696"),
            "http://10.0.0.1:9696"
        );
        assert_eq!(
            strip_version("http://10.0.0.1:8776/v1/x"),
            "http://10.0.0.1:8776/v1/x"
        );
    }

    #[test]
    fn quantum_is_an_alias_of_neutron() {
        let body = serde_json::json!({"access": {"serviceCatalog": [
            {"name": "quantum", "type": "network", "endpoints": [{"adminURL": "http://x:9696"}]}
        ]}});
        let regions = regions_from_auth_response(&body);
        assert_eq!(regions[0].name, NO_REGION);
        assert_eq!(regions[0].admin_url("neutron"), Some("http://x:9696"));
    }
}
