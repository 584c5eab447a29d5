//! MX Lab's SMTP against software nobody here wrote.
//!
//! - `clients`: Python's smtplib, swaks and Postfix's smtp-source against
//!   `mxlab serve`; every message must land in the Maildir, exactly once,
//!   byte for byte.
//! - `servers`: `mxlab deliver` against aiosmtpd and Postfix's smtp-sink,
//!   accepting and refusing.
//! - `hostile`: peers that misbehave against `mxlab serve`; the server
//!   answers, keeps serving others, stays small, and loses nothing.
//!
//! Built only with `--features interop`; `cargo xtask test` checks the
//! tools are installed (Debian: `swaks postfix python3-aiosmtpd`) and runs
//! it. Each test starts its own server on a free loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod clients;
mod common;
mod hostile;
mod servers;
