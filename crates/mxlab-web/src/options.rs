//! How an MX Lab instance starts: the app's own page (a share link in the
//! hash), the embed view (`?embed=1&scenario=…&view=…`), or a simulator
//! mounted into another page with `mount(element, options)`.

/// What an embedded simulator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedView {
    /// The stage and the transport.
    Network,
    /// The transport and the transcript.
    Transcript,
    /// All three.
    #[default]
    Both,
    /// The transport and the ladder diagram of a message's journey.
    Ladder,
}

impl EmbedView {
    /// The `view=` value.
    pub fn parse(s: &str) -> Option<EmbedView> {
        match s {
            "network" => Some(EmbedView::Network),
            "transcript" => Some(EmbedView::Transcript),
            "both" => Some(EmbedView::Both),
            "ladder" => Some(EmbedView::Ladder),
            _ => None,
        }
    }

    /// As in `view=`.
    pub fn name(self) -> &'static str {
        match self {
            EmbedView::Network => "network",
            EmbedView::Transcript => "transcript",
            EmbedView::Both => "both",
            EmbedView::Ladder => "ladder",
        }
    }

    /// Whether the stage shows.
    pub fn stage(self) -> bool {
        matches!(self, EmbedView::Network | EmbedView::Both)
    }

    /// Whether the transcript shows.
    pub fn transcript(self) -> bool {
        matches!(self, EmbedView::Transcript | EmbedView::Both)
    }

    /// Whether the ladder diagram shows.
    pub fn ladder(self) -> bool {
        self == EmbedView::Ladder
    }
}

/// An instance's start-up options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// No page chrome: an iframe or a mounted simulator.
    pub embed: bool,
    /// What the embed shows.
    pub view: EmbedView,
    /// Start playing once the run is computed.
    pub autoplay: bool,
    /// Start again at the end.
    pub looping: bool,
    /// Playback speed, virtual seconds per real second.
    pub speed: Option<f64>,
    /// Lesson pace, real seconds per step (`speed=lesson` is the default
    /// pace); it wins over `speed`.
    pub pace: Option<f64>,
    /// Dark (true) or light; the system's preference when unset.
    pub dark: Option<bool>,
    /// The moment shown once the run is computed (and where a loop starts
    /// again): `start=` seconds of virtual time.
    pub start: Option<mxlab_sim::SimTime>,
    /// A preset name, or a share link's hash (`v1.…`).
    pub scenario: Option<String>,
    /// The page's hash: a share link, which wins over `scenario`.
    pub link: Option<String>,
    /// Prefix of every element id, so several instances share a page.
    pub id_prefix: String,
    /// Keyboard shortcuts only while focus is inside the instance, and no
    /// marks on the page's `<body>` (a simulator mounted into a page).
    pub contained: bool,
    /// Problems with the options themselves, shown in the banner.
    pub problems: Vec<String>,
}

fn flag(v: &str) -> bool {
    !matches!(v, "0" | "false" | "no" | "off")
}

impl Options {
    /// The options of a page at `path` with query `search` (`?a=b&…`) and
    /// `hash` (`#v1.…`): the hash, a share link, wins over `scenario=`.
    pub fn from_location(path: &str, search: &str, hash: &str) -> Options {
        let mut o = Options {
            embed: path.ends_with("embed.html"),
            ..Options::default()
        };
        for (k, v) in form_urlencoded(search.trim_start_matches('?')) {
            o.set(&k, &v);
        }
        let hash = hash.trim_start_matches('#');
        if !hash.is_empty() {
            o.link = Some(hash.to_string());
        }
        o
    }

    /// Sets one option by name, as in a query string or `mount()`'s object.
    pub fn set(&mut self, key: &str, value: &str) {
        match key {
            "embed" => self.embed = flag(value),
            "autoplay" => self.autoplay = flag(value),
            "loop" => self.looping = flag(value),
            "speed" if value == "lesson" => self.pace = Some(crate::clock::DEFAULT_PACE),
            "speed" => match value.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 => self.speed = Some(s.min(1e6)),
                _ => self.problems.push(format!(
                    "speed={value} is not a positive number nor \"lesson\""
                )),
            },
            "pace" => match value.parse::<f64>() {
                Ok(p) if p.is_finite() && p > 0.0 => self.pace = Some(p.clamp(0.1, 60.0)),
                _ => self
                    .problems
                    .push(format!("pace={value} is not a positive number of seconds")),
            },
            "start" => match value.parse::<f64>() {
                Ok(secs) if secs.is_finite() && secs >= 0.0 => {
                    // Whole microseconds; beyond a century is the end anyway.
                    let micros = (secs.min(3.2e9) * 1e6).round() as u64;
                    self.start = Some(mxlab_sim::SimTime::from_micros(micros));
                }
                _ => self.problems.push(format!(
                    "start={value} is not a number of seconds from the run's start"
                )),
            },
            "view" => match EmbedView::parse(value) {
                Some(v) => self.view = v,
                None => self.problems.push(format!(
                    "view={value} is not one of network, transcript, ladder, both"
                )),
            },
            "theme" => match value {
                "dark" => self.dark = Some(true),
                "light" => self.dark = Some(false),
                _ => self
                    .problems
                    .push(format!("theme={value} is not light or dark")),
            },
            "scenario" if !value.is_empty() => self.scenario = Some(value.to_string()),
            _ => {}
        }
    }

    /// The element id `name`, prefixed for this instance.
    pub fn id(&self, name: &str) -> String {
        format!("{}{name}", self.id_prefix)
    }
}

/// `a=1&b=x%20y` → pairs, percent-decoded (`+` is a space).
fn form_urlencoded(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` percent-encoded for a query value.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embed_query_is_read() {
        let o = Options::from_location(
            "/docs/index.html",
            "?embed=1&scenario=mx-fallback&autoplay=1&loop=true&speed=100&view=transcript&theme=dark",
            "",
        );
        assert!(o.embed && o.autoplay && o.looping);
        assert_eq!(o.speed, Some(100.0));
        assert_eq!(o.view, EmbedView::Transcript);
        assert_eq!(o.dark, Some(true));
        assert_eq!(o.scenario.as_deref(), Some("mx-fallback"));
        assert!(o.problems.is_empty());
    }

    #[test]
    fn embed_html_is_an_embed_and_the_hash_wins() {
        let o = Options::from_location("/x/embed.html", "?scenario=hello-smtp", "#v1.abc");
        assert!(o.embed);
        assert_eq!(o.link.as_deref(), Some("v1.abc"));
        assert_eq!(o.scenario.as_deref(), Some("hello-smtp"));
        let plain = Options::from_location("/x/", "", "");
        assert!(!plain.embed && plain.scenario.is_none());
    }

    #[test]
    fn bad_values_are_reported_not_fatal() {
        let o = Options::from_location(
            "/",
            "?view=sideways&speed=-3&theme=pink&autoplay=0&%zz=1",
            "",
        );
        assert_eq!(o.problems.len(), 3, "{:?}", o.problems);
        assert!(!o.autoplay);
        assert_eq!(o.view, EmbedView::Both);
    }

    #[test]
    fn start_is_seconds_of_virtual_time() {
        let o = Options::from_location("/embed.html", "?start=12.5", "");
        assert_eq!(o.start, Some(mxlab_sim::SimTime::from_millis(12_500)));
        for bad in ["-1", "soon", "NaN", "inf"] {
            let o = Options::from_location("/", &format!("?start={bad}"), "");
            assert_eq!(o.start, None);
            assert!(
                o.problems[0].contains("is not a number of seconds"),
                "{:?}",
                o.problems
            );
        }
    }

    #[test]
    fn percent_encoding_round_trips() {
        let s = "v1.ab-_c d&e=f/ü";
        let o = Options::from_location("/", &format!("?scenario={}", encode_component(s)), "");
        assert_eq!(o.scenario.as_deref(), Some(s));
        assert_eq!(decode("a+b%2"), "a b%2");
    }
}
