//! Key material of the lab SSH server: the persistent host key, client key pairs for the
//! scanner, and the parsing of `authorized_keys` lines.

use super::LabSshError;
use rand::RngCore;
use russh::keys::ssh_key::private::{Ed25519Keypair, PrivateKey};
use russh::keys::ssh_key::LineEnding;
use russh::keys::PublicKey;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

const KEY_COMMENT: &str = "calipso-lab";

/// Loads the ed25519 host key at `path`, or creates (and saves, mode 0600) a new one when the
/// file does not exist yet, so the host key stays the same across lab restarts.
pub(super) fn load_or_create_host_key(path: &Path) -> Result<PrivateKey, LabSshError> {
    match std::fs::read_to_string(path) {
        Ok(text) => PrivateKey::from_openssh(text.as_bytes()).map_err(|e| {
            LabSshError(format!(
                "host key file {} is not an OpenSSH private key: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = new_ed25519_key()?;
            write_private_key(path, &key)?;
            log::info!("created lab ssh host key {}", path.display());
            Ok(key)
        }
        Err(e) => Err(LabSshError(format!(
            "cannot read host key file {}: {e}",
            path.display()
        ))),
    }
}

/// Writes a new ed25519 client key (unencrypted OpenSSH format, mode 0600) to `path`, replacing
/// any file there, and returns its public key line `ssh-ed25519 <base64> calipso-lab`.
pub(super) fn generate_client_key(path: &Path) -> Result<String, LabSshError> {
    let key = new_ed25519_key()?;
    write_private_key(path, &key)?;
    key.public_key().to_openssh().map_err(|e| {
        LabSshError(format!(
            "cannot encode the public key of {}: {e}",
            path.display()
        ))
    })
}

/// Parses one `authorized_keys` line (`<algo> <base64> [comment]`) of `user`.
pub(super) fn parse_authorized_key(user: &str, line: &str) -> Result<PublicKey, LabSshError> {
    PublicKey::from_openssh(line.trim()).map_err(|e| {
        LabSshError(format!(
            "authorized key of user {user:?} is not an OpenSSH public key line: {e}"
        ))
    })
}

fn new_ed25519_key() -> Result<PrivateKey, LabSshError> {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|e| LabSshError(format!("no randomness for a new key: {e}")))?;
    let mut key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    key.set_comment(KEY_COMMENT);
    Ok(key)
}

fn write_private_key(path: &Path, key: &PrivateKey) -> Result<(), LabSshError> {
    let cannot_write = |e: &dyn std::fmt::Display| {
        LabSshError(format!("cannot write key file {}: {e}", path.display()))
    };
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| cannot_write(&e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| cannot_write(&e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| cannot_write(&e))?;
    // `mode` only applies to a newly created file; an existing one is tightened explicitly.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| cannot_write(&e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| cannot_write(&e))
}
