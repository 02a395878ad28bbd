//! Small process helpers: liveness of a pid, secrets generation.

use crate::secret::Secret;
use rand::distributions::Alphanumeric;
use rand::Rng;

/// True while `pid` exists and is not a zombie (a zombie has exited; nobody reaped it yet).
pub fn alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks existence and permission.
    if unsafe { libc::kill(raw, 0) } != 0 {
        return std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .map(|rest| !rest.trim_start().starts_with('Z'))
            .unwrap_or(true),
        Err(_) => true,
    }
}

pub fn terminate(pid: u32) -> std::io::Result<()> {
    let raw = i32::try_from(pid).map_err(std::io::Error::other)?;
    // SAFETY: sending SIGTERM to a pid read from our own pid file.
    if unsafe { libc::kill(raw, libc::SIGTERM) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A new alphanumeric password (safe to embed in SQL and config files unquoted).
pub fn new_password() -> Secret {
    Secret::new(
        rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect::<String>(),
    )
}
