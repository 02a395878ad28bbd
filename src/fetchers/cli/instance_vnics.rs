//! CliFetchInstanceVnics / CliFetchInstanceVnicsVpp (fetchers.md §3.11): an instance's vNICs
//! from the libvirt domain XML of its host.

use super::common::{host_with_type, run_all, run_lines};
use super::xml::xml_to_doc;
use crate::doc::{id_string, str_field, Object};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Bson};

/// Which naming the vNICs get: OVS/LXB use the tap device, VPP `<instance>-<type>-<mac>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VnicNaming {
    TargetDevice,
    Vpp,
}

pub struct CliFetchInstanceVnics(pub VnicNaming);

/// Domain ids of `virsh list`: header and dashes dropped, first token of each non-empty line.
pub fn domain_ids(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

/// The vNICs in one `virsh dumpxml` output when its `domain.uuid` is the instance's `uuid`;
/// `None` for another domain or an empty output.
pub fn vnics_from_dumpxml(
    xml: &str,
    instance: &Object,
    host: &str,
    naming: VnicNaming,
) -> Result<Option<Vec<Object>>, String> {
    // Most domains of the host are other instances: skip parsing those (a domain whose XML
    // does not even contain the uuid cannot match it).
    let Some(uuid) = str_field(instance, "uuid").filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if xml.trim().is_empty() || !xml.contains(uuid) {
        return Ok(None);
    }
    let doc = xml_to_doc(xml)?;
    let Ok(domain) = doc.get_document("domain") else {
        return Ok(None);
    };
    if str_field(domain, "uuid") != Some(uuid) {
        return Ok(None);
    }
    let interfaces = match domain
        .get_document("devices")
        .ok()
        .and_then(|d| d.get("interface"))
    {
        Some(Bson::Document(one)) => vec![one.clone()],
        Some(Bson::Array(many)) => many
            .iter()
            .filter_map(|b| b.as_document().cloned())
            .collect(),
        _ => Vec::new(),
    };
    let instance_id = str_field(instance, "id").unwrap_or("");
    let db_id = instance.get("_id").and_then(id_string).unwrap_or_default();
    Ok(Some(
        interfaces
            .into_iter()
            .map(|mut vnic| {
                let mac = nested_attr(&vnic, "mac", "@address");
                let name = match naming {
                    VnicNaming::TargetDevice => nested_attr(&vnic, "target", "@dev"),
                    VnicNaming::Vpp => format!(
                        "{}-{}-{mac}",
                        str_field(instance, "name").unwrap_or(""),
                        str_field(&vnic, "@type").unwrap_or("")
                    ),
                };
                let source_bridge = nested_attr(&vnic, "source", "@bridge");
                vnic.insert("name", &name);
                vnic.insert("id", format!("{host}-{name}"));
                vnic.insert("vnic_type", "instance_vnic");
                vnic.insert("host", host);
                vnic.insert("instance_id", instance_id);
                vnic.insert("instance_db_id", &db_id);
                vnic.insert("mac_address", mac);
                if naming == VnicNaming::TargetDevice {
                    vnic.insert("source_bridge", source_bridge);
                }
                vnic
            })
            .collect(),
    ))
}

fn nested_attr(obj: &Object, element: &str, attr: &str) -> String {
    obj.get_document(element)
        .ok()
        .and_then(|d| str_field(d, attr))
        .unwrap_or("")
        .to_string()
}

#[async_trait]
impl Fetcher for CliFetchInstanceVnics {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let instance_id = host_of_folder(folder_id);
        let env = &ctx.env.name;
        let Some(mut instance) = ctx
            .store
            .find_object(doc! {"environment": env, "type": "instance", "id": instance_id})
            .await?
        else {
            log::warn!("CliFetchInstanceVnics: instance {instance_id} is not in the inventory");
            return Ok(Vec::new());
        };
        let host = str_field(&instance, "host").unwrap_or("").to_string();
        if host_with_type(ctx, &host, &["Compute"], "CliFetchInstanceVnics")
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let mut vnics = Vec::new();
        let cmds: Vec<String> = domain_ids(&run_lines(ctx, "virsh list", &host).await?)
            .iter()
            .map(|id| format!("virsh dumpxml {id}"))
            .collect();
        for (cmd, xml) in cmds.iter().zip(run_all(ctx, &cmds, &host).await?) {
            if let Some(found) = vnics_from_dumpxml(&xml, &instance, &host, self.0)
                .map_err(|e| FetchError::Data(format!("{cmd} on {host}: {e}")))?
            {
                vnics.extend(found);
            }
        }
        if let Some(mac) = vnics.last().and_then(|v| str_field(v, "mac_address")) {
            instance.insert("mac_address", mac);
            ctx.store.upsert_object(&mut instance).await?;
        }
        Ok(vnics)
    }
}
