//! The `sftp` subsystem (SFTP version 3, draft-ietf-secsh-filexfer-02) over a [`FileStore`]:
//! enough of the protocol for uploads and downloads — open, read, write, close, stat, setstat,
//! mkdir, realpath. Other requests are answered `SSH_FX_OP_UNSUPPORTED`.

use super::{FileError, FileStore};
use std::collections::HashMap;
use std::sync::Arc;

const INIT: u8 = 1;
const VERSION: u8 = 2;
const OPEN: u8 = 3;
const CLOSE: u8 = 4;
const READ: u8 = 5;
const WRITE: u8 = 6;
const LSTAT: u8 = 7;
const FSTAT: u8 = 8;
const SETSTAT: u8 = 9;
const FSETSTAT: u8 = 10;
const MKDIR: u8 = 14;
const REALPATH: u8 = 16;
const STAT: u8 = 17;
const STATUS: u8 = 101;
const HANDLE: u8 = 102;
const DATA: u8 = 103;
const NAME: u8 = 104;
const ATTRS: u8 = 105;

const FX_OK: u32 = 0;
const FX_EOF: u32 = 1;
const FX_NO_SUCH_FILE: u32 = 2;
const FX_PERMISSION_DENIED: u32 = 3;
const FX_FAILURE: u32 = 4;
const FX_BAD_MESSAGE: u32 = 5;
const FX_OP_UNSUPPORTED: u32 = 8;

const OPEN_WRITE: u32 = 0x02;
const OPEN_CREAT: u32 = 0x08;
const OPEN_TRUNC: u32 = 0x10;

const ATTR_SIZE: u32 = 0x1;
const ATTR_UIDGID: u32 = 0x2;
const ATTR_PERMISSIONS: u32 = 0x4;
const ATTR_ACMODTIME: u32 = 0x8;
const ATTR_EXTENDED: u32 = 0x8000_0000;

/// The largest file a client may write (the files live in the lab's memory).
const MAX_FILE_SIZE: usize = 64 * 1024 * 1024;

/// An open file: its path and, when opened for writing, the content being written.
struct OpenFile {
    path: String,
    written: Option<Vec<u8>>,
}

/// One SFTP conversation on one channel.
pub struct SftpSession {
    store: Arc<dyn FileStore>,
    user: String,
    input: Vec<u8>,
    handles: HashMap<String, OpenFile>,
    next_handle: u64,
}

/// Reads SFTP wire types from a packet body.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_at_checked(4)?;
        self.0 = rest;
        Some(u32::from_be_bytes(head.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let len = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head.to_vec())
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?).ok()
    }
    /// Attributes: returns the permissions when given.
    fn attrs(&mut self) -> Option<Option<u32>> {
        let flags = self.u32()?;
        if flags & ATTR_SIZE != 0 {
            self.u64()?;
        }
        if flags & ATTR_UIDGID != 0 {
            self.u32()?;
            self.u32()?;
        }
        let perm = if flags & ATTR_PERMISSIONS != 0 {
            Some(self.u32()?)
        } else {
            None
        };
        if flags & ATTR_ACMODTIME != 0 {
            self.u32()?;
            self.u32()?;
        }
        if flags & ATTR_EXTENDED != 0 {
            for _ in 0..self.u32()? {
                self.bytes()?;
                self.bytes()?;
            }
        }
        Some(perm)
    }
}

/// Builds one reply packet.
struct Reply(Vec<u8>);

impl Reply {
    fn new(kind: u8, id: Option<u32>) -> Reply {
        let mut r = Reply(vec![kind]);
        if let Some(id) = id {
            r.u32(id);
        }
        r
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
        self
    }
    fn framed(&self) -> Vec<u8> {
        let mut out = (self.0.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&self.0);
        out
    }
}

fn status(id: u32, code: u32) -> Reply {
    let text = match code {
        FX_OK => "Success",
        FX_EOF => "End of file",
        FX_NO_SUCH_FILE => "No such file",
        FX_PERMISSION_DENIED => "Permission denied",
        FX_BAD_MESSAGE => "Bad message",
        FX_OP_UNSUPPORTED => "Operation unsupported",
        _ => "Failure",
    };
    let mut r = Reply::new(STATUS, Some(id));
    r.u32(code).bytes(text.as_bytes()).bytes(b"");
    r
}

fn error_status(id: u32, e: FileError) -> Reply {
    status(
        id,
        match e {
            FileError::NoSuchFile => FX_NO_SUCH_FILE,
            FileError::PermissionDenied => FX_PERMISSION_DENIED,
            FileError::Failure => FX_FAILURE,
        },
    )
}

impl SftpSession {
    pub fn new(store: Arc<dyn FileStore>, user: &str) -> SftpSession {
        SftpSession {
            store,
            user: user.to_string(),
            input: Vec::new(),
            handles: HashMap::new(),
            next_handle: 0,
        }
    }

    /// Takes channel data; returns the framed replies to send back.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        self.input.extend_from_slice(data);
        let mut replies = Vec::new();
        while self.input.len() >= 4 {
            let len =
                u32::from_be_bytes([self.input[0], self.input[1], self.input[2], self.input[3]])
                    as usize;
            if self.input.len() < 4 + len {
                break;
            }
            let packet: Vec<u8> = self.input.drain(..4 + len).skip(4).collect();
            if let Some(reply) = self.answer(&packet) {
                replies.push(reply.framed());
            }
        }
        replies
    }

    fn answer(&mut self, packet: &[u8]) -> Option<Reply> {
        let (&kind, body) = packet.split_first()?;
        let mut r = Reader(body);
        if kind == INIT {
            let mut reply = Reply::new(VERSION, None);
            reply.u32(3);
            return Some(reply);
        }
        let id = r.u32()?;
        Some(
            self.request(kind, id, &mut r)
                .unwrap_or_else(|| status(id, FX_BAD_MESSAGE)),
        )
    }

    fn request(&mut self, kind: u8, id: u32, r: &mut Reader) -> Option<Reply> {
        Some(match kind {
            OPEN => {
                let path = r.string()?;
                let flags = r.u32()?;
                let mode = r.attrs()?.unwrap_or(0o644);
                self.open(id, path, flags, mode)
            }
            CLOSE => {
                let handle = r.string()?;
                match self.handles.remove(&handle) {
                    Some(_) => status(id, FX_OK),
                    None => status(id, FX_FAILURE),
                }
            }
            READ => {
                let handle = r.string()?;
                let (offset, len) = (r.u64()? as usize, r.u32()? as usize);
                self.read(id, &handle, offset, len)
            }
            WRITE => {
                let handle = r.string()?;
                let offset = r.u64()? as usize;
                let data = r.bytes()?;
                self.write(id, &handle, offset, &data)
            }
            STAT | LSTAT => {
                let path = r.string()?;
                self.stat(id, &path)
            }
            FSTAT => {
                let handle = r.string()?;
                match self.handles.get(&handle).map(|h| h.path.clone()) {
                    Some(path) => self.stat(id, &path),
                    None => status(id, FX_FAILURE),
                }
            }
            SETSTAT | FSETSTAT => {
                let target = r.string()?;
                let perm = r.attrs()?;
                let path = match kind {
                    SETSTAT => Some(target),
                    _ => self.handles.get(&target).map(|h| h.path.clone()),
                };
                match (path, perm) {
                    (None, _) => status(id, FX_FAILURE),
                    (Some(_), None) => status(id, FX_OK),
                    (Some(path), Some(mode)) => {
                        match self.store.set_mode(&self.user, &path, mode) {
                            Ok(()) => status(id, FX_OK),
                            Err(e) => error_status(id, e),
                        }
                    }
                }
            }
            MKDIR => {
                let path = r.string()?;
                match self.store.mkdir(&self.user, &path) {
                    Ok(()) => status(id, FX_OK),
                    Err(e) => error_status(id, e),
                }
            }
            REALPATH => {
                let path = r.string()?;
                let absolute = if path.starts_with('/') {
                    path
                } else {
                    format!("/home/{}/{path}", self.user)
                };
                let resolved = crate::lab::host_commands::filesystem::normalize(&absolute);
                let mut reply = Reply::new(NAME, Some(id));
                reply
                    .u32(1)
                    .bytes(resolved.as_bytes())
                    .bytes(resolved.as_bytes())
                    .u32(0);
                reply
            }
            _ => status(id, FX_OP_UNSUPPORTED),
        })
    }

    fn open(&mut self, id: u32, path: String, flags: u32, mode: u32) -> Reply {
        let writing = flags & OPEN_WRITE != 0;
        let existing = self.store.read(&self.user, &path);
        let written = if writing {
            let start = match existing {
                Ok(data) if flags & OPEN_TRUNC == 0 => data,
                Err(FileError::NoSuchFile) if flags & OPEN_CREAT == 0 => {
                    return status(id, FX_NO_SUCH_FILE)
                }
                _ => Vec::new(),
            };
            if let Err(e) = self.store.write(&self.user, &path, start.clone(), mode) {
                return error_status(id, e);
            }
            Some(start)
        } else {
            if let Err(e) = existing {
                return error_status(id, e);
            }
            None
        };
        self.next_handle += 1;
        let handle = self.next_handle.to_string();
        self.handles
            .insert(handle.clone(), OpenFile { path, written });
        let mut reply = Reply::new(HANDLE, Some(id));
        reply.bytes(handle.as_bytes());
        reply
    }

    fn read(&mut self, id: u32, handle: &str, offset: usize, len: usize) -> Reply {
        let Some(open) = self.handles.get(handle) else {
            return status(id, FX_FAILURE);
        };
        let data = match &open.written {
            Some(data) => data.clone(),
            None => match self.store.read(&self.user, &open.path) {
                Ok(data) => data,
                Err(e) => return error_status(id, e),
            },
        };
        if offset >= data.len() {
            return status(id, FX_EOF);
        }
        let end = data.len().min(offset + len);
        let mut reply = Reply::new(DATA, Some(id));
        reply.bytes(&data[offset..end]);
        reply
    }

    fn write(&mut self, id: u32, handle: &str, offset: usize, data: &[u8]) -> Reply {
        let Some(open) = self.handles.get_mut(handle) else {
            return status(id, FX_FAILURE);
        };
        let Some(content) = open.written.as_mut() else {
            return status(id, FX_PERMISSION_DENIED);
        };
        let Some(end) = offset
            .checked_add(data.len())
            .filter(|e| *e <= MAX_FILE_SIZE)
        else {
            return status(id, FX_FAILURE);
        };
        if content.len() < end {
            content.resize(end, 0);
        }
        content[offset..end].copy_from_slice(data);
        match self
            .store
            .write(&self.user, &open.path, content.clone(), 0o644)
        {
            Ok(()) => status(id, FX_OK),
            Err(e) => error_status(id, e),
        }
    }

    fn stat(&self, id: u32, path: &str) -> Reply {
        match self.store.stat(&self.user, path) {
            Ok(info) => {
                let mut reply = Reply::new(ATTRS, Some(id));
                reply.u32(ATTR_SIZE | ATTR_PERMISSIONS);
                reply.0.extend_from_slice(&info.size.to_be_bytes());
                reply.u32(info.mode);
                reply
            }
            Err(e) => error_status(id, e),
        }
    }
}
