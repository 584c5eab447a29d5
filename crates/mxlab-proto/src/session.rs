//! Types shared by the client and server sessions: the caller's clock, the
//! inputs a session accepts and the outputs it produces.
//!
//! Both sessions are driven the same way:
//!
//! ```text
//! session.handle_input(now, Input::Bytes(&bytes));   // or Input::Timeout, ...
//! while let Some(out) = session.poll_output() { ... } // Transmit | Event | StartTls | Close | Timeout
//! ```
//!
//! After every input the caller drains `poll_output()` until it returns
//! `None`. Outputs come in a fixed order: every `Transmit` and `Event` in the
//! order they happened, then `StartTls` or `Close` if the session asks for
//! it, then at most one `Timeout(at)` giving the session's current deadline.
//! A later `Timeout` replaces any earlier one; when no `Timeout` is produced
//! the previous deadline still stands (the session reports a deadline each
//! time it changes).

use core::time::Duration;

/// A point in time on the caller's clock, in microseconds since an epoch the
/// caller chooses (the simulator's virtual clock, or a monotonic clock).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Instant(u64);

impl Instant {
    /// The epoch of the caller's clock.
    pub const ZERO: Instant = Instant(0);

    /// An instant `micros` microseconds after the epoch.
    pub const fn from_micros(micros: u64) -> Self {
        Instant(micros)
    }

    /// An instant `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Instant(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// This instant plus `d`, saturating at the end of time.
    pub fn saturating_add(self, d: Duration) -> Self {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(micros))
    }

    /// The time from `earlier` to this instant, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// Something that happened to a session, handed to `handle_input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// Bytes received from the peer, in any chunking (one byte at a time is fine).
    Bytes(&'a [u8]),
    /// The deadline last reported by `Output::Timeout` has passed.
    Timeout,
    /// The TLS handshake requested by `Output::StartTls` completed.
    TlsEstablished,
    /// The TLS handshake requested by `Output::StartTls` failed.
    TlsFailed,
    /// The peer closed the connection (or it was reset).
    PeerClosed,
}

/// What a session asks its caller to do, drained with `poll_output()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<E> {
    /// Send these bytes to the peer, in order.
    Transmit(Vec<u8>),
    /// Something the host (or the UI) should know about or decide on.
    Event(E),
    /// After transmitting what came before, perform a TLS handshake on the
    /// connection and report the result with `Input::TlsEstablished` or
    /// `Input::TlsFailed`. Bytes received meanwhile must not be fed in.
    StartTls,
    /// After transmitting what came before, close the connection. The
    /// session is finished and ignores further input.
    Close,
    /// Call `handle_input(now, Input::Timeout)` when the clock reaches this
    /// instant (unless other input comes first).
    Timeout(Instant),
}

/// Where a server session stands in the RFC 5321 command sequence.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ServerState {
    /// The 220 greeting was sent; waiting for EHLO or HELO.
    Greeted,
    /// A 554 greeting was sent; only QUIT is honoured (RFC 5321 §3.1).
    Refusing,
    /// The client introduced itself; no mail transaction is open.
    Ready,
    /// MAIL was accepted; waiting for recipients.
    Mail,
    /// At least one recipient was accepted; DATA may follow.
    Rcpt,
    /// DATA was answered with 354; receiving the message content.
    Data,
    /// An AUTH exchange is in progress (334 challenges).
    Auth,
    /// STARTTLS was accepted; the TLS handshake is in progress.
    TlsHandshake,
    /// Waiting for the host's decision on a sender, recipient or message.
    Deciding,
    /// The session is over (QUIT, 421, or the peer went away).
    Closed,
}

/// Where a client session stands in its conversation with the server.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ClientState {
    /// Connected; waiting for the server's 220 greeting.
    Greeting,
    /// EHLO sent; waiting for the extension list.
    Ehlo,
    /// HELO sent (after EHLO was refused); waiting for 250.
    Helo,
    /// STARTTLS sent; waiting for 220.
    StartTls,
    /// The TLS handshake is in progress.
    TlsHandshake,
    /// AUTH sent; answering the server's 334 challenges.
    Auth,
    /// MAIL FROM sent; waiting for the reply.
    Mail,
    /// RCPT TO sent; waiting for the replies.
    Rcpt,
    /// DATA sent; waiting for 354.
    Data,
    /// The message content and final dot were sent; waiting for the reply.
    DataDone,
    /// RSET sent between transactions; waiting for 250.
    Rset,
    /// QUIT sent; waiting for 221.
    Quit,
    /// The session is over.
    Closed,
}
