//! Reading the scenario's internally tagged enums (`{"kind": "host_down",
//! "host": "mx"}`): a [`Fault`](super::Fault) and a
//! [`Backoff`](crate::timing::Backoff).
//!
//! serde's derive reads such an enum by buffering the object and then
//! reading every variant's fields from the buffer, code that is written
//! out once per variant and weighs more than the rest of the scenario's
//! reader together. Here the object is read once as a JSON object, and each
//! field is taken from it by name; the errors say what the derive's say
//! (`missing field`, `unknown field … expected …`, `unknown variant …`).

use std::fmt;

use serde::de::{DeserializeOwned, Error as _, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

use super::{certain, silent, smtp_port, Fault, FAULT_KINDS};

impl<'de> Deserialize<'de> for Fault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const VARIANTS: &[&str] = &FAULT_KINDS;
        const HOST: &[&str] = &["host"];
        const LINK: &[&str] = &["a", "b"];
        let mut t = Tagged::read(d, VARIANTS)?;
        let kind = std::mem::take(&mut t.kind);
        let fault = match kind.as_str() {
            "host_down" => {
                t.variant(&["host", "mode"])?;
                Fault::HostDown {
                    host: t.field("host")?,
                    mode: t.optional("mode")?.unwrap_or_default(),
                }
            }
            "host_crash" => {
                t.variant(&["host", "stage"])?;
                Fault::HostCrash {
                    host: t.field("host")?,
                    stage: t.field("stage")?,
                }
            }
            "link_partition" => {
                t.variant(LINK)?;
                Fault::LinkPartition {
                    a: t.field("a")?,
                    b: t.field("b")?,
                }
            }
            "link_latency" => {
                t.variant(&["a", "b", "latency_ms"])?;
                Fault::LinkLatency {
                    a: t.field("a")?,
                    b: t.field("b")?,
                    latency_ms: t.field("latency_ms")?,
                }
            }
            "link_loss" => {
                t.variant(&["a", "b", "loss"])?;
                Fault::LinkLoss {
                    a: t.field("a")?,
                    b: t.field("b")?,
                    loss: t.field("loss")?,
                }
            }
            "dns_failure" => {
                t.variant(&["domain", "status"])?;
                Fault::DnsFailure {
                    domain: t.optional::<Option<String>, _>("domain")?.flatten(),
                    status: t.field("status")?,
                }
            }
            "forced_reply" => {
                t.variant(&["host", "stage", "code", "probability"])?;
                Fault::ForcedReply {
                    host: t.field("host")?,
                    stage: t.field("stage")?,
                    code: t.field("code")?,
                    probability: t.optional("probability")?.unwrap_or_else(certain),
                }
            }
            "mailbox_full" => {
                t.variant(&["host", "mailbox"])?;
                Fault::MailboxFull {
                    host: t.field("host")?,
                    mailbox: t.field("mailbox")?,
                }
            }
            "tarpit" => {
                t.variant(&["host", "delay_ms"])?;
                Fault::Tarpit {
                    host: t.field("host")?,
                    delay_ms: t.field("delay_ms")?,
                }
            }
            "size_limit" => {
                t.variant(&["host", "bytes"])?;
                Fault::SizeLimit {
                    host: t.field("host")?,
                    bytes: t.field("bytes")?,
                }
            }
            "outbound_port_blocked" => {
                t.variant(&["host", "port", "mode"])?;
                Fault::OutboundPortBlocked {
                    host: t.field("host")?,
                    port: t.optional("port")?.unwrap_or_else(smtp_port),
                    mode: t.optional("mode")?.unwrap_or_else(silent),
                }
            }
            // The faults that name a host and nothing else.
            kind => {
                t.variant(HOST)?;
                let host = t.field("host")?;
                match kind {
                    "greylisting" => Fault::Greylisting { host },
                    "disk_full" => Fault::DiskFull { host },
                    "tls_failure" => Fault::TlsFailure { host },
                    _ => Fault::AuthFailure { host },
                }
            }
        };
        Ok(fault)
    }
}

impl<'de> Deserialize<'de> for crate::timing::Backoff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::timing::Backoff;
        const VARIANTS: &[&str] = &["doubling", "quadratic", "fixed", "rules"];
        let mut t = Tagged::read(d, VARIANTS)?;
        let backoff = match t.kind.as_str() {
            "doubling" => {
                t.variant(&["min_secs", "max_secs"])?;
                Backoff::Doubling {
                    min_secs: t.field("min_secs")?,
                    max_secs: t.field("max_secs")?,
                }
            }
            "quadratic" => {
                t.variant(&["unit_secs"])?;
                Backoff::Quadratic {
                    unit_secs: t.field("unit_secs")?,
                }
            }
            "fixed" => {
                t.variant(&["interval_secs"])?;
                Backoff::Fixed {
                    interval_secs: t.field("interval_secs")?,
                }
            }
            _ => {
                t.variant(&["rules"])?;
                Backoff::Rules {
                    rules: t.field("rules")?,
                }
            }
        };
        Ok(backoff)
    }
}

/// An object being read as one variant of a tagged enum.
pub(crate) struct Tagged {
    /// The variant's name (the `kind`).
    pub kind: String,
    fields: serde_json::Map<String, serde_json::Value>,
    /// The variant's fields, once known ([`Tagged::variant`]).
    expected: &'static [&'static str],
}

impl Tagged {
    /// Reads an object with a `kind`, of an enum whose variants are
    /// `variants`.
    pub fn read<'de, D: Deserializer<'de>>(
        d: D,
        variants: &'static [&'static str],
    ) -> Result<Tagged, D::Error> {
        let mut fields = d.deserialize_map(Object)?;
        let kind = match fields.remove("kind") {
            Some(serde_json::Value::String(kind)) => kind,
            Some(other) => {
                return Err(D::Error::invalid_type(
                    unexpected(&other),
                    &"variant identifier",
                ))
            }
            None => return Err(D::Error::missing_field("kind")),
        };
        if !variants.contains(&kind.as_str()) {
            return Err(D::Error::unknown_variant(&kind, variants));
        }
        Ok(Tagged {
            kind,
            fields,
            expected: &[],
        })
    }

    /// Names the fields of the variant read: any other is an error.
    pub fn variant<E: serde::de::Error>(
        &mut self,
        expected: &'static [&'static str],
    ) -> Result<(), E> {
        self.expected = expected;
        match self.fields.keys().find(|k| !expected.contains(&k.as_str())) {
            Some(unknown) => Err(E::unknown_field(unknown, expected)),
            None => Ok(()),
        }
    }

    /// The field `name`, which must be there.
    pub fn field<T: DeserializeOwned, E: serde::de::Error>(
        &mut self,
        name: &'static str,
    ) -> Result<T, E> {
        self.optional(name)?.ok_or_else(|| E::missing_field(name))
    }

    /// The field `name`, if it is there.
    pub fn optional<T: DeserializeOwned, E: serde::de::Error>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, E> {
        debug_assert!(
            self.expected.contains(&name),
            "{name} is not a field of {}",
            self.kind
        );
        match self.fields.remove(name) {
            Some(v) => serde_json::from_value(v).map(Some).map_err(E::custom),
            None => Ok(None),
        }
    }
}

/// Reads an object whose keys are all different, as serde's derive
/// requires of the fields of a struct.
struct Object;

impl<'de> Visitor<'de> for Object {
    type Value = serde_json::Map<String, serde_json::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a `kind`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let value = map.next_value()?;
            fields.insert(key, value);
        }
        Ok(fields)
    }
}

/// A JSON value as serde's "invalid type" errors name it.
fn unexpected(v: &serde_json::Value) -> Unexpected<'_> {
    use serde_json::Value;
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::{Backoff, RetryKind, RetryRule};

    fn fault(json: &str) -> Result<Fault, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn every_fault() -> Vec<Fault> {
        use super::super::{DnsStatus, DownMode, FaultStage};
        let host = || "mx.example".to_string();
        vec![
            Fault::HostDown {
                host: host(),
                mode: DownMode::Silent,
            },
            Fault::HostCrash {
                host: host(),
                stage: FaultStage::EndOfData,
            },
            Fault::LinkPartition {
                a: "a".into(),
                b: "b".into(),
            },
            Fault::LinkLatency {
                a: "a".into(),
                b: "b".into(),
                latency_ms: 250,
            },
            Fault::LinkLoss {
                a: "a".into(),
                b: "b".into(),
                loss: 0.25,
            },
            Fault::DnsFailure {
                domain: Some("example.org".into()),
                status: DnsStatus::Timeout,
            },
            Fault::DnsFailure {
                domain: None,
                status: DnsStatus::Servfail,
            },
            Fault::ForcedReply {
                host: host(),
                stage: FaultStage::Rcpt,
                code: 451,
                probability: 0.5,
            },
            Fault::Greylisting { host: host() },
            Fault::MailboxFull {
                host: host(),
                mailbox: "bob@example.org".into(),
            },
            Fault::DiskFull { host: host() },
            Fault::TlsFailure { host: host() },
            Fault::AuthFailure { host: host() },
            Fault::Tarpit {
                host: host(),
                delay_ms: 3_000,
            },
            Fault::SizeLimit {
                host: host(),
                bytes: 1_000,
            },
            Fault::OutboundPortBlocked {
                host: host(),
                port: 587,
                mode: DownMode::Refused,
            },
        ]
    }

    #[test]
    fn every_fault_reads_back_as_written() {
        for f in every_fault() {
            let json = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(fault(&json), Ok(f), "{json}");
        }
    }

    #[test]
    fn the_kinds_named_are_the_variants() {
        let kinds: std::collections::BTreeSet<String> = every_fault()
            .iter()
            .filter_map(|f| {
                serde_json::to_value(f).ok()?["kind"]
                    .as_str()
                    .map(String::from)
            })
            .collect();
        let named: std::collections::BTreeSet<String> =
            FAULT_KINDS.iter().map(|k| k.to_string()).collect();
        assert_eq!(kinds, named);
    }

    #[test]
    fn absent_fields_take_their_defaults() {
        use super::super::DownMode;
        assert_eq!(
            fault(r#"{"host": "mx", "kind": "host_down"}"#),
            Ok(Fault::HostDown {
                host: "mx".into(),
                mode: DownMode::Refused
            })
        );
        assert_eq!(
            fault(r#"{"kind": "outbound_port_blocked", "host": "mua"}"#),
            Ok(Fault::OutboundPortBlocked {
                host: "mua".into(),
                port: 25,
                mode: DownMode::Silent
            })
        );
        assert!(matches!(
            fault(r#"{"kind": "forced_reply", "host": "mx", "stage": "rcpt", "code": 550}"#),
            Ok(Fault::ForcedReply { probability, .. }) if probability == 1.0
        ));
        assert!(matches!(
            fault(r#"{"kind": "dns_failure", "domain": null, "status": "servfail"}"#),
            Ok(Fault::DnsFailure { domain: None, .. })
        ));
    }

    #[test]
    fn errors_say_what_serde_says() {
        let err = |json| fault(json).err().unwrap_or_default();
        assert!(err(r#"{"kind": "host_down"}"#).starts_with("missing field `host`"));
        assert!(err(r#"{"host": "mx"}"#).starts_with("missing field `kind`"));
        assert!(err(r#"{"kind": "meteor", "host": "mx"}"#)
            .starts_with("unknown variant `meteor`, expected one of `host_down`, `host_crash`"));
        assert!(err(r#"{"kind": 7}"#)
            .starts_with("invalid type: integer `7`, expected variant identifier"));
        // A field of another kind of fault is unknown to this one.
        assert!(
            err(r#"{"kind": "host_down", "host": "mx", "latency_ms": 5}"#)
                .starts_with("unknown field `latency_ms`, expected `host` or `mode`")
        );
        assert!(
            err(r#"{"kind": "greylisting", "host": "mx", "colour": "red"}"#)
                .starts_with("unknown field `colour`, expected `host`")
        );
        assert!(err(r#"{"kind": "host_down", "host": "mx", "host": "mx2"}"#)
            .starts_with("duplicate field `host`"));
        assert!(err(r#"{"kind": "tarpit", "host": "mx", "delay_ms": -1}"#)
            .starts_with("invalid value: integer `-1`, expected u64"));
        assert!(err(r#""host_down""#)
            .starts_with("invalid type: string \"host_down\", expected an object with a `kind`"));
    }

    #[test]
    fn every_backoff_reads_back_as_written() {
        let rule = RetryRule {
            kind: RetryKind::G,
            until_secs: 3_600,
            interval_secs: 60,
            factor: 1.5,
        };
        for b in [
            Backoff::Doubling {
                min_secs: 300,
                max_secs: 4_000,
            },
            Backoff::Quadratic { unit_secs: 400 },
            Backoff::Fixed {
                interval_secs: 1_800,
            },
            Backoff::Rules { rules: vec![rule] },
        ] {
            let json = serde_json::to_string(&b).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<Backoff>(&json).ok(),
                Some(b),
                "{json}"
            );
        }
        let err = serde_json::from_str::<Backoff>(r#"{"kind": "fixed", "min_secs": 3}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("unknown field `min_secs`, expected `interval_secs`"),
            "{err}"
        );
    }
}
