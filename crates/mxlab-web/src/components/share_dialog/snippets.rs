//! What the share dialog writes for a documentation author: the embed
//! page's address with the chosen options, the iframe that shows it, and
//! the `<mx-lab>` element. Pure text from the choices, tested natively.
//!
//! The embed page's query (`embed.html?view=…&autoplay=1&loop=1&speed=…
//! &theme=…&start=…&scenario=…`) and the element's attributes carry the same
//! options under the same names.

use mxlab_sim::SimTime;

use crate::options::encode_component;

/// The script written under an iframe that sizes itself: it sets the
/// height of the iframe whose page posted `{ mxlab: 'height', height }`.
pub const RESIZE_SCRIPT: &str = "<script>addEventListener('message',e=>{if(e.data&&e.data.mxlab==='height')for(const f of document.querySelectorAll('iframe'))if(f.contentWindow===e.source)f.style.height=e.data.height+'px'})</script>";

/// What the embed shows (`view=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The network drawing and the transport.
    Network,
    /// The transport and the transcript.
    Transcript,
    /// The ladder diagram of a session.
    Ladder,
    /// The drawing, the transport and the transcript.
    Both,
}

impl View {
    /// Every view, in the order offered.
    pub const ALL: [View; 4] = [View::Both, View::Network, View::Transcript, View::Ladder];

    /// As in `view=`.
    pub fn name(self) -> &'static str {
        match self {
            View::Network => "network",
            View::Transcript => "transcript",
            View::Ladder => "ladder",
            View::Both => "both",
        }
    }

    /// As offered in the menu.
    pub fn label(self) -> &'static str {
        match self {
            View::Network => "Network",
            View::Transcript => "Transcript",
            View::Ladder => "Ladder diagram",
            View::Both => "Network and transcript",
        }
    }

    /// The view named `name`.
    pub fn parse(name: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// How fast the embed plays (`speed=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    /// Nothing written: the embed page's own default (lesson pace).
    Default,
    /// `speed=lesson`: each step a fixed, readable real time.
    Lesson,
    /// `speed=N`: N virtual seconds a real second.
    Times(u32),
}

impl Speed {
    /// Every speed, in the order offered.
    pub const ALL: [Speed; 6] = [
        Speed::Default,
        Speed::Lesson,
        Speed::Times(1),
        Speed::Times(10),
        Speed::Times(100),
        Speed::Times(1000),
    ];

    /// The menu's value for it.
    pub fn value(self) -> String {
        match self {
            Speed::Default => "default".into(),
            Speed::Lesson => "lesson".into(),
            Speed::Times(n) => n.to_string(),
        }
    }

    /// As offered in the menu.
    pub fn label(self) -> String {
        match self {
            Speed::Default => "The embed's default (lesson pace)".into(),
            Speed::Lesson => "Lesson pace".into(),
            Speed::Times(n) => format!("{n}×"),
        }
    }

    /// The speed whose menu value is `value`.
    pub fn parse(value: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|s| s.value() == value)
    }

    /// As in `speed=`, if written.
    fn param(self) -> Option<String> {
        match self {
            Speed::Default => None,
            Speed::Lesson => Some("lesson".into()),
            Speed::Times(n) => Some(n.to_string()),
        }
    }
}

/// The embed's colours (`theme=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Nothing written: the reader's system preference.
    System,
    /// `theme=light`.
    Light,
    /// `theme=dark`.
    Dark,
}

impl Theme {
    /// Every theme, in the order offered.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The menu's value for it.
    pub fn value(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// As offered in the menu.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "The reader's system setting",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// The theme whose menu value is `value`.
    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.value() == value)
    }

    /// As in `theme=`, if written.
    fn param(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// The iframe's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 480 × 360.
    Small,
    /// 800 × 560.
    Medium,
    /// 1024 × 720.
    Large,
    /// The page's full width, as tall as the embed's content (the resize
    /// script under the iframe sets the height the embed page posts).
    Fit,
}

impl Size {
    /// Every size, in the order offered.
    pub const ALL: [Size; 4] = [Size::Small, Size::Medium, Size::Large, Size::Fit];

    /// The menu's value for it.
    pub fn value(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
            Size::Fit => "fit",
        }
    }

    /// As offered in the menu.
    pub fn label(self) -> &'static str {
        match self {
            Size::Small => "Small (480 × 360)",
            Size::Medium => "Medium (800 × 560)",
            Size::Large => "Large (1024 × 720)",
            Size::Fit => "Fit the content (full width, auto height)",
        }
    }

    /// The size whose menu value is `value`.
    pub fn parse(value: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|s| s.value() == value)
    }

    /// Width and height in CSS pixels; for [`Size::Fit`], the size the
    /// iframe starts at (and the preview shows) before the embed posts its
    /// height.
    pub fn pixels(self) -> (u32, u32) {
        match self {
            Size::Small => (480, 360),
            Size::Medium | Size::Fit => (800, 560),
            Size::Large => (1024, 720),
        }
    }
}

/// The author's choices; the default writes the embed code the dialog
/// has always written (network and transcript, autoplay, 800 × 560).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choices {
    /// What the embed shows.
    pub view: View,
    /// Start at the moment on screen (`start=`) rather than at zero.
    pub start: bool,
    /// Play once loaded.
    pub autoplay: bool,
    /// Start again at the end.
    pub looping: bool,
    /// How fast it plays.
    pub speed: Speed,
    /// Its colours.
    pub theme: Theme,
    /// The iframe's size.
    pub size: Size,
}

impl Default for Choices {
    fn default() -> Self {
        Choices {
            view: View::Both,
            start: false,
            autoplay: true,
            looping: false,
            speed: Speed::Default,
            theme: Theme::System,
            size: Size::Medium,
        }
    }
}

/// `t` in seconds with up to three decimals and no trailing zeros
/// (`12.5`, `60`, `0.001`), rounded to the millisecond.
pub fn seconds(t: SimTime) -> String {
    let millis = t.as_micros().saturating_add(500) / 1_000;
    let (whole, frac) = (millis / 1_000, millis % 1_000);
    if frac == 0 {
        whole.to_string()
    } else {
        let frac = format!("{frac:03}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// `text` escaped for an HTML attribute value in double quotes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One embed of one scenario: the snippets the dialog writes.
#[derive(Debug, Clone, Copy)]
pub struct Embed<'a> {
    /// The site's directory, with its trailing `/` (`https://…/mxlab/`).
    pub dir: &'a str,
    /// A preset name, or a share link's hash.
    pub scenario: &'a str,
    /// The scenario's name.
    pub title: &'a str,
    /// The moment on screen.
    pub t: SimTime,
    /// The author's choices.
    pub choices: Choices,
}

impl Embed<'_> {
    /// The options as name and value, in the order written; boolean options
    /// are present (`1`, or no value in the element) or absent.
    fn options(&self) -> Vec<(&'static str, Option<String>)> {
        let c = &self.choices;
        let mut out = vec![("view", Some(c.view.name().to_string()))];
        if c.autoplay {
            out.push(("autoplay", None));
        }
        if c.looping {
            out.push(("loop", None));
        }
        if let Some(speed) = c.speed.param() {
            out.push(("speed", Some(speed)));
        }
        if let Some(theme) = c.theme.param() {
            out.push(("theme", Some(theme.to_string())));
        }
        if c.start {
            out.push(("start", Some(seconds(self.t))));
        }
        out.push(("scenario", Some(self.scenario.to_string())));
        out
    }

    /// The embed page's address with the chosen options.
    pub fn url(&self) -> String {
        let query: Vec<String> = self
            .options()
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={}", encode_component(&v)),
                None => format!("{k}=1"),
            })
            .collect();
        format!("{}embed.html?{}", self.dir, query.join("&"))
    }

    /// The iframe, and the resize script under it when it fits its content.
    pub fn iframe(&self) -> String {
        let (w, h) = self.choices.size.pixels();
        let width = match self.choices.size {
            Size::Fit => "100%".to_string(),
            _ => w.to_string(),
        };
        let frame = format!(
            "<iframe src=\"{}\" title=\"MX Lab: {}\" width=\"{width}\" height=\"{h}\" \
             style=\"border:0;max-width:100%\" loading=\"lazy\"></iframe>",
            escape(&self.url()),
            escape(self.title)
        );
        match self.choices.size {
            Size::Fit => format!("{frame}\n{RESIZE_SCRIPT}"),
            _ => frame,
        }
    }

    /// The package's script and the `<mx-lab>` element.
    pub fn element(&self) -> String {
        let attrs: String = self
            .options()
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!(" {k}=\"{}\"", escape(&v)),
                None => format!(" {k}"),
            })
            .collect();
        format!(
            "<script type=\"module\" src=\"{}pkg/mx-lab.js\"></script>\n<mx-lab{attrs}></mx-lab>",
            escape(self.dir)
        )
    }
}

/// Run by wasm-bindgen-test (the components exist on wasm32 only).
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn embed(choices: Choices) -> Embed<'static> {
        Embed {
            dir: "https://example.org/mx lab/",
            scenario: "greylisting",
            title: "Grey & <listed> \"ok\"",
            t: SimTime::from_micros(12_500_000),
            choices,
        }
    }

    #[test]
    fn the_default_writes_the_embed_code_of_old() {
        let e = embed(Choices::default());
        assert_eq!(
            e.iframe(),
            "<iframe src=\"https://example.org/mx lab/embed.html?view=both&amp;autoplay=1&amp;scenario=greylisting\" \
             title=\"MX Lab: Grey &amp; &lt;listed&gt; &quot;ok&quot;\" width=\"800\" height=\"560\" \
             style=\"border:0;max-width:100%\" loading=\"lazy\"></iframe>"
        );
        assert_eq!(
            e.element(),
            "<script type=\"module\" src=\"https://example.org/mx lab/pkg/mx-lab.js\"></script>\n\
             <mx-lab view=\"both\" autoplay scenario=\"greylisting\"></mx-lab>"
        );
    }

    #[test]
    fn every_option_is_written_in_the_query_and_the_element() {
        let e = embed(Choices {
            view: View::Transcript,
            start: true,
            autoplay: false,
            looping: true,
            speed: Speed::Lesson,
            theme: Theme::Dark,
            size: Size::Small,
        });
        assert_eq!(
            e.url(),
            "https://example.org/mx lab/embed.html?view=transcript&loop=1&speed=lesson&theme=dark&start=12.5&scenario=greylisting"
        );
        assert!(e.iframe().contains("width=\"480\" height=\"360\""));
        assert!(e.element().ends_with(
            "<mx-lab view=\"transcript\" loop speed=\"lesson\" theme=\"dark\" start=\"12.5\" scenario=\"greylisting\"></mx-lab>"
        ));
        let fast = embed(Choices {
            speed: Speed::Times(1000),
            theme: Theme::Light,
            ..Choices::default()
        });
        assert!(fast.url().contains("&speed=1000&theme=light&"));
    }

    #[test]
    fn a_share_hash_is_percent_encoded_in_the_query_and_escaped_in_the_element() {
        let e = Embed {
            scenario: "v1.a+b/c=&\"",
            ..embed(Choices::default())
        };
        assert!(e.url().ends_with("scenario=v1.a%2Bb%2Fc%3D%26%22"));
        assert!(e.iframe().contains("scenario=v1.a%2Bb%2Fc%3D%26%22\""));
        assert!(e.element().contains(" scenario=\"v1.a+b/c=&amp;&quot;\""));
    }

    #[test]
    fn fitting_the_content_takes_the_full_width_and_the_resize_script() {
        let e = embed(Choices {
            size: Size::Fit,
            ..Choices::default()
        });
        let code = e.iframe();
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines.len(), 2, "{code}");
        assert!(lines[0].contains("width=\"100%\" height=\"560\""), "{code}");
        assert_eq!(lines[1], RESIZE_SCRIPT);
    }

    #[test]
    fn the_start_has_up_to_three_decimals() {
        for (micros, s) in [
            (0, "0"),
            (60_000_000, "60"),
            (12_500_000, "12.5"),
            (1_234_567, "1.235"),
            (999_999, "1"),
            (1_000, "0.001"),
            (86_400_120_000, "86400.12"),
        ] {
            assert_eq!(seconds(SimTime::from_micros(micros)), s, "{micros}");
        }
    }

    #[test]
    fn menu_values_name_their_choice() {
        for v in View::ALL {
            assert_eq!(View::parse(v.name()), Some(v));
        }
        for s in Speed::ALL {
            assert_eq!(Speed::parse(&s.value()), Some(s));
        }
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.value()), Some(t));
        }
        for s in Size::ALL {
            assert_eq!(Size::parse(s.value()), Some(s));
        }
    }
}
