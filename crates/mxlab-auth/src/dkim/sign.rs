//! Signing (RFC 6376 §5): relaxed/relaxed, with the fields a receiver and
//! DMARC care about.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::canon::{self, Canon};
use super::SigningKey;
use crate::mail;

/// The longest line MX Lab writes in a header field (RFC 5322 §2.1.1 SHOULD).
const LINE: usize = 78;

/// Who signs, with which key, and which header fields.
#[derive(Clone, Debug)]
pub struct Signer {
    /// The signing domain, `d=` (RFC 6376 §3.5).
    pub domain: String,
    /// The selector, `s=`: the key is published at `<selector>._domainkey.<domain>` (RFC 6376 §3.1).
    pub selector: String,
    /// The private key.
    pub key: SigningKey,
    /// Header fields to sign, lower-case; `Signer::new` sets from, to, cc, subject, date, message-id, mime-version, content-type, reply-to.
    pub headers: Vec<String>,
}

impl Signer {
    /// A signer for `domain` with the key published under `selector`, signing
    /// the header fields RFC 6376 §5.4.1 recommends.
    pub fn new(domain: &str, selector: &str, key: SigningKey) -> Signer {
        Signer {
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            selector: selector.to_string(),
            key,
            headers: [
                "from",
                "to",
                "cc",
                "subject",
                "date",
                "message-id",
                "mime-version",
                "content-type",
                "reply-to",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        }
    }
}

/// The DKIM-Signature header field (name included, folded at <=78 columns, ending in CRLF) for `message` (header section + CRLF CRLF + body, CRLF line endings; tolerate bare LF by treating it as CRLF), relaxed/relaxed canonicalization, `t=` = unix_time, signing only the listed fields that are present (and each present once more as the oversigning empty instance is NOT required). Prepend it to the message to sign it.
///
/// RFC 6376 §5 (signer actions), §3.5 (tags), §3.7 (hashes). Every
/// instance of a listed field is signed, so none can be changed; `from`
/// is always listed, as §5.4 requires. `h=` names each present instance
/// once, so a receiver still accepts the message if another instance is
/// added later (a known weakness: list a name once more to forbid that).
pub fn sign(message: &[u8], signer: &Signer, unix_time: i64) -> String {
    let message = mail::crlf(message);
    let (header, body) = mail::split(&message);
    let fields = mail::fields(header);
    let body_hash = STANDARD.encode(Sha256::digest(canon::body(body, Canon::Relaxed)));

    let mut names: Vec<String> = Vec::new();
    for name in &signer.headers {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || names.contains(&name) {
            continue;
        }
        let count = fields.iter().filter(|f| f.is(&name)).count();
        names.extend(std::iter::repeat_n(name, count));
    }
    if !names.iter().any(|n| n == "from") {
        names.insert(0, "from".to_string());
    }

    let mut folder = Folder::new("DKIM-Signature:");
    folder.word("v=1;");
    folder.word(&format!("a={};", signer.key.algorithm().as_str()));
    folder.word("c=relaxed/relaxed;");
    folder.word(&format!("d={};", signer.domain));
    folder.word(&format!("s={};", signer.selector));
    folder.word(&format!("t={unix_time};"));
    let h_items: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| if i == 0 { format!("h={n}") } else { n.clone() })
        .collect();
    for (i, item) in h_items.iter().enumerate() {
        let end = if i + 1 == h_items.len() { ";" } else { ":" };
        folder.glued(&format!("{item}{end}"), i > 0);
    }
    folder.word(&format!("bh={body_hash};"));
    folder.word("b=");

    let unsigned = folder.text.clone();
    let data = canon::signed_data(&fields, &names, unsigned.as_bytes(), Canon::Relaxed);
    let signature = signer
        .key
        .sign_data(&data)
        .map(|s| STANDARD.encode(s))
        .unwrap_or_default();
    folder.split_glued(&signature);
    folder.text.push_str("\r\n");
    folder.text
}

/// Writes a header field a word at a time, folding before a word that would
/// pass column 78.
struct Folder {
    text: String,
    column: usize,
}

impl Folder {
    fn new(name: &str) -> Folder {
        Folder {
            text: name.to_string(),
            column: name.len(),
        }
    }

    /// A word after a space (or a fold).
    fn word(&mut self, word: &str) {
        if self.column + 1 + word.len() > LINE {
            self.text.push_str("\r\n ");
            self.column = 1;
        } else {
            self.text.push(' ');
            self.column += 1;
        }
        self.text.push_str(word);
        self.column += word.len();
    }

    /// A word glued to the previous one when it fits (`joined`), else after a fold.
    fn glued(&mut self, word: &str, joined: bool) {
        if !joined {
            return self.word(word);
        }
        if self.column + word.len() > LINE {
            self.text.push_str("\r\n ");
            self.column = 1;
        }
        self.text.push_str(word);
        self.column += word.len();
    }

    /// Text that may be broken anywhere (a base64 value), filling each line.
    fn split_glued(&mut self, text: &str) {
        let mut rest = text;
        while !rest.is_empty() {
            let room = LINE.saturating_sub(self.column);
            if room == 0 {
                self.text.push_str("\r\n ");
                self.column = 1;
                continue;
            }
            let take = room.min(rest.len());
            let (head, tail) = rest.split_at(take);
            self.text.push_str(head);
            self.column += head.len();
            rest = tail;
        }
    }
}
