//! Share links: a scenario and the moment shown, in a URL's hash.
//!
//! The payload is JSON `{"v": 1, "scenario": {…}, "seed": …, "t_us": …,
//! "host": …, "speed": …, "faults": […]}`, deflated (raw RFC 1951, by the
//! browser's own `CompressionStream`) and written in URL-safe base64 after
//! `v1.`: `#v1.3Vb…`. The version prefix picks the decoder, so
//! a link made by an older MX Lab keeps opening: each format version has a
//! migration to the current [`Shared`] state (there is one version so far,
//! and `tests/share_links.txt` pins links that must keep opening).
//!
//! `faults` lists what was done by hand, in order, each `{"at_us": …}`
//! with exactly one of: `"fault": {…}` (and `"until_us"`), `"bring_up":
//! "host"`, `"heal": ["a", "b"]`, or `"message": {"host", "id", "helo",
//! "mail_from", "rcpts", "content", "queue_id"}` (typed into the console).
//! The first links carried faults only: they read the same.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mxlab_sim::console::Accepted;
use mxlab_sim::scenario::Fault;
use mxlab_sim::{Scenario, SimTime};
use serde::{Deserialize, Serialize};

use crate::injection::{Injected, Injection};

/// The format version links are made in.
pub const VERSION: u32 = 1;

/// Links longer than this are not offered as links (chat programs, mail
/// clients and some servers cut URLs of a few thousand characters); the
/// scenario is offered as a file instead.
pub const MAX_LINK: usize = 8000;

/// Compressed payloads larger than this are refused before inflating.
const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// The longest hash read as a link, in characters: its payload and the
/// version prefix. A longer one is refused before it is decoded (or, for
/// the page's own hash, before it is copied into the app).
pub const MAX_HASH: usize = MAX_PAYLOAD + 16;

/// What a share link restores.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed the run used, if not the scenario's.
    pub seed: Option<u64>,
    /// The moment shown.
    pub t: SimTime,
    /// The selected host.
    pub host: Option<String>,
    /// The playback speed.
    pub speed: Option<f64>,
    /// The lesson pace (real seconds per step), if it plays at one.
    pub pace: Option<f64>,
    /// What was done by hand, in order.
    pub injections: Vec<Injection>,
}

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not an MX Lab link at all.
    #[error("this is not an MX Lab share link (it should start with #v1.)")]
    NotALink,
    /// Made by a newer MX Lab.
    #[error("this link was made by a newer MX Lab (format v{0}); this one reads up to v{VERSION}")]
    TooNew(u32),
    /// Cut short or altered.
    #[error("the link is damaged ({0}); was it cut short when it was copied?")]
    Damaged(String),
    /// Longer than any link MX Lab makes or reads.
    #[error("the link is {0} characters long; MX Lab reads links of at most {MAX_HASH}")]
    TooLong(usize),
    /// It decodes, but the scenario in it is not valid.
    #[error("the scenario in the link is not valid: {0}")]
    Invalid(String),
    /// It decodes, but something it says was done by hand cannot be.
    #[error("a change made by hand in the link cannot be made ({0}).")]
    Injection(String),
}

#[derive(Serialize)]
struct PayloadV1 {
    v: u32,
    scenario: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(default)]
    t_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pace: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    faults: Vec<InjectedV1>,
}

/// A version 1 payload as read: the scenario kept as the link's own text,
/// so it is read exactly as the editor and the CLI read a scenario
/// (duplicate keys are an error there, not "the last one wins").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadV1<'a> {
    #[allow(dead_code)]
    v: u32,
    #[serde(borrow)]
    scenario: &'a serde_json::value::RawValue,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    t_us: u64,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    speed: Option<f64>,
    #[serde(default)]
    pace: Option<f64>,
    #[serde(default)]
    faults: Vec<InjectedV1>,
}

/// One thing done by hand: `at_us` and exactly one of `fault` (with
/// `until_us`), `bring_up`, `heal` and `message`.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InjectedV1 {
    at_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fault: Option<Fault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bring_up: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    heal: Option<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<MessageV1>,
}

/// A message typed into a console, as the host accepted it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageV1 {
    host: String,
    id: String,
    helo: String,
    mail_from: String,
    rcpts: Vec<String>,
    content: String,
    queue_id: String,
}

impl InjectedV1 {
    fn of(i: &Injection) -> Self {
        let at_us = i.at.as_micros();
        match &i.what {
            Injected::Fault { fault, until } => InjectedV1 {
                at_us,
                until_us: until.map(SimTime::as_micros),
                fault: Some(fault.clone()),
                ..Default::default()
            },
            Injected::BringUp { host } => InjectedV1 {
                at_us,
                bring_up: Some(host.clone()),
                ..Default::default()
            },
            Injected::Heal { a, b } => InjectedV1 {
                at_us,
                heal: Some((a.clone(), b.clone())),
                ..Default::default()
            },
            Injected::Message { host, id, message } => InjectedV1 {
                at_us,
                message: Some(MessageV1 {
                    host: host.clone(),
                    id: id.clone(),
                    helo: message.helo.clone(),
                    mail_from: message.mail_from.clone(),
                    rcpts: message.rcpts.clone(),
                    content: message.content.clone(),
                    queue_id: message.queue_id.clone(),
                }),
                ..Default::default()
            },
        }
    }

    /// What it restores in `scenario`, or why it cannot (`n`: its place
    /// in the list, for the error).
    fn read(self, n: usize, scenario: &Scenario) -> Result<Injection, LinkError> {
        let bad = |why: String| LinkError::Injection(format!("faults[{n}]: {why}"));
        let host = |name: &str| {
            scenario
                .nodes
                .iter()
                .any(|node| node.name.eq_ignore_ascii_case(name))
                .then_some(())
                .ok_or_else(|| bad(format!("the scenario has no host named {name:?}")))
        };
        let at = SimTime::from_micros(self.at_us);
        if self.until_us.is_some() && self.fault.is_none() {
            return Err(bad("until_us goes only with a fault".into()));
        }
        let what = match (self.fault, self.bring_up, self.heal, self.message) {
            (Some(fault), None, None, None) => Injected::Fault {
                fault,
                until: self.until_us.map(SimTime::from_micros),
            },
            (None, Some(h), None, None) => {
                host(&h)?;
                Injected::BringUp { host: h }
            }
            (None, None, Some((a, b)), None) => {
                host(&a)?;
                host(&b)?;
                Injected::Heal { a, b }
            }
            (None, None, None, Some(m)) => {
                host(&m.host)?;
                Injected::Message {
                    host: m.host,
                    id: m.id,
                    message: Accepted {
                        helo: m.helo,
                        mail_from: m.mail_from,
                        rcpts: m.rcpts,
                        content: m.content,
                        queue_id: m.queue_id,
                    },
                }
            }
            _ => {
                return Err(bad(
                    "each change names exactly one of fault, bring_up, heal and message".into(),
                ))
            }
        };
        Ok(Injection { at, what })
    }
}

/// The JSON payload of a link to `shared` (before deflating), whose
/// scenario is `scenario_json` ([`mxlab_sim::Scenario::to_json`]).
pub fn payload(shared: &Shared, scenario_json: &str) -> Vec<u8> {
    let payload = PayloadV1 {
        v: VERSION,
        scenario: serde_json::from_str(scenario_json).unwrap_or_default(),
        seed: shared.seed,
        t_us: shared.t.as_micros(),
        host: shared.host.clone(),
        speed: shared.speed,
        pace: shared.pace,
        faults: shared.injections.iter().map(InjectedV1::of).collect(),
    };
    serde_json::to_vec(&payload).unwrap_or_default()
}

/// The hash (without `#`) of a link whose payload deflated to `deflated`.
pub fn wrap(deflated: &[u8]) -> String {
    format!("v{VERSION}.{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// The deflated payload of a link's hash (with or without `#`), and the
/// format version that reads it.
pub fn unwrap(hash: &str) -> Result<Vec<u8>, LinkError> {
    let hash = hash.trim().trim_start_matches('#');
    if hash.len() > MAX_HASH {
        return Err(LinkError::TooLong(hash.len()));
    }
    let (version, data) = hash
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .ok_or(LinkError::NotALink)?;
    let version: u32 = version.parse().map_err(|_| LinkError::NotALink)?;
    match version {
        1 => URL_SAFE_NO_PAD
            .decode(data.trim_end_matches('='))
            .map_err(|e| LinkError::Damaged(format!("not base64: {e}"))),
        v if v > VERSION => Err(LinkError::TooNew(v)),
        _ => Err(LinkError::NotALink),
    }
}

/// What a (version 1) payload restores.
pub fn read(json: &[u8]) -> Result<Shared, LinkError> {
    // Read as text, as every other JSON of the app is: serde_json's reader
    // of bytes would be a second copy of its parser in the wasm.
    let damaged =
        |e: &dyn core::fmt::Display| LinkError::Damaged(format!("not the expected JSON: {e}"));
    let text = core::str::from_utf8(json).map_err(|e| damaged(&e))?;
    let payload: ReadV1<'_> = serde_json::from_str(text).map_err(|e| damaged(&e))?;
    let scenario = Scenario::from_json(payload.scenario.get()).map_err(|e| {
        let first = e.problems().into_iter().next();
        LinkError::Invalid(
            first.map_or_else(|| e.to_string(), |p| format!("{}: {}", p.path, p.message)),
        )
    })?;
    if let Some(why) = crate::bounds::scenario_too_large(&scenario) {
        return Err(LinkError::Invalid(why));
    }
    let injections = payload
        .faults
        .into_iter()
        .enumerate()
        .map(|(n, i)| i.read(n, &scenario))
        .collect::<Result<_, _>>()?;
    Ok(Shared {
        scenario,
        seed: payload.seed,
        t: SimTime::from_micros(payload.t_us),
        host: payload.host,
        speed: payload.speed.filter(|s| s.is_finite() && *s > 0.0),
        pace: payload
            .pace
            .filter(|p| p.is_finite() && *p > 0.0)
            .map(|p| p.clamp(0.1, 60.0)),
        injections,
    })
}

/// The largest payload a link may inflate to.
pub const MAX_INFLATED: usize = MAX_PAYLOAD * 4;

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    // Inflating is streamed: the compressed bytes go in a kilobyte at a
    // time (one kilobyte of deflate yields at most about a megabyte), and
    // the output is counted as it comes, so a deflate bomb stops at the
    // limit instead of being inflated whole first.
    #[wasm_bindgen(inline_js = r#"
const SLICE = 1024;
export async function mxlabDeflate(bytes, inflate, limit) {
  const format = 'deflate-raw';
  const stream = inflate ? new DecompressionStream(format) : new CompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stop = null;
  const feed = (async () => {
    try {
      for (let at = 0; at < bytes.length && !stop; at += SLICE) {
        await writer.write(bytes.subarray(at, Math.min(at + SLICE, bytes.length)));
      }
      if (!stop) await writer.close();
    } catch (e) {
      stop = stop ?? e;
    }
  })();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        stop = new Error(`larger than ${limit} bytes`);
        break;
      }
      chunks.push(value);
    }
  } catch (e) {
    stop = stop ?? e;
  }
  if (stop) {
    chunks.length = 0;
    await reader.cancel().catch(() => {});
    await writer.abort().catch(() => {});
    await feed;
    throw stop instanceof Error ? stop : new Error(String(stop));
  }
  await feed;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function mxlabHashLength() {
  return window.location.hash.length;
}
"#)]
    extern "C" {
        /// Raw deflate (or inflate, at most `limit` bytes out), by the
        /// browser's CompressionStream.
        #[wasm_bindgen(catch, js_name = mxlabDeflate)]
        pub async fn deflate(bytes: &[u8], inflate: bool, limit: f64) -> Result<JsValue, JsValue>;

        /// The length of the page's hash, read without copying it.
        #[wasm_bindgen(js_name = mxlabHashLength)]
        pub fn hash_length() -> f64;
    }
}

/// The hash (without `#`) of a link to `shared`, whose scenario is
/// `scenario_json`.
#[cfg(target_arch = "wasm32")]
pub async fn encode(shared: &Shared, scenario_json: &str) -> Result<String, LinkError> {
    let out = browser::deflate(&payload(shared, scenario_json), false, f64::MAX)
        .await
        .map_err(|e| LinkError::Damaged(format!("cannot deflate: {e:?}")))?;
    Ok(wrap(&js_sys::Uint8Array::new(&out).to_vec()))
}

/// The length of the page's own hash, measured before it is copied into
/// the app (a link longer than a link can be is refused unread).
#[cfg(target_arch = "wasm32")]
pub fn page_hash_length() -> usize {
    browser::hash_length() as usize
}

/// Reads a link's hash (with or without `#`).
#[cfg(target_arch = "wasm32")]
pub async fn decode(hash: &str) -> Result<Shared, LinkError> {
    let deflated = unwrap(hash)?;
    let out = browser::deflate(&deflated, true, MAX_INFLATED as f64)
        .await
        .map_err(|e| {
            let why = js_sys::Error::from(e).message();
            LinkError::Damaged(format!("cannot inflate: {}", String::from(why)))
        })?;
    read(&js_sys::Uint8Array::new(&out).to_vec())
}

#[cfg(test)]
mod tests;
