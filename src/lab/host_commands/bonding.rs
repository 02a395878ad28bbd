//! `/proc/net/bonding/<bond>`: the bonding driver's status file of an 802.3ad bond.

use super::wiring::{derived_mac, wiring};
use crate::lab::model::{Host, Model};

pub fn read(model: &Model, host: &Host, path: &str) -> Option<String> {
    let name = path.strip_prefix("/proc/net/bonding/")?;
    let w = wiring(model, host);
    let (bond, slaves) = w.nics.bond.as_ref().filter(|(b, _)| b == name)?;
    let partner = derived_mac(&host.name, &format!("{bond}-partner"));
    let mut out = format!(
        "Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)\n\nBonding Mode: IEEE 802.3ad Dynamic link aggregation\nTransmit Hash Policy: layer2 (0)\nMII Status: up\nMII Polling Interval (ms): 100\nUp Delay (ms): 0\nDown Delay (ms): 0\n\n802.3ad info\nLACP rate: slow\nMin links: 0\nAggregator selection policy (ad_select): stable\nActive Aggregator Info:\n\tAggregator ID: 1\n\tNumber of ports: {}\n\tActor Key: 9\n\tPartner Key: 1\n\tPartner Mac Address: {partner}\n",
        slaves.len()
    );
    for slave in slaves {
        let mac = w
            .link(slave)
            .map(|l| l.permanent_mac.clone())
            .unwrap_or_default();
        out.push_str(&format!(
            "\nSlave Interface: {slave}\nMII Status: up\nSpeed: 1000 Mbps\nDuplex: full\nLink Failure Count: 0\nPermanent HW addr: {mac}\nSlave queue ID: 0\nAggregator ID: 1\n"
        ));
    }
    Some(out)
}
