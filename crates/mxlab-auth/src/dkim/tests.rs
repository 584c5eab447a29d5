use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::canon::{self, Canon};
use super::*;
use crate::dns::Zone;
use crate::{mail, TxtAnswer};

/// RFC 8463 Appendix A.1: the Ed25519 secret key.
const RFC_ED25519_SECRET: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

/// RFC 8463 Appendix A.1: the RSA secret key.
const RFC_RSA_SECRET: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
-----END RSA PRIVATE KEY-----
";

/// RFC 8463 Appendix A.2: the key records.
const RFC_ED25519_RECORD: &str =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const RFC_RSA_RECORD: &str = concat!(
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR",
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC",
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3",
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
);

/// RFC 8463 Appendix A.3: the signed message.
const RFC_SIGNED: &str = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r
 subject : date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r
 date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r
From: Joe SixPack <joe@football.example.com>\r
To: Suzie Q <suzie@shopping.example.net>\r
Subject: Is dinner ready?\r
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
\r
Hi.\r
\r
We lost the game.  Are you hungry yet?\r
\r
Joe.\r
";

const RFC_TIME: i64 = 1_528_637_909;

fn rfc_zone() -> Zone {
    Zone::new()
        .txt(
            "brisbane._domainkey.football.example.com",
            &[RFC_ED25519_RECORD],
        )
        .txt("test._domainkey.football.example.com", &[RFC_RSA_RECORD])
}

const MESSAGE: &str = "From: Alice <alice@bank.example>\r
To: bob@shop.example\r
Subject: Your statement\r
Date: Mon, 1 Jan 2024 09:00:00 +0000\r
Message-ID: <1@bank.example>\r
\r
Dear Bob,\r
your statement is ready.\r
";

fn ed_key() -> SigningKey {
    SigningKey::ed25519_from_seed(b"scenario 7 bank.example s1")
}

/// The message signed by bank.example with `key` under selector s1, and a zone publishing the key.
fn signed(key: SigningKey) -> (String, Zone) {
    let zone = Zone::new().txt("s1._domainkey.bank.example", &[&key.dns_record()]);
    let signer = Signer::new("bank.example", "s1", key);
    let field = sign(MESSAGE.as_bytes(), &signer, 1_704_099_600);
    (format!("{field}{MESSAGE}"), zone)
}

fn one(message: &str, zone: &Zone) -> DkimVerdict {
    let verdicts = verify(message.as_bytes(), zone, 1_704_099_700);
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    verdicts.into_iter().next().unwrap()
}

// --- RFC 8463 Appendix A ------------------------------------------------------

#[test]
fn rfc_8463_example_both_signatures_pass() {
    let verdicts = verify(RFC_SIGNED.as_bytes(), &rfc_zone(), RFC_TIME + 60);
    assert_eq!(verdicts.len(), 2);
    for (verdict, (selector, algorithm)) in verdicts
        .iter()
        .zip([("brisbane", "ed25519-sha256"), ("test", "rsa-sha256")])
    {
        assert_eq!(verdict.result, DkimResult::Pass, "{}", verdict.reason);
        assert_eq!(verdict.domain, "football.example.com");
        assert_eq!(verdict.selector, selector);
        assert_eq!(verdict.algorithm, algorithm);
    }
    assert_eq!(verdicts[0].b_prefix, "/gCrinpc");
    assert_eq!(verdicts[1].b_prefix, "F45dVWDf");
}

#[test]
fn rfc_8463_example_with_bare_lf_still_passes() {
    let lf = RFC_SIGNED.replace("\r\n", "\n");
    let verdicts = verify(lf.as_bytes(), &rfc_zone(), RFC_TIME);
    assert!(
        verdicts.iter().all(|v| v.result == DkimResult::Pass),
        "{verdicts:?}"
    );
}

#[test]
fn rfc_8463_keys_publish_the_rfc_records() {
    let ed = SigningKey::from_base64(Algorithm::Ed25519Sha256, RFC_ED25519_SECRET).unwrap();
    assert_eq!(ed.dns_record(), RFC_ED25519_RECORD);
    let rsa = SigningKey::from_base64(Algorithm::RsaSha256, RFC_RSA_SECRET).unwrap();
    assert_eq!(rsa.dns_record(), RFC_RSA_RECORD);
    assert_eq!(rsa.algorithm(), Algorithm::RsaSha256);
}

#[test]
fn rfc_8463_ed25519_signature_is_reproduced() {
    // Ed25519 is deterministic: the RFC's key over the RFC's data gives the RFC's b=.
    let message = mail::crlf(RFC_SIGNED.as_bytes()).into_owned();
    let (header, _) = mail::split(&message);
    let fields = mail::fields(header);
    let names: Vec<String> = "from:to:subject:date:message-id:from:subject:date"
        .split(':')
        .map(String::from)
        .collect();
    let data = canon::signed_data(&fields, &names, fields[0].raw, Canon::Relaxed);
    let key = SigningKey::from_base64(Algorithm::Ed25519Sha256, RFC_ED25519_SECRET).unwrap();
    let b = STANDARD.encode(key.sign_data(&data).unwrap());
    assert_eq!(
        b,
        "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="
    );
}

// --- round trips --------------------------------------------------------------

#[test]
fn ed25519_round_trip() {
    let (message, zone) = signed(ed_key());
    let v = one(&message, &zone);
    assert_eq!(v.result, DkimResult::Pass, "{}", v.reason);
    assert_eq!(
        (v.domain.as_str(), v.selector.as_str()),
        ("bank.example", "s1")
    );
    assert_eq!(v.algorithm, "ed25519-sha256");
    assert!(
        v.reason.starts_with("Signed by bank.example with key s1"),
        "{}",
        v.reason
    );
}

#[test]
fn rsa_round_trip() {
    let key = SigningKey::rsa_from_seed(b"scenario 7 bank.example s2", 1024).unwrap();
    assert!(key
        .dns_record()
        .starts_with("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"));
    let (message, zone) = signed(key);
    let v = one(&message, &zone);
    assert_eq!(v.result, DkimResult::Pass, "{}", v.reason);
    assert_eq!(v.algorithm, "rsa-sha256");
}

#[test]
fn keys_from_seeds_are_deterministic() {
    assert_eq!(ed_key().dns_record(), ed_key().dns_record());
    assert_ne!(
        ed_key().dns_record(),
        SigningKey::ed25519_from_seed(b"other").dns_record()
    );
    assert!(matches!(
        SigningKey::rsa_from_seed(b"x", 512),
        Err(KeyError::RsaSize(512))
    ));
    assert!(SigningKey::from_base64(Algorithm::Ed25519Sha256, "not base64!").is_err());
    assert!(SigningKey::from_base64(Algorithm::RsaSha256, RFC_ED25519_SECRET).is_err());
}

#[test]
fn signature_field_is_folded_and_complete() {
    let (message, _) = signed(ed_key());
    let field_end = message.find("\r\nFrom:").unwrap();
    let field = &message[..field_end];
    assert!(field.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;"));
    assert!(
        field.lines().all(|l| l.trim_end_matches('\r').len() <= 78),
        "{field}"
    );
    assert!(field.contains("t=1704099600;"));
    assert!(
        field
            .replace("\r\n ", "")
            .contains("h=from:to:subject:date:message-id;"),
        "{field}"
    );
}

#[test]
fn sign_tolerates_bare_lf() {
    let signer = Signer::new("bank.example", "s1", ed_key());
    let lf = MESSAGE.replace("\r\n", "\n");
    let field = sign(lf.as_bytes(), &signer, 1_704_099_600);
    assert!(field.ends_with("\r\n"));
    let zone = Zone::new().txt("s1._domainkey.bank.example", &[&ed_key().dns_record()]);
    assert_eq!(
        one(&format!("{field}{MESSAGE}"), &zone).result,
        DkimResult::Pass
    );
}

// --- changes after signing ------------------------------------------------------

#[test]
fn changed_body_fails_on_the_body_hash() {
    let (message, zone) = signed(ed_key());
    let v = one(&message.replace("is ready", "is overdue"), &zone);
    assert_eq!(v.result, DkimResult::Fail);
    assert!(
        v.reason
            .starts_with("The body changed after signing: its hash no longer matches bh="),
        "{}",
        v.reason
    );
}

#[test]
fn whitespace_changes_survive_relaxed_body() {
    let (message, zone) = signed(ed_key());
    let v = one(
        &message
            .replace("your statement", "your   statement \t")
            .replace("ready.\r\n", "ready.\r\n\r\n\r\n"),
        &zone,
    );
    assert_eq!(v.result, DkimResult::Pass, "{}", v.reason);
}

#[test]
fn changed_signed_header_fails() {
    let (message, zone) = signed(ed_key());
    let v = one(
        &message.replace(
            "Subject: Your statement",
            "Subject: Urgent: verify your account",
        ),
        &zone,
    );
    assert_eq!(v.result, DkimResult::Fail);
    assert!(
        v.reason.contains("signed header field changed"),
        "{}",
        v.reason
    );
}

#[test]
fn added_unsigned_header_still_passes() {
    let (message, zone) = signed(ed_key());
    let added = format!("Received: from mx.shop.example\r\nX-Spam-Score: 0.1\r\n{message}");
    assert_eq!(one(&added, &zone).result, DkimResult::Pass);
    // Header folding and case changes survive relaxed canonicalization.
    let refolded = message.replace("Subject: Your statement", "SUBJECT:   Your\r\n\tstatement ");
    assert_eq!(one(&refolded, &zone).result, DkimResult::Pass);
}

#[test]
fn rsa_with_wrong_key_fails() {
    let (message, _) = signed(ed_key());
    let other = SigningKey::ed25519_from_seed(b"attacker");
    let zone = Zone::new().txt("s1._domainkey.bank.example", &[&other.dns_record()]);
    assert_eq!(one(&message, &zone).result, DkimResult::Fail);
}

// --- canonicalization (RFC 6376 §3.4.5) -------------------------------------------

#[test]
fn rfc_6376_section_3_4_5_examples() {
    let header = b"A: X\r\nB : Y\t\r\n\tZ  \r\n";
    let fields = mail::fields(header);
    let relaxed: Vec<Vec<u8>> = fields
        .iter()
        .map(|f| canon::header(f.raw, Canon::Relaxed))
        .collect();
    assert_eq!(relaxed, vec![b"a:X".to_vec(), b"b:Y Z".to_vec()]);
    let simple: Vec<Vec<u8>> = fields
        .iter()
        .map(|f| canon::header(f.raw, Canon::Simple))
        .collect();
    assert_eq!(simple, vec![b"A: X".to_vec(), b"B : Y\t\r\n\tZ  ".to_vec()]);
    let body = b" C \r\nD \t E\r\n\r\n\r\n";
    assert_eq!(canon::body(body, Canon::Relaxed), b" C\r\nD E\r\n");
    assert_eq!(canon::body(body, Canon::Simple), b" C \r\nD \t E\r\n");
}

#[test]
fn empty_bodies() {
    assert_eq!(canon::body(b"", Canon::Simple), b"\r\n");
    assert_eq!(canon::body(b"", Canon::Relaxed), b"");
    assert_eq!(canon::body(b"\r\n\r\n", Canon::Relaxed), b"");
    assert_eq!(canon::body(b"x", Canon::Relaxed), b"x\r\n");
    assert_eq!(canon::body(b"x", Canon::Simple), b"x\r\n");
}

/// Signs MESSAGE by hand with the given extra tags and canonicalization, for
/// the cases `sign` never produces.
fn hand_signed(key: &SigningKey, c: (Canon, Canon), tags: &str, length: Option<usize>) -> String {
    let message = MESSAGE.as_bytes();
    let (header, body) = mail::split(message);
    let fields = mail::fields(header);
    let mut canonical = canon::body(body, c.1);
    if let Some(l) = length {
        canonical.truncate(l);
    }
    let bh = STANDARD.encode(Sha256::digest(&canonical));
    let cname = |c: Canon| {
        if c == Canon::Simple {
            "simple"
        } else {
            "relaxed"
        }
    };
    let unsigned = format!(
        "DKIM-Signature: v=1; a={}; c={}/{}; d=bank.example; s=s1;\r\n h=from:subject; {tags}bh={bh}; b=",
        key.algorithm().as_str(),
        cname(c.0),
        cname(c.1)
    );
    let names = vec!["from".to_string(), "subject".to_string()];
    let data = canon::signed_data(&fields, &names, unsigned.as_bytes(), c.0);
    let b = STANDARD.encode(key.sign_data(&data).unwrap());
    format!("{unsigned}{b}\r\n{MESSAGE}")
}

fn ed_zone() -> Zone {
    Zone::new().txt("s1._domainkey.bank.example", &[&ed_key().dns_record()])
}

#[test]
fn simple_canonicalization() {
    let message = hand_signed(&ed_key(), (Canon::Simple, Canon::Simple), "", None);
    assert_eq!(one(&message, &ed_zone()).result, DkimResult::Pass);
    // Under simple, even whitespace in a signed field breaks the signature.
    let v = one(
        &message.replace("Subject: Your", "Subject:  Your"),
        &ed_zone(),
    );
    assert_eq!(v.result, DkimResult::Fail);
    // ... and in the body.
    let v = one(&message.replace("Dear Bob,", "Dear Bob, "), &ed_zone());
    assert_eq!(v.result, DkimResult::Fail);
}

#[test]
fn body_length_limit() {
    let message = hand_signed(
        &ed_key(),
        (Canon::Relaxed, Canon::Relaxed),
        "l=11; ",
        Some(11),
    );
    let v = one(&format!("{message}P.S. click here\r\n"), &ed_zone());
    assert_eq!(v.result, DkimResult::Pass, "{}", v.reason);
    assert!(v.reason.contains("Only the first 11 bytes"), "{}", v.reason);
    let too_long = hand_signed(
        &ed_key(),
        (Canon::Relaxed, Canon::Relaxed),
        "l=5000; ",
        None,
    );
    assert_eq!(one(&too_long, &ed_zone()).result, DkimResult::Fail);
}

// --- keys and records ---------------------------------------------------------

#[test]
fn revoked_key_is_permerror() {
    let (message, _) = signed(ed_key());
    let zone = Zone::new().txt("s1._domainkey.bank.example", &["v=DKIM1; k=ed25519; p="]);
    let v = one(&message, &zone);
    assert_eq!(v.result, DkimResult::PermError);
    assert!(v.reason.contains("revoked"), "{}", v.reason);
}

#[test]
fn missing_key_is_permerror_and_lookup_failure_temperror() {
    let (message, _) = signed(ed_key());
    let v = one(&message, &Zone::new());
    assert_eq!(v.result, DkimResult::PermError);
    assert_eq!(v.rfc, "RFC 6376 §6.1.2");
    let zone = Zone::new().txt_answer("s1._domainkey.bank.example", TxtAnswer::TempError);
    assert_eq!(one(&message, &zone).result, DkimResult::TempError);
}

#[test]
fn key_record_rules() {
    let (message, _) = signed(ed_key());
    let p = ed_key()
        .dns_record()
        .rsplit_once("p=")
        .unwrap()
        .1
        .to_string();
    for (record, expected) in [
        (format!("v=DKIM1; k=ed25519; p={p}"), DkimResult::Pass),
        (format!("k=ed25519; p={p}"), DkimResult::Pass),
        (
            format!("v=DKIM1; k=ed25519; h=sha256; s=email; p={p}"),
            DkimResult::Pass,
        ),
        (format!("v=DKIM1; k=rsa; p={p}"), DkimResult::PermError),
        (format!("v=DKIM1; p={p}"), DkimResult::PermError),
        (
            format!("v=DKIM1; k=ed25519; h=sha1; p={p}"),
            DkimResult::PermError,
        ),
        (
            format!("v=DKIM1; k=ed25519; s=tlsrpt; p={p}"),
            DkimResult::PermError,
        ),
        (format!("k=ed25519; v=DKIM1; p={p}"), DkimResult::PermError),
        (format!("v=DKIM1; k=ed25519; t=s; p={p}"), DkimResult::Pass),
        (
            "v=DKIM1; k=ed25519; p=AAAA".to_string(),
            DkimResult::PermError,
        ),
    ] {
        let zone = Zone::new().txt("s1._domainkey.bank.example", &[&record]);
        assert_eq!(one(&message, &zone).result, expected, "{record}");
    }
}

#[test]
fn strict_flag_refuses_a_subdomain_identity() {
    let message = hand_signed(
        &ed_key(),
        (Canon::Relaxed, Canon::Relaxed),
        "i=alice@mail.bank.example; ",
        None,
    );
    assert_eq!(one(&message, &ed_zone()).result, DkimResult::Pass);
    let p = ed_key().dns_record();
    let zone = Zone::new().txt(
        "s1._domainkey.bank.example",
        &[&p.replace("k=ed25519;", "k=ed25519; t=s;")],
    );
    assert_eq!(one(&message, &zone).result, DkimResult::PermError);
    let foreign = hand_signed(
        &ed_key(),
        (Canon::Relaxed, Canon::Relaxed),
        "i=@evil.example; ",
        None,
    );
    assert_eq!(one(&foreign, &ed_zone()).result, DkimResult::PermError);
}

#[test]
fn rsa_keys_under_1024_bits_are_permerror() {
    use rand_core::SeedableRng as _;
    use rsa::pkcs8::EncodePublicKey as _;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let small = rsa::RsaPrivateKey::new(&mut rng, 512).unwrap();
    let spki = rsa::RsaPublicKey::from(&small).to_public_key_der().unwrap();
    let key = SigningKey::Rsa(Box::new(small));
    let message = hand_signed(&key, (Canon::Relaxed, Canon::Relaxed), "", None);
    let record = format!("v=DKIM1; k=rsa; p={}", STANDARD.encode(spki.as_bytes()));
    let zone = Zone::new().txt("s1._domainkey.bank.example", &[&record]);
    let v = one(&message, &zone);
    assert_eq!(v.result, DkimResult::PermError);
    assert_eq!(v.rfc, "RFC 8301 §3.2");
}

// --- the signature field -------------------------------------------------------

#[test]
fn rsa_sha1_and_unknown_algorithms_are_permerror() {
    let (message, zone) = signed(ed_key());
    let v = one(
        &message.replacen("a=ed25519-sha256", "a=rsa-sha1", 1),
        &zone,
    );
    assert_eq!((v.result, v.rfc), (DkimResult::PermError, "RFC 8301 §3.1"));
    let v = one(
        &message.replacen("a=ed25519-sha256", "a=ed448-sha512", 1),
        &zone,
    );
    assert_eq!(v.result, DkimResult::PermError);
}

#[test]
fn malformed_signatures_are_permerror() {
    for field in [
        "DKIM-Signature: garbage\r\n",
        "DKIM-Signature: v=1; v=1; a=rsa-sha256\r\n",
        "DKIM-Signature: v=2; a=ed25519-sha256; d=bank.example; s=s1; h=from; bh=AAAA; b=AAAA\r\n",
        "DKIM-Signature: v=1; a=ed25519-sha256; d=bank.example; s=s1; h=subject; bh=AAAA; b=AAAA\r\n",
        "DKIM-Signature: v=1; a=ed25519-sha256; d=bank.example; s=s1; h=from; bh=AAAA\r\n",
        "DKIM-Signature: v=1; a=ed25519-sha256; c=fancy; d=bank.example; s=s1; h=from; bh=AAAA; b=AAAA\r\n",
        "DKIM-Signature: v=1; a=ed25519-sha256; q=http; d=bank.example; s=s1; h=from; bh=AAAA; b=AAAA\r\n",
        "DKIM-Signature: v=1; a=ed25519-sha256; d=bank.example; s=s1; h=from; bh=!!; b=AAAA\r\n",
    ] {
        let v = one(&format!("{field}{MESSAGE}"), &ed_zone());
        assert_eq!(v.result, DkimResult::PermError, "{field}");
        assert!(v.reason.ends_with('.'), "{}", v.reason);
    }
    let v = one(&format!("DKIM-Signature: garbage\r\n{MESSAGE}"), &ed_zone());
    assert_eq!(v.domain, "");
}

#[test]
fn expired_signature_is_permerror() {
    let message = hand_signed(
        &ed_key(),
        (Canon::Relaxed, Canon::Relaxed),
        "t=1704099600; x=1704099650; ",
        None,
    );
    let v = one(&message, &ed_zone());
    assert_eq!(v.result, DkimResult::PermError);
    assert!(v.reason.contains("expired"), "{}", v.reason);
    let verdicts = verify(message.as_bytes(), &ed_zone(), 1_704_099_640);
    assert_eq!(verdicts[0].result, DkimResult::Pass);
}

#[test]
fn unsigned_message_gives_no_verdicts() {
    assert!(verify(MESSAGE.as_bytes(), &ed_zone(), 0).is_empty());
    assert!(verify(b"", &ed_zone(), 0).is_empty());
    assert!(verify(b"\r\n\r\n", &ed_zone(), 0).is_empty());
}

#[test]
fn at_most_eight_signatures_are_checked() {
    let (message, zone) = signed(ed_key());
    let field_end = message.find("From:").unwrap();
    let field = &message[..field_end];
    let many = format!("{}{MESSAGE}", field.repeat(10));
    let verdicts = verify(many.as_bytes(), &zone, 1_704_099_700);
    assert_eq!(verdicts.len(), 8);
    assert!(verdicts.iter().all(|v| v.result == DkimResult::Pass));
}
