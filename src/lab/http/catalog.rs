//! The service catalog and the identity ids Keystone hands out, shared by the v2.0 and v3 APIs.

use super::state::ApiState;
use crate::lab::model::ids::IdGen;

/// One catalog service of RegionOne; every URL carries an explicit port.
pub struct CatalogService {
    pub name: &'static str,
    pub kind: &'static str,
    pub service_id: String,
    /// Ids of the admin, internal and public endpoints.
    pub endpoint_ids: [String; 3],
    pub admin_url: String,
    pub internal_url: String,
    pub public_url: String,
}

/// Stable ids derived from the seed (a separate stream from the model's ids).
fn derived_ids(state: &ApiState) -> IdGen {
    IdGen::new(state.model().sizes.seed ^ 0x6b65_7973_746f_6e65)
}

pub fn user_id(state: &ApiState) -> String {
    state.model().admin_user_id.clone()
}

pub fn role_id(state: &ApiState) -> String {
    derived_ids(state).hex32()
}

/// A token's audit id (random, like Keystone's).
pub fn audit_id() -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}

pub fn services(state: &ApiState, tenant_id: &str) -> Vec<CatalogService> {
    let p = &state.ports;
    let list: [(&str, &str, u16, u16, String); 7] = [
        (
            "nova",
            "compute",
            p.nova,
            p.nova,
            format!("/v2/{tenant_id}"),
        ),
        ("neutron", "network", p.neutron, p.neutron, String::new()),
        ("cinder", "volume", 8776, 8776, format!("/v1/{tenant_id}")),
        (
            "cinderv2",
            "volumev2",
            8776,
            8776,
            format!("/v2/{tenant_id}"),
        ),
        ("glance", "image", 9292, 9292, String::new()),
        ("placement", "placement", 8778, 8778, "/placement".into()),
        (
            "keystone",
            "identity",
            p.keystone_admin,
            p.keystone_public,
            "/v2.0".into(),
        ),
    ];
    let mut ids = derived_ids(state);
    ids.hex32(); // the role id
    list.into_iter()
        .map(
            |(name, kind, admin_port, public_port, path)| CatalogService {
                name,
                kind,
                service_id: ids.hex32(),
                endpoint_ids: [ids.hex32(), ids.hex32(), ids.hex32()],
                admin_url: state.url(admin_port, &path),
                internal_url: state.url(public_port, &path),
                public_url: state.url(public_port, &path),
            },
        )
        .collect()
}
