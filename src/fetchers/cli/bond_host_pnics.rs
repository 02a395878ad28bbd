//! CliFetchBondHostPnics (fetchers.md §3.12): bonding (EtherChannel) interfaces and their
//! members, from `/proc/net/bonding` and `ip link show <bond>`.

use super::common::{find_on_host, host_with_type, run_lines};
use crate::doc::{str_field, Object};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Bson, Document};

pub struct CliFetchBondHostPnics;

pub const LIST_BONDS: &str = "ls -1 /proc/net/bonding/ 2>&1";

/// Bond names of `ls -1 /proc/net/bonding/ 2>&1`; none when the directory is missing.
pub fn bond_names(lines: &[String]) -> Vec<String> {
    if lines
        .first()
        .is_some_and(|l| l.contains("No such file or directory"))
    {
        return Vec::new();
    }
    lines
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The bond object from `cat /proc/net/bonding/<bond>` and `ip link show <bond>` (members
/// still without their pNIC MACs, see [`link_member`]).
pub fn parse_bond(host: &str, bond: &str, bonding: &[String], ip_link: &[String]) -> Object {
    let state = ip_link
        .first()
        .and_then(|l| l.split_once(" state "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("")
        .to_lowercase();
    let mac = ip_link
        .iter()
        .find(|l| l.contains("link/ether"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("")
        .to_string();
    let id = format!("{bond}-{mac}");
    let mut obj = Object::new();
    obj.insert("host", host);
    obj.insert("name", bond);
    obj.insert("id", &id);
    obj.insert("local_name", bond);
    obj.insert("mac_address", &mac);
    obj.insert("Link detected", if state == "up" { "yes" } else { "no" });
    obj.insert("EtherChannel", true);
    obj.insert("EtherChannel Master", "");
    obj.insert("members", Document::new());
    // `path` leads from the bond object to the object lines currently go into.
    let mut path: Vec<String> = Vec::new();
    for line in bonding.iter().filter(|l| !l.trim().is_empty()) {
        if let Some(member) = line.strip_prefix("Slave Interface:") {
            let member = member.trim();
            let mut m = Object::new();
            m.insert("name", member);
            m.insert("EtherChannel Master", &id);
            path = vec!["members".into(), member.to_string()];
            if let Some(target) = nested(&mut obj, &path[..1]) {
                target.insert(member, m);
            }
            continue;
        }
        let heading = line.trim().trim_end_matches(':');
        if heading.to_lowercase().ends_with("info") {
            if let Some(target) = nested(&mut obj, &path) {
                target.insert(heading, Document::new());
            }
            path.push(heading.to_string());
        } else if let Some((key, value)) = line.split_once(':') {
            if let Some(target) = nested(&mut obj, &path) {
                target.insert(key.trim(), value.trim());
            }
        }
    }
    obj
}

fn nested<'a>(root: &'a mut Document, path: &[String]) -> Option<&'a mut Document> {
    path.iter()
        .try_fold(root, |doc, key| doc.get_document_mut(key).ok())
}

/// Names of the bond's members.
pub fn member_names(bond: &Object) -> Vec<String> {
    bond.get_document("members")
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Marks the stored pNIC as a bond member (returns it to be saved again) and gives the
/// member that pNIC's MAC and id.
pub fn link_member(bond: &mut Object, member: &str, pnic: &Object) -> Object {
    let bond_id = str_field(bond, "id").unwrap_or("").to_string();
    let mac = str_field(pnic, "mac_address").unwrap_or("").to_string();
    if let Some(m) = bond
        .get_document_mut("members")
        .ok()
        .and_then(|ms| ms.get_document_mut(member).ok())
    {
        m.insert("mac_address", &mac);
        m.insert("id", format!("{member}-{mac}"));
    }
    let mut updated = pnic.clone();
    updated.insert("EtherChannel", Bson::Boolean(true));
    updated.insert("EtherChannel Master", bond_id);
    updated
}

#[async_trait]
impl Fetcher for CliFetchBondHostPnics {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(folder_id);
        if host_with_type(ctx, host, &["Network", "Compute"], "CliFetchBondHostPnics")
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let mut bonds = Vec::new();
        for bond_name in bond_names(&run_lines(ctx, LIST_BONDS, host).await?) {
            let bonding =
                run_lines(ctx, &format!("cat /proc/net/bonding/{bond_name}"), host).await?;
            let ip_link = run_lines(ctx, &format!("ip link show {bond_name}"), host).await?;
            let mut bond = parse_bond(host, &bond_name, &bonding, &ip_link);
            let pnics = find_on_host(ctx, "host_pnic", host).await?;
            for member in member_names(&bond) {
                if let Some(pnic) = pnics.iter().find(|p| str_field(p, "name") == Some(&member)) {
                    let mut updated = link_member(&mut bond, &member, pnic);
                    ctx.store.upsert_object(&mut updated).await?;
                }
            }
            bonds.push(bond);
        }
        Ok(bonds)
    }
}
