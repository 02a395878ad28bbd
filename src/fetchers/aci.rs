//! ACI fetchers (fetchers.md §2.5, §3.17). Without `aci_enabled` every ACI fetcher returns no
//! objects, so an OpenStack scan walks past the pNICs' ScanHostPnic entries. The ACI REST
//! client itself is not part of this port yet: with `aci_enabled: true` they fail clearly.

use super::{FetchError, Fetcher, ScanContext};
use crate::doc::Object;
use async_trait::async_trait;

struct AciFetcher(&'static str);

#[async_trait]
impl Fetcher for AciFetcher {
    async fn get(&self, _parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        if !ctx.env.aci_enabled() {
            return Ok(vec![]);
        }
        Err(FetchError::Data(format!(
            "{}: the ACI REST access is not implemented in this version (set aci_enabled to false)",
            self.0
        )))
    }
}

pub fn create(name: &str) -> Option<Box<dyn Fetcher>> {
    match name {
        "AciFetchSwitchPnic" => Some(Box::new(AciFetcher("AciFetchSwitchPnic"))),
        "AciFetchLeafToSpinePnics" => Some(Box::new(AciFetcher("AciFetchLeafToSpinePnics"))),
        _ => None,
    }
}
