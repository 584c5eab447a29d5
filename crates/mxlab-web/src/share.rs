//! Share links: a scenario and the moment shown, in a URL's hash.
//!
//! The payload is JSON `{"v": 1, "scenario": {…}, "seed": …, "t_us": …,
//! "host": …, "speed": …, "faults": […]}`, deflated (raw RFC 1951, by the
//! browser's own `CompressionStream`) and written in URL-safe base64 after
//! `v1.`: `#v1.3Vb…`. The version prefix picks the decoder, so
//! a link made by an older MX Lab keeps opening: each format version has a
//! migration to the current [`Shared`] state (there is one version so far,
//! and `tests/share_links.txt` pins links that must keep opening).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mxlab_sim::scenario::Fault;
use mxlab_sim::{Scenario, SimTime};
use serde::{Deserialize, Serialize};

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
    /// Faults injected by hand: when, until when, what.
    pub faults: Vec<(SimTime, Option<SimTime>, Fault)>,
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
    faults: Vec<InjectedV1>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectedV1 {
    at_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until_us: Option<u64>,
    fault: Fault,
}

/// The JSON payload of a link to `shared` (before deflating).
pub fn payload(shared: &Shared) -> Vec<u8> {
    let payload = PayloadV1 {
        v: VERSION,
        scenario: serde_json::from_str(&shared.scenario.to_json()).unwrap_or_default(),
        seed: shared.seed,
        t_us: shared.t.as_micros(),
        host: shared.host.clone(),
        speed: shared.speed,
        faults: shared
            .faults
            .iter()
            .map(|(at, until, fault)| InjectedV1 {
                at_us: at.as_micros(),
                until_us: until.map(SimTime::as_micros),
                fault: fault.clone(),
            })
            .collect(),
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
    let payload: ReadV1<'_> = serde_json::from_slice(json)
        .map_err(|e| LinkError::Damaged(format!("not the expected JSON: {e}")))?;
    let scenario = Scenario::from_json(payload.scenario.get()).map_err(|e| {
        let first = e.problems().into_iter().next();
        LinkError::Invalid(
            first.map_or_else(|| e.to_string(), |p| format!("{}: {}", p.path, p.message)),
        )
    })?;
    if let Some(why) = crate::bounds::scenario_too_large(&scenario) {
        return Err(LinkError::Invalid(why));
    }
    Ok(Shared {
        scenario,
        seed: payload.seed,
        t: SimTime::from_micros(payload.t_us),
        host: payload.host,
        speed: payload.speed.filter(|s| s.is_finite() && *s > 0.0),
        faults: payload
            .faults
            .into_iter()
            .map(|f| {
                (
                    SimTime::from_micros(f.at_us),
                    f.until_us.map(SimTime::from_micros),
                    f.fault,
                )
            })
            .collect(),
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

/// The hash (without `#`) of a link to `shared`.
#[cfg(target_arch = "wasm32")]
pub async fn encode(shared: &Shared) -> Result<String, LinkError> {
    let out = browser::deflate(&payload(shared), false, f64::MAX)
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
mod tests {
    use super::*;

    /// What the browser does, with miniz_oxide: the same raw deflate.
    fn encode(shared: &Shared) -> String {
        wrap(&miniz_oxide::deflate::compress_to_vec(&payload(shared), 9))
    }

    fn decode(hash: &str) -> Result<Shared, LinkError> {
        let deflated = unwrap(hash)?;
        let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED)
            .map_err(|e| LinkError::Damaged(format!("cannot inflate: {:?}", e.status)))?;
        read(&json)
    }

    fn sample() -> Shared {
        Shared {
            scenario: mxlab_sim::presets::preset("mx-fallback").unwrap().unwrap(),
            seed: Some(7),
            t: SimTime::from_millis(1234),
            host: Some("mx2.example.org".into()),
            speed: Some(100.0),
            faults: vec![(
                SimTime::from_millis(900),
                None,
                Fault::Greylisting {
                    host: "mx2.example.org".into(),
                },
            )],
        }
    }

    #[test]
    fn a_link_round_trips() {
        let s = sample();
        let hash = encode(&s);
        assert!(hash.starts_with("v1."));
        assert!(hash.len() < MAX_LINK, "{} characters", hash.len());
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        assert_eq!(decode(&hash).unwrap(), s);
        assert_eq!(decode(&format!("#{hash}")).unwrap(), s);
    }

    #[test]
    fn every_preset_fits_in_a_link() {
        for (name, _) in mxlab_sim::presets::PRESETS {
            let s = Shared {
                scenario: mxlab_sim::presets::preset(name).unwrap().unwrap(),
                seed: None,
                t: SimTime::ZERO,
                host: None,
                speed: None,
                faults: Vec::new(),
            };
            let hash = encode(&s);
            assert!(hash.len() < MAX_LINK, "{name}: {}", hash.len());
            assert_eq!(decode(&hash).unwrap(), s, "{name}");
        }
    }

    #[test]
    fn damaged_links_are_errors_not_panics() {
        let hash = encode(&sample());
        for cut in [4, hash.len() / 3, hash.len() / 2, hash.len() - 3] {
            let e = decode(&hash[..cut]).unwrap_err();
            assert!(matches!(e, LinkError::Damaged(_)), "cut at {cut}: {e}");
        }
        let mut flipped = hash.clone().into_bytes();
        let mid = flipped.len() / 2;
        flipped[mid] = if flipped[mid] == b'A' { b'B' } else { b'A' };
        assert!(decode(std::str::from_utf8(&flipped).unwrap()).is_err());
        assert_eq!(decode("hello"), Err(LinkError::NotALink));
        assert_eq!(decode(""), Err(LinkError::NotALink));
        assert_eq!(decode("v9.AAAA"), Err(LinkError::TooNew(9)));
        assert!(matches!(decode("v1.!!!"), Err(LinkError::Damaged(_))));
        // Valid JSON, invalid scenario: the problem and its path.
        let json =
            br#"{"v":1,"scenario":{"horizon_secs":1,"nodes":[{"name":"x","role":"router"}]}}"#;
        let hash = format!(
            "v1.{}",
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(json, 9))
        );
        match decode(&hash) {
            Err(LinkError::Invalid(m)) => assert!(m.contains("nodes[0].role"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    /// A link of the raw payload `json`.
    fn link_of(json: &[u8]) -> String {
        wrap(&miniz_oxide::deflate::compress_to_vec(json, 9))
    }

    #[test]
    fn a_link_with_duplicate_keys_is_refused_as_the_editor_refuses_it() {
        let mut text = mxlab_sim::presets::preset("hello-smtp")
            .unwrap()
            .unwrap()
            .to_json();
        // The same key twice in the scenario: the editor's reading says so.
        text = text.replacen("{", "{\n  \"horizon_secs\": 5,", 1);
        let editor = Scenario::from_json(&text).unwrap_err().to_string();
        assert!(editor.contains("duplicate field"), "{editor}");
        let json = format!("{{\"v\":1,\"scenario\":{text}}}");
        match decode(&link_of(json.as_bytes())) {
            Err(LinkError::Invalid(m)) => {
                assert!(m.contains("duplicate field `horizon_secs`"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        // Twice in the payload itself, too.
        let ok = String::from_utf8(payload(&sample())).unwrap();
        let twice = ok.replacen("{", "{\"t_us\":5,", 1);
        assert!(matches!(
            decode(&link_of(twice.as_bytes())),
            Err(LinkError::Damaged(_))
        ));
    }

    #[test]
    fn a_link_with_a_huge_lesson_is_refused_with_its_size() {
        let mut s = sample();
        s.scenario.lesson = "Read this. ".repeat(1_400_000);
        let hash = encode(&s);
        assert!(hash.len() < 64 * 1024, "{}", hash.len());
        match decode(&hash) {
            Err(LinkError::Invalid(m)) => assert!(m.contains("lesson is 14.7 MiB"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_link_longer_than_any_link_is_refused_unread() {
        let long = format!("v1.{}", "A".repeat(MAX_HASH));
        assert_eq!(unwrap(&long), Err(LinkError::TooLong(long.len())));
        let e = LinkError::TooLong(long.len()).to_string();
        assert!(e.contains("at most 4194320"), "{e}");
    }

    /// Prints lines for `tests/share_links.txt` (run with --ignored --nocapture).
    #[test]
    #[ignore]
    fn print_links_to_pin() {
        for name in ["hello-smtp", "mx-fallback"] {
            let s = Shared {
                scenario: mxlab_sim::presets::preset(name).unwrap().unwrap(),
                seed: None,
                t: SimTime::from_millis(500),
                host: None,
                speed: Some(10.0),
                faults: Vec::new(),
            };
            println!(
                "{} {} {}",
                s.scenario.nodes.len(),
                s.t.as_micros(),
                encode(&s)
            );
        }
    }

    /// Links made by earlier versions of MX Lab keep opening.
    #[test]
    fn pinned_links_keep_opening() {
        let pinned = include_str!("../tests/share_links.txt");
        let mut n = 0;
        for line in pinned
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            // `<hosts> <t_us> <link>`
            let f: Vec<&str> = line.split(' ').collect();
            let s = decode(f[2]).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(s.scenario.nodes.len().to_string(), f[0], "{line}");
            assert_eq!(s.t.as_micros().to_string(), f[1], "{line}");
            n += 1;
        }
        assert!(n >= 2);
    }
}
