//! One lab per MariaDB server: an exclusive `flock` on
//! `/tmp/calipso-lab-mysql-<host>-<port>.lock`, held for the lab's lifetime.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another lab (pid {holder}) owns the nova/neutron/keystone schemas on MariaDB {addr} (lock {path}); stop it with `calipso-lab down`, or pass --wait-lock to wait for it")]
    Busy {
        addr: String,
        path: PathBuf,
        holder: String,
    },
    #[error("lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Released when dropped (the file closes).
pub struct SchemaLock {
    _file: File,
    pub path: PathBuf,
}

pub fn lock_path(host: &str, port: u16) -> PathBuf {
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(format!("/tmp/calipso-lab-mysql-{safe}-{port}.lock"))
}

/// Takes the lock; `wait` blocks until it is free, otherwise a held lock fails at once.
pub fn acquire(host: &str, port: u16, wait: bool) -> Result<SchemaLock, LockError> {
    let path = lock_path(host, port);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let mode = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock on a file descriptor we own for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), mode) } != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(LockError::Busy {
                addr: format!("{host}:{port}"),
                path,
                holder: holder.trim().to_string(),
            });
        }
        return Err(io(err));
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(SchemaLock { _file: file, path })
}
