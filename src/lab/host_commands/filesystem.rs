//! Files written on the lab's hosts (by `mkdir`, `cp`, `scp`, SFTP, …), kept in memory per host
//! with owner and mode, so what was delivered can be read back. Unix rules in small: root may do
//! anything; others write into directories they own (or sticky world-writable `/tmp`) and read
//! what is world-readable or theirs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Directories every host has from the start (owner root, mode 0755; `/tmp` 1777).
const BASE_DIRS: [&str; 14] = [
    "/",
    "/etc",
    "/tmp",
    "/var",
    "/var/log",
    "/home",
    "/opt",
    "/usr",
    "/usr/bin",
    "/root",
    "/srv",
    "/run",
    "/etc/default",
    "/usr/local",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Dir,
    File(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub owner: String,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    PermissionDenied,
    NotADirectory,
    IsADirectory,
    Exists,
}

impl FsError {
    /// The C library's text for the error, as tools print it.
    pub fn text(&self) -> &'static str {
        match self {
            FsError::NotFound => "No such file or directory",
            FsError::PermissionDenied => "Permission denied",
            FsError::NotADirectory => "Not a directory",
            FsError::IsADirectory => "Is a directory",
            FsError::Exists => "File exists",
        }
    }
}

/// Every host's files, by host name.
#[derive(Default)]
pub struct HostFiles {
    hosts: Mutex<HashMap<String, BTreeMap<String, Node>>>,
}

/// `path` without `.`/empty components and trailing `/` (no `..` resolution beyond lexical).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

pub fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((dir, _)) => dir.to_string(),
    }
}

pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl HostFiles {
    fn with<T>(&self, host: &str, f: impl FnOnce(&mut BTreeMap<String, Node>) -> T) -> T {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let files = hosts.entry(host.to_string()).or_insert_with(|| {
            BASE_DIRS
                .iter()
                .map(|d| {
                    let mode = if *d == "/tmp" { 0o1777 } else { 0o755 };
                    (
                        d.to_string(),
                        Node {
                            kind: Kind::Dir,
                            owner: "root".into(),
                            mode,
                        },
                    )
                })
                .collect()
        });
        f(files)
    }

    pub fn stat(&self, host: &str, path: &str) -> Option<Node> {
        let path = normalize(path);
        self.with(host, |files| files.get(&path).cloned())
    }

    /// Creates one directory (`parents`: the missing ancestors too, no error if it exists).
    /// An error names the directory that could not be made.
    pub fn mkdir(
        &self,
        host: &str,
        user: &str,
        path: &str,
        parents: bool,
    ) -> Result<(), (String, FsError)> {
        let path = normalize(path);
        self.with(host, |files| {
            let mut chain = vec![path.clone()];
            let mut dir = parent(&path);
            while parents && !files.contains_key(&dir) {
                chain.push(dir.clone());
                dir = parent(&dir);
            }
            for p in chain.iter().rev() {
                match files.get(p).map(|n| &n.kind) {
                    Some(Kind::Dir) if parents => continue,
                    Some(_) => return Err((p.clone(), FsError::Exists)),
                    None => {}
                }
                may_write_in(files, &parent(p), user).map_err(|e| (p.clone(), e))?;
                let node = Node {
                    kind: Kind::Dir,
                    owner: user.into(),
                    mode: 0o755,
                };
                files.insert(p.clone(), node);
            }
            Ok(())
        })
    }

    /// Writes a whole file (created with `mode` when new; an existing file keeps its mode).
    pub fn write(
        &self,
        host: &str,
        user: &str,
        path: &str,
        data: Vec<u8>,
        mode: u32,
    ) -> Result<(), FsError> {
        let path = normalize(path);
        self.with(host, |files| match files.get_mut(&path) {
            Some(Node {
                kind: Kind::Dir, ..
            }) => Err(FsError::IsADirectory),
            Some(node) => {
                if user != "root" && node.owner != user {
                    return Err(FsError::PermissionDenied);
                }
                node.kind = Kind::File(data);
                Ok(())
            }
            None => {
                may_write_in(files, &parent(&path), user)?;
                let node = Node {
                    kind: Kind::File(data),
                    owner: user.into(),
                    mode,
                };
                files.insert(path, node);
                Ok(())
            }
        })
    }

    pub fn read(&self, host: &str, user: &str, path: &str) -> Result<Vec<u8>, FsError> {
        let path = normalize(path);
        self.with(host, |files| match files.get(&path) {
            None => Err(FsError::NotFound),
            Some(Node {
                kind: Kind::Dir, ..
            }) => Err(FsError::IsADirectory),
            Some(
                node @ Node {
                    kind: Kind::File(data),
                    ..
                },
            ) => {
                if user == "root" || node.owner == user || node.mode & 0o004 != 0 {
                    Ok(data.clone())
                } else {
                    Err(FsError::PermissionDenied)
                }
            }
        })
    }

    /// Appends a line to a file root owns (logs).
    pub fn append_line(&self, host: &str, path: &str, line: &str) {
        let mut data = self.read(host, "root", path).unwrap_or_default();
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        let _ = self.write(host, "root", path, data, 0o640);
    }

    /// Changes the owner of `path` (and, `recursive`, of everything below it). Root only.
    pub fn chown(
        &self,
        host: &str,
        user: &str,
        path: &str,
        owner: &str,
        recursive: bool,
    ) -> Result<(), FsError> {
        let path = normalize(path);
        self.with(host, |files| {
            if !files.contains_key(&path) {
                return Err(FsError::NotFound);
            }
            if user != "root" {
                return Err(FsError::PermissionDenied);
            }
            let prefix = format!("{}/", path.trim_end_matches('/'));
            for (p, node) in files.iter_mut() {
                if *p == path || (recursive && p.starts_with(&prefix)) {
                    node.owner = owner.to_string();
                }
            }
            Ok(())
        })
    }

    pub fn chmod(&self, host: &str, user: &str, path: &str, mode: u32) -> Result<(), FsError> {
        let path = normalize(path);
        self.with(host, |files| match files.get_mut(&path) {
            None => Err(FsError::NotFound),
            Some(node) if user != "root" && node.owner != user => Err(FsError::PermissionDenied),
            Some(node) => {
                node.mode = mode;
                Ok(())
            }
        })
    }

    /// Paths matching `pattern` whose `*`/`?` wildcards are in the last component, sorted;
    /// hidden names only when the pattern's component starts with `.`.
    pub fn glob(&self, host: &str, pattern: &str) -> Vec<String> {
        let (dir, name_pattern) = match pattern.rsplit_once('/') {
            Some(("", name)) => ("/".to_string(), name),
            Some((dir, name)) => (normalize(dir), name),
            None => return Vec::new(),
        };
        if dir.contains(['*', '?']) {
            return Vec::new();
        }
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        self.with(host, |files| {
            files
                .keys()
                .filter_map(|p| p.strip_prefix(&prefix))
                .filter(|name| !name.is_empty() && !name.contains('/'))
                .filter(|name| !name.starts_with('.') || name_pattern.starts_with('.'))
                .filter(|name| wildcard(name_pattern, name))
                .map(|name| format!("{prefix}{name}"))
                .collect()
        })
    }
}

fn may_write_in(files: &BTreeMap<String, Node>, dir: &str, user: &str) -> Result<(), FsError> {
    match files.get(dir) {
        None => Err(FsError::NotFound),
        Some(Node {
            kind: Kind::File(_),
            ..
        }) => Err(FsError::NotADirectory),
        Some(node) if user == "root" || node.owner == user || node.mode & 0o002 != 0 => Ok(()),
        Some(_) => Err(FsError::PermissionDenied),
    }
}

/// Shell wildcard match of one name: `*` any run, `?` one character.
pub fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One host's files as the SSH server's `sftp` subsystem sees them.
pub struct HostStore {
    pub files: std::sync::Arc<HostFiles>,
    pub host: String,
}

fn sftp_error(e: FsError) -> crate::lab::ssh_server::FileError {
    use crate::lab::ssh_server::FileError;
    match e {
        FsError::NotFound | FsError::NotADirectory => FileError::NoSuchFile,
        FsError::PermissionDenied => FileError::PermissionDenied,
        FsError::IsADirectory | FsError::Exists => FileError::Failure,
    }
}

impl crate::lab::ssh_server::FileStore for HostStore {
    fn read(&self, user: &str, path: &str) -> Result<Vec<u8>, crate::lab::ssh_server::FileError> {
        self.files.read(&self.host, user, path).map_err(sftp_error)
    }

    fn write(
        &self,
        user: &str,
        path: &str,
        data: Vec<u8>,
        mode: u32,
    ) -> Result<(), crate::lab::ssh_server::FileError> {
        self.files
            .write(&self.host, user, path, data, mode & 0o7777)
            .map_err(sftp_error)
    }

    fn stat(
        &self,
        _user: &str,
        path: &str,
    ) -> Result<crate::lab::ssh_server::FileInfo, crate::lab::ssh_server::FileError> {
        let node = self
            .files
            .stat(&self.host, path)
            .ok_or(crate::lab::ssh_server::FileError::NoSuchFile)?;
        let (size, kind) = match &node.kind {
            Kind::Dir => (4096, 0o040000),
            Kind::File(data) => (data.len() as u64, 0o100000),
        };
        Ok(crate::lab::ssh_server::FileInfo {
            size,
            mode: kind | node.mode,
        })
    }

    fn set_mode(
        &self,
        user: &str,
        path: &str,
        mode: u32,
    ) -> Result<(), crate::lab::ssh_server::FileError> {
        self.files
            .chmod(&self.host, user, path, mode & 0o7777)
            .map_err(sftp_error)
    }

    fn mkdir(&self, user: &str, path: &str) -> Result<(), crate::lab::ssh_server::FileError> {
        self.files
            .mkdir(&self.host, user, path, false)
            .map_err(|(_, e)| sftp_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_modes() {
        let fs = HostFiles::default();
        assert_eq!(
            fs.mkdir("h", "u", "/etc/sensu/conf.d", true),
            Err(("/etc/sensu".to_string(), FsError::PermissionDenied))
        );
        fs.mkdir("h", "root", "/etc/sensu/conf.d", true).unwrap();
        assert_eq!(
            fs.write("h", "u", "/etc/sensu/conf.d/a.json", b"x".to_vec(), 0o644),
            Err(FsError::PermissionDenied)
        );
        fs.chown("h", "root", "/etc/sensu", "u", true).unwrap();
        fs.write("h", "u", "/etc/sensu/conf.d/a.json", b"x".to_vec(), 0o644)
            .unwrap();
        assert_eq!(fs.read("h", "v", "/etc/sensu/conf.d/a.json").unwrap(), b"x");
        assert_eq!(
            fs.glob("h", "/etc/sensu/conf.d/*.json"),
            vec!["/etc/sensu/conf.d/a.json"]
        );
        assert!(fs.glob("other", "/etc/sensu/conf.d/*").is_empty());
        assert!(wildcard("*.py", "check_ping.py") && !wildcard("*.py", "x.rb"));
    }
}
