//! libvirt's `virsh list` and `virsh dumpxml <id|name|uuid>` for the instances of a compute
//! host; each domain's interfaces are the instance's Neutron ports, plugged as the mechanism
//! driver does (OVS hybrid `qbr…`, Linux bridge `brq…`, VPP vhost-user socket).

use super::wiring::short;
use super::{Context, Output};
use crate::lab::model::{Instance, MechanismDriver, Model};

/// The one Glance image every lab instance boots from (cirros).
const IMAGE_UUID: &str = "c6f490c4-3656-43c6-8d03-b4e66bd249f9";

/// A running domain's id: libvirt numbers domains as they start; the lab starts them in
/// instance order.
fn domain_id(instance: &Instance) -> u32 {
    instance.db_id + 1
}

pub fn virsh(ctx: &Context, args: &[String]) -> Output {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut domains: Vec<&Instance> = ctx.model.instances_on(&ctx.host.name).collect();
    domains.sort_by_key(|i| domain_id(i));
    match words.as_slice() {
        ["list"] => {
            let mut out = format!(" {:<5} {:<30} {}\n", "Id", "Name", "State");
            out.push_str(&"-".repeat(52));
            out.push('\n');
            for d in &domains {
                out.push_str(&format!(
                    " {:<5} {:<30} {}\n",
                    domain_id(d),
                    d.libvirt_name,
                    "running"
                ));
            }
            out.push('\n');
            Output::ok(out)
        }
        ["dumpxml", which] => {
            let found = domains.iter().find(|d| {
                domain_id(d).to_string() == *which || d.libvirt_name == *which || d.uuid == *which
            });
            match found {
                Some(d) => Output::ok(domain_xml(ctx.model, d)),
                None => Output::fail(
                    format!("error: failed to get domain '{which}'\nerror: Domain not found: no domain with matching name '{which}'\n\n"),
                    1,
                ),
            }
        }
        _ => Output::fail(
            format!(
                "error: unknown command: '{}'\n",
                words.first().unwrap_or(&"")
            ),
            1,
        ),
    }
}

fn interface_xml(model: &Model, port_id: &str, slot: usize, net: usize) -> String {
    let Some(port) = model.port(port_id) else {
        return String::new();
    };
    let mac = &port.mac_address;
    let (kind, source, target) = match model.sizes.mechanism_driver {
        MechanismDriver::Ovs => (
            "bridge",
            format!("<source bridge='qbr{}'/>", short(&port.id)),
            format!("\n      <target dev='{}'/>", port.tap_name()),
        ),
        MechanismDriver::Lxb => {
            let bridge = model
                .network(&port.network_id)
                .and_then(|n| n.bridge.clone())
                .unwrap_or_default();
            (
                "bridge",
                format!("<source bridge='{bridge}'/>"),
                format!("\n      <target dev='{}'/>", port.tap_name()),
            )
        }
        MechanismDriver::Vpp => (
            "vhostuser",
            format!(
                "<source type='unix' path='/tmp/{}' mode='client'/>",
                port.id
            ),
            String::new(),
        ),
    };
    format!(
        "    <interface type='{kind}'>\n      <mac address='{mac}'/>\n      {source}{target}\n      <model type='virtio'/>\n      <driver name='qemu'/>\n      <alias name='net{net}'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/>\n    </interface>\n"
    )
}

fn domain_xml(model: &Model, d: &Instance) -> String {
    let project = model.project(&d.project_id).map_or("", |p| p.name.as_str());
    let uuid = &d.uuid;
    let interfaces: String = d
        .port_ids
        .iter()
        .enumerate()
        .map(|(i, id)| interface_xml(model, id, 3 + i, i))
        .collect();
    let disk_slot = 3 + d.port_ids.len();
    let created = &model.created_at;
    format!(
        r#"<domain type='kvm' id='{id}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.0">
      <nova:package version="13.1.4"/>
      <nova:name>{display}</nova:name>
      <nova:creationTime>{created}</nova:creationTime>
      <nova:flavor name="m1.tiny">
        <nova:memory>512</nova:memory>
        <nova:disk>1</nova:disk>
        <nova:swap>0</nova:swap>
        <nova:ephemeral>0</nova:ephemeral>
        <nova:vcpus>1</nova:vcpus>
      </nova:flavor>
      <nova:owner>
        <nova:user uuid="{user}">admin</nova:user>
        <nova:project uuid="{project_id}">{project}</nova:project>
      </nova:owner>
      <nova:root type="image" uuid="{IMAGE_UUID}"/>
    </nova:instance>
  </metadata>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <cputune>
    <shares>1024</shares>
  </cputune>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>OpenStack Foundation</entry>
      <entry name='product'>OpenStack Nova</entry>
      <entry name='version'>13.1.4</entry>
      <entry name='serial'>{uuid}</entry>
      <entry name='uuid'>{uuid}</entry>
      <entry name='family'>Virtual Machine</entry>
    </system>
  </sysinfo>
  <os>
    <type arch='x86_64' machine='pc-i440fx-xenial'>hvm</type>
    <boot dev='hd'/>
    <smbios mode='sysinfo'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu>
    <topology sockets='1' cores='1' threads='1'/>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/nova/instances/{uuid}/disk'/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x{disk_slot:02x}' function='0x0'/>
    </disk>
    <controller type='usb' index='0'>
      <alias name='usb'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'>
      <alias name='pci.0'/>
    </controller>
{interfaces}    <serial type='file'>
      <source path='/var/lib/nova/instances/{uuid}/console.log'/>
      <target port='0'/>
      <alias name='serial0'/>
    </serial>
    <console type='file'>
      <source path='/var/lib/nova/instances/{uuid}/console.log'/>
      <target type='serial' port='0'/>
      <alias name='serial0'/>
    </console>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' port='{vnc}' autoport='yes' listen='0.0.0.0' keymap='en-us'>
      <listen type='address' address='0.0.0.0'/>
    </graphics>
    <memballoon model='virtio'>
      <alias name='balloon0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x{balloon:02x}' function='0x0'/>
      <stats period='10'/>
    </memballoon>
  </devices>
  <seclabel type='dynamic' model='apparmor' relabel='yes'>
    <label>libvirt-{uuid}</label>
    <imagelabel>libvirt-{uuid}</imagelabel>
  </seclabel>
</domain>

"#,
        id = domain_id(d),
        name = d.libvirt_name,
        display = d.display_name,
        user = model.admin_user_id,
        project_id = d.project_id,
        vnc = 5900 + domain_id(d),
        balloon = disk_slot + 1,
    )
}
