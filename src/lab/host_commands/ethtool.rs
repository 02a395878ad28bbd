//! `ethtool <device>`: link settings of a NIC (an e1000-style copper NIC for physical ports,
//! the short form the kernel reports for virtual devices).

use super::ip::root_wiring;
use super::wiring::Kind;
use super::{Context, Output};

const COPPER_MODES: &str = "10baseT/Half 10baseT/Full \n\t                        100baseT/Half 100baseT/Full \n\t                        1000baseT/Full ";

pub fn ethtool(ctx: &Context, args: &[String]) -> Output {
    let [device] = args else {
        return Output::fail(
            "ethtool: bad command line argument(s)\nFor more information run ethtool -h\n",
            1,
        );
    };
    let wiring = root_wiring(ctx);
    let Some(link) = wiring.link(device) else {
        return Output {
            stdout: format!("Settings for {device}:\nNo data available\n"),
            stderr: "Cannot get device settings: No such device\nCannot get wake-on-lan settings: No such device\nCannot get message level: No such device\nCannot get link status: No such device\n".into(),
            status: 75,
            ..Output::default()
        };
    };
    let text = match link.kind {
        Kind::Physical { .. } => format!(
            "Settings for {device}:\n\tSupported ports: [ TP ]\n\tSupported link modes:   {COPPER_MODES}\n\tSupported pause frame use: No\n\tSupports auto-negotiation: Yes\n\tAdvertised link modes:  {COPPER_MODES}\n\tAdvertised pause frame use: No\n\tAdvertised auto-negotiation: Yes\n\tSpeed: 1000Mb/s\n\tDuplex: Full\n\tPort: Twisted Pair\n\tPHYAD: 0\n\tTransceiver: internal\n\tAuto-negotiation: on\n\tMDI-X: off (auto)\n\tSupports Wake-on: umbg\n\tWake-on: d\n\tCurrent message level: 0x00000007 (7)\n\t\t\t       drv probe link\n\tLink detected: yes\n"
        ),
        Kind::Bond { ref slaves } => format!(
            "Settings for {device}:\n\tSupported ports: [ ]\n\tSupported link modes:   Not reported\n\tSupported pause frame use: No\n\tSupports auto-negotiation: No\n\tAdvertised link modes:  Not reported\n\tAdvertised pause frame use: No\n\tAdvertised auto-negotiation: No\n\tSpeed: {}Mb/s\n\tDuplex: Full\n\tPort: Other\n\tPHYAD: 0\n\tTransceiver: internal\n\tAuto-negotiation: off\n\tLink detected: yes\n",
            1000 * slaves.len()
        ),
        _ => format!(
            "Settings for {device}:\n\tSupported ports: [ ]\n\tSupported link modes:   Not reported\n\tSupported pause frame use: No\n\tSupports auto-negotiation: No\n\tAdvertised link modes:  Not reported\n\tAdvertised pause frame use: No\n\tAdvertised auto-negotiation: No\n\tSpeed: 10000Mb/s\n\tDuplex: Full\n\tPort: Twisted Pair\n\tPHYAD: 0\n\tTransceiver: internal\n\tAuto-negotiation: off\n\tMDI-X: Unknown\n\tLink detected: {}\n",
            if link.is_up() { "yes" } else { "no" }
        ),
    };
    Output::ok(text)
}
