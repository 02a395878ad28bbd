//! Host-local advisory locks (scan-manager.md §6.5): one per environment scan and one per scan
//! manager. A lock is an exclusive `flock` on a file in the lock directory; the kernel releases
//! it when the holder dies, so a crash never leaves a stale lock. The file records the holder's
//! pid and start time, only so that the refusal can say who holds it.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Exit status of a run refused because another run holds the lock (EX_TEMPFAIL, "try later").
pub const EXIT_LOCKED: u8 = 75;

/// Characters that cannot appear in a lock file name component.
const NAME_UNSAFE: &AsciiSet = &CONTROLS.add(b'/').add(b'%');

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds the lock.
    #[error("another {what} is running (pid {pid}, since {since}); skipped")]
    Held {
        what: String,
        pid: String,
        since: String,
    },
    #[error("lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LockError {
    pub fn is_held(&self) -> bool {
        matches!(self, LockError::Held { .. })
    }
}

/// A held lock; dropping it releases the lock (the file stays, empty of meaning).
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

/// The per-environment scan lock `calipso-scan.<database>.<inventory>.<env>.lock`.
pub type EnvLock = FileLock;

impl FileLock {
    /// Non-blocking lock of the scan of `env` in `database` with the default inventory name.
    pub fn acquire(env: &str, database: &str) -> Result<EnvLock, LockError> {
        Self::acquire_env(env, database, "inventory")
    }

    /// Non-blocking lock of the scan of `env` in `database` under the `-y` name `inventory`.
    pub fn acquire_env(env: &str, database: &str, inventory: &str) -> Result<EnvLock, LockError> {
        let path = env_lock_path(env, database, inventory);
        Self::try_lock(&path, &format!("scan of {env}"))
    }

    /// Blocking variant for `calipso scan --wait`: waits until the holder finishes.
    /// Call it from `tokio::task::spawn_blocking` in async code.
    pub fn wait_env(env: &str, database: &str, inventory: &str) -> Result<EnvLock, LockError> {
        let path = env_lock_path(env, database, inventory);
        let file = open(&path)?;
        flock(&file, &path, libc::LOCK_EX)?;
        Self::held(file, path)
    }

    /// Non-blocking lock of the scan manager of `database`.
    pub fn acquire_manager(database: &str) -> Result<FileLock, LockError> {
        let path = lock_dir().join(format!("calipso-scan-manager.{}.lock", component(database)));
        Self::try_lock(&path, "scan manager")
    }

    /// Whether someone holds the lock of `env` right now (without keeping it).
    pub fn env_is_locked(env: &str, database: &str, inventory: &str) -> bool {
        matches!(
            Self::acquire_env(env, database, inventory),
            Err(LockError::Held { .. })
        )
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn try_lock(path: &Path, what: &str) -> Result<FileLock, LockError> {
        let mut file = open(path)?;
        match flock(&file, path, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => Self::held(file, path.to_path_buf()),
            Err(LockError::Io { source, .. })
                if source.raw_os_error() == Some(libc::EWOULDBLOCK) =>
            {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let mut fields = text.split_whitespace();
                Err(LockError::Held {
                    what: what.to_string(),
                    pid: fields.next().unwrap_or("unknown").to_string(),
                    since: fields.next().unwrap_or("unknown time").to_string(),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Records the holder; only done once the lock is ours, so a refused run never wipes it.
    fn held(mut file: File, path: PathBuf) -> Result<FileLock, LockError> {
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let since = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        writeln!(file, "{} {since}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(FileLock { file, path })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the descriptor releases the flock; unlock explicitly for clarity.
        // SAFETY: the descriptor is owned by `self.file` and still open here.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

/// `$CALIPSO_LOCK_DIR`, else `$XDG_RUNTIME_DIR`, else `/tmp`.
pub fn lock_dir() -> PathBuf {
    ["CALIPSO_LOCK_DIR", "XDG_RUNTIME_DIR"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}

pub fn env_lock_path(env: &str, database: &str, inventory: &str) -> PathBuf {
    lock_dir().join(format!(
        "calipso-scan.{}.{}.{}.lock",
        component(database),
        component(inventory),
        component(env)
    ))
}

fn component(name: &str) -> String {
    utf8_percent_encode(name, NAME_UNSAFE).to_string()
}

fn open(path: &Path) -> Result<File, LockError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| LockError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn flock(file: &File, path: &Path, operation: libc::c_int) -> Result<(), LockError> {
    // SAFETY: flock on a descriptor we own; no memory is shared with the kernel.
    let rc = unsafe { libc::flock(file.as_raw_fd(), operation) };
    if rc == 0 {
        Ok(())
    } else {
        Err(LockError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::last_os_error(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_made_file_safe() {
        let p = env_lock_path("a/b%c", "calipso", "inventory");
        assert!(p
            .to_string_lossy()
            .ends_with("calipso-scan.calipso.inventory.a%2Fb%25c.lock"));
    }

    #[test]
    fn a_second_holder_is_refused_with_the_first_pid() {
        let env = format!("lock-test-{}", std::process::id());
        let first = FileLock::acquire_env(&env, "unit", "inventory").unwrap();
        let err = FileLock::acquire_env(&env, "unit", "inventory").unwrap_err();
        assert!(err.is_held());
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "another scan of {env} is running (pid {}, since ",
                std::process::id()
            )),
            "{text}"
        );
        assert!(text.ends_with("); skipped"), "{text}");
        drop(first);
        let again = FileLock::acquire_env(&env, "unit", "inventory").unwrap();
        let _ = std::fs::remove_file(again.path());
    }
}
