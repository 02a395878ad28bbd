//! One client connection: authentication against the configured users and `exec` requests
//! answered by the [`CommandHandler`], each in its own task so slow commands never hold up
//! other channels or sessions.

use super::sftp::SftpSession;
use super::{CommandHandler, CommandReply};
use crate::secret::Secret;
use russh::keys::PublicKey;
use russh::server::{
    Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, Pty};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;

/// Credentials accepted for one user.
pub(super) struct Credentials {
    pub password: Option<Secret>,
    pub authorized_keys: Vec<PublicKey>,
}

/// What every connection of one server shares.
pub(super) struct Shared {
    pub users: HashMap<String, Credentials>,
    pub handler: Arc<dyn CommandHandler>,
    /// Turns true (or its sender is dropped) when the server shuts down.
    pub stop: watch::Receiver<bool>,
}

pub(super) struct Connection {
    shared: Arc<Shared>,
    /// The authenticated user, once authentication succeeded.
    user: Option<String>,
    /// Channels running the `sftp` subsystem.
    sftp: HashMap<ChannelId, SftpSession>,
}

impl Connection {
    pub fn new(shared: Arc<Shared>) -> Self {
        Connection {
            shared,
            user: None,
            sftp: HashMap::new(),
        }
    }

    fn key_is_authorized(&self, user: &str, key: &PublicKey) -> bool {
        self.shared.users.get(user).is_some_and(|c| {
            c.authorized_keys
                .iter()
                .any(|k| k.key_data() == key.key_data())
        })
    }

    fn accept_as(&mut self, user: &str, method: &str) -> Auth {
        log::debug!("ssh user {user} authenticated by {method}");
        self.user = Some(user.to_string());
        Auth::Accept
    }
}

/// Resolves when the server is shutting down.
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, which also means the server is gone.
    let _ = stop.wait_for(|stop| *stop).await;
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let matches = self
            .shared
            .users
            .get(user)
            .and_then(|c| c.password.as_ref())
            .is_some_and(|expected| expected.expose() == password);
        if matches {
            return Ok(self.accept_as(user, "password"));
        }
        log::debug!("ssh password authentication rejected for user {user:?}");
        Ok(Auth::reject())
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Refuse unlisted keys before the client signs anything.
        if self.key_is_authorized(user, offer.public_key) {
            Ok(Auth::Accept)
        } else {
            log::debug!("ssh public key offered for user {user:?} is not authorized");
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        // russh has verified the signature; the key must still be one of the user's.
        if self.key_is_authorized(user, key.public_key) {
            Ok(self.accept_as(user, "public key"))
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Replies go through the session handle, so the channel object itself is not kept.
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(user) = self.user.clone() else {
            return session.channel_failure(channel);
        };
        let command = String::from_utf8_lossy(data).into_owned();
        log::debug!("ssh exec from {user}: {command}");
        session.channel_success(channel)?;
        let handle = session.handle();
        let handler = self.shared.handler.clone();
        let mut stop = self.shared.stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stopped(&mut stop) => {}
                _ = answer(handle, channel, handler, user, command) => {}
            }
        });
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _variable_name: &str,
        _variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Like an sshd without AcceptEnv: the variable is not set, the client may go on.
        session.channel_failure(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let store = self.shared.handler.file_store();
        match (name, store, self.user.clone()) {
            ("sftp", Some(store), Some(user)) => {
                log::debug!("ssh sftp session for {user}");
                self.sftp.insert(channel, SftpSession::new(store, &user));
                session.channel_success(channel)
            }
            _ => session.channel_failure(channel),
        }
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(sftp) = self.sftp.get_mut(&channel) {
            for reply in sftp.feed(data) {
                session.data(channel, reply)?;
            }
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.sftp.remove(&channel).is_some() {
            session.eof(channel)?;
            session.close(channel)?;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.sftp.remove(&channel);
        Ok(())
    }
}

/// Runs the command handler, waits the reply's delay, then sends the reply on `channel` and
/// ends it the way sshd ends an exec channel: data, exit-status, EOF, close.
async fn answer(
    handle: Handle,
    channel: ChannelId,
    handler: Arc<dyn CommandHandler>,
    user: String,
    command: String,
) {
    let reply = match tokio::task::spawn_blocking({
        let command = command.clone();
        move || handler.handle(&user, &command)
    })
    .await
    {
        Ok(reply) => reply,
        Err(e) => {
            log::error!("lab command handler failed on {command:?}: {e}");
            CommandReply {
                stderr: b"calipso-lab: command handler failed\n".to_vec(),
                exit_status: 255,
                ..CommandReply::default()
            }
        }
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    if send_reply(&handle, channel, reply).await.is_err() {
        // The client closed the channel or the session meanwhile; nothing is waiting for it.
        log::debug!("ssh reply to {command:?} not delivered: session gone");
    }
}

async fn send_reply(handle: &Handle, channel: ChannelId, reply: CommandReply) -> Result<(), ()> {
    // The session queues data beyond the client's window and sends it as the window grows;
    // EOF and close wait behind that queued data.
    if !reply.stdout.is_empty() {
        handle.data(channel, reply.stdout).await.map_err(drop)?;
    }
    if !reply.stderr.is_empty() {
        handle
            .extended_data(channel, 1, reply.stderr)
            .await
            .map_err(drop)?;
    }
    handle
        .exit_status_request(channel, reply.exit_status)
        .await?;
    handle.eof(channel).await?;
    handle.close(channel).await
}
