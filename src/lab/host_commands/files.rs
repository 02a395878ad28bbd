//! The files a host's `cat` can read, rendered from the model.

use crate::lab::model::{Host, OsRelease};

/// Contents of `path` on `host`, if the lab knows that file.
pub fn read(host: &Host, path: &str) -> Option<String> {
    match path {
        "/etc/os-release" | "/usr/lib/os-release" => Some(os_release(&host.os)),
        "/etc/hostname" => Some(format!("{}\n", short_name(host))),
        _ => None,
    }
}

fn short_name(host: &Host) -> &str {
    host.name.split('.').next().unwrap_or(&host.name)
}

/// `/etc/os-release` exactly as the distribution ships it (Ubuntu's layout and quoting).
pub fn os_release(os: &OsRelease) -> String {
    format!(
        "NAME=\"{name}\"\nVERSION=\"{version}\"\nID={id}\nID_LIKE={id_like}\nPRETTY_NAME=\"{pretty}\"\nVERSION_ID=\"{version_id}\"\nHOME_URL=\"http://www.ubuntu.com/\"\nSUPPORT_URL=\"http://help.ubuntu.com/\"\nBUG_REPORT_URL=\"http://bugs.launchpad.net/ubuntu/\"\nVERSION_CODENAME={codename}\nUBUNTU_CODENAME={codename}\n",
        name = os.name,
        version = os.version,
        id = os.id,
        id_like = os.id_like,
        pretty = os.pretty_name,
        version_id = os.version_id,
        codename = os.codename,
    )
}
