//! The SASL mechanisms MX Lab speaks over AUTH (RFC 4954): PLAIN
//! (RFC 4616) and LOGIN (draft-murchison-sasl-login), with the base64 of
//! RFC 4648 §4 they are carried in.

/// Credentials carried by PLAIN or LOGIN.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Credentials {
    /// The authorization identity (PLAIN only; usually empty).
    pub authzid: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64-encodes bytes with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes padded base64; `None` for anything else (wrong length, bad
/// characters, misplaced padding).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 4 != 0 {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let groups = b.len() / 4;
    for (g, chunk) in b.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && g + 1 != groups) {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad { 0 } else { val(c)? };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..3 - pad).unwrap_or_default());
    }
    Some(out)
}

/// The PLAIN message `authzid NUL authcid NUL passwd`, base64-encoded.
pub fn plain_encode(c: &Credentials) -> String {
    base64_encode(format!("{}\0{}\0{}", c.authzid, c.username, c.password).as_bytes())
}

/// Decodes a PLAIN response; `None` unless it is base64 of exactly three
/// NUL-separated UTF-8 fields with a non-empty user name.
pub fn plain_decode(s: &str) -> Option<Credentials> {
    let raw = String::from_utf8(base64_decode(s)?).ok()?;
    let mut parts = raw.split('\0');
    let authzid = parts.next()?.to_string();
    let username = parts.next()?.to_string();
    let password = parts.next()?.to_string();
    if parts.next().is_some() || username.is_empty() {
        return None;
    }
    Some(Credentials {
        authzid,
        username,
        password,
    })
}

/// Decodes one base64 LOGIN answer (a user name or a password) as UTF-8.
pub fn login_decode(s: &str) -> Option<String> {
    String::from_utf8(base64_decode(s)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_answers() {
        // RFC 4648 §10 test vectors.
        let v = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Username:", "VXNlcm5hbWU6"),
            ("Password:", "UGFzc3dvcmQ6"),
        ];
        for (plain, enc) in v {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm9v!", "===="] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn plain_round_trip() {
        let c = Credentials {
            authzid: String::new(),
            username: "alice".into(),
            password: "wonderland".into(),
        };
        let enc = plain_encode(&c);
        assert_eq!(enc, "AGFsaWNlAHdvbmRlcmxhbmQ=");
        assert_eq!(plain_decode(&enc), Some(c));
        assert_eq!(plain_decode(&base64_encode(b"only-one-field")), None);
        assert_eq!(plain_decode(&base64_encode(b"\0\0pw")), None);
    }
}
