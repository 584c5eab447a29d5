//! A TCP connection that STARTTLS may upgrade, for `serve` and `deliver`.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A connection, plain or under TLS (`T`: the server's or the client's TLS
/// stream), or gone (taken for the handshake, or failed).
pub enum Conn<T> {
    /// Plain TCP.
    Plain(TcpStream),
    /// After a successful STARTTLS.
    Tls(Box<T>),
    /// Nothing to read or write.
    Gone,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Conn<T> {
    /// Reads what is there; `Ok(0)` at the end (or when gone).
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
            Conn::Gone => Ok(0),
        }
    }

    /// Writes everything (and flushes TLS records out).
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.write_all(bytes).await,
            Conn::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Closes the sending side, ignoring errors (the peer may be gone).
    pub async fn shutdown(&mut self) {
        let _ = match self {
            Conn::Plain(s) => s.shutdown().await,
            Conn::Tls(s) => s.shutdown().await,
            Conn::Gone => Ok(()),
        };
    }

    /// Takes the plain TCP stream out for a TLS handshake, leaving `Gone`.
    pub fn take_plain(&mut self) -> Option<TcpStream> {
        match std::mem::replace(self, Conn::Gone) {
            Conn::Plain(s) => Some(s),
            other => {
                *self = other;
                None
            }
        }
    }
}
