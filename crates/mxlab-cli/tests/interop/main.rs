//! MX Lab's SMTP against software nobody here wrote.
//!
//! - `clients`: Python's smtplib, swaks and Postfix's smtp-source against
//!   `mxlab serve`; every message must land in the Maildir, exactly once,
//!   byte for byte.
//! - `servers`: `mxlab deliver` against aiosmtpd and Postfix's smtp-sink,
//!   accepting and refusing.
//! - `auth`: DKIM with dkimpy: MX Lab signs (`mxlab deliver
//!   --dkim-sign-as`) and dkimpy verifies, dkimpy signs (Ed25519 and RSA)
//!   and `mxlab serve` verifies; a forged From: at a p=reject domain gets
//!   550 5.7.1, one at a p=quarantine domain lands in the junk folder.
//! - `hostile`: peers that misbehave against `mxlab serve`; the server
//!   answers, keeps serving others, stays small, and loses nothing.
//!
//! Built only with `--features interop`; `cargo xtask test` checks the
//! tools are installed (Debian: `swaks postfix python3-aiosmtpd
//! python3-dkim python3-nacl openssl`) and runs it. Each test starts its own server on a free loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod auth;
mod clients;
mod common;
mod hostile;
mod servers;
