//! The heavy half of mail authentication (SPF, DKIM and DMARC checks,
//! signatures, keys) behind a table of functions, so that the web app can
//! fetch it in a WebAssembly module of its own, only for scenarios that
//! use it: [`needed`] says whether a scenario does, [`install`] takes the
//! table once it has arrived, and the engine asks [`provider`]. A build
//! with the feature `builtin-auth` (the default: the CLI, the sweep
//! worker, the tests) has it built in.

use std::net::IpAddr;
use std::sync::OnceLock;

use mxlab_auth::dkim;

use super::Verdicts;
use crate::dns::Zone;
use crate::scenario::{DkimAlgorithm, Scenario};

/// The functions mail authentication needs.
#[derive(Clone, Copy)]
pub struct Provider {
    /// Every host's signers, their derived keys published in the zone.
    pub signers: fn(&Scenario, &mut Zone) -> Vec<Vec<dkim::Signer>>,
    /// SPF, DKIM and DMARC on a message ([`super::check`]).
    #[allow(clippy::type_complexity)]
    pub check: fn(&Zone, &str, IpAddr, &str, &str, &[u8], i64, u8) -> Verdicts,
    /// The DKIM-Signature one of the signers puts on a message.
    pub sign: fn(&[dkim::Signer], &[u8], i64) -> Option<String>,
    /// What is wrong with a private key given in a scenario, if anything.
    pub key_problem: fn(DkimAlgorithm, &str) -> Option<String>,
}

impl core::fmt::Debug for Provider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Provider")
    }
}

static INSTALLED: OnceLock<Provider> = OnceLock::new();

/// The table with MX Lab's own implementations.
pub fn builtin() -> Provider {
    Provider {
        signers: super::signers,
        check: super::check,
        sign: super::sign_with,
        key_problem: |algorithm, text| {
            dkim::SigningKey::from_base64(algorithm.to_auth(), text)
                .err()
                .map(|e| e.to_string())
        },
    }
}

/// Makes `provider` the one the engine uses (the first installed stays).
pub fn install(provider: Provider) {
    let _ = INSTALLED.set(provider);
}

/// The table, if it is here: installed, or built in.
pub fn provider() -> Option<Provider> {
    #[cfg(feature = "builtin-auth")]
    {
        Some(*INSTALLED.get_or_init(builtin))
    }
    #[cfg(not(feature = "builtin-auth"))]
    {
        INSTALLED.get().copied()
    }
}

/// Whether a run of `scenario` signs or checks mail, and so needs the
/// table before it starts: a run without it would differ.
pub fn needed(scenario: &Scenario) -> bool {
    scenario.nodes.iter().any(|n| {
        n.policy
            .auth
            .as_ref()
            .is_some_and(|a| !a.dkim_sign.is_empty() || a.verify)
    })
}
