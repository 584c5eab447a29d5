//! DKIM (RFC 6376) with random and mutated messages and key records, and
//! signing keys read from hostile text.

use super::*;

fn ed_key() -> SigningKey {
    SigningKey::ed25519_from_seed(b"hostile tests")
}

/// The record of an RSA public key with a `bits`-bit modulus (all ones: not
/// a real key, but the verifier cannot tell without doing the arithmetic).
fn rsa_record(bits: usize) -> String {
    let n = rsa::BigUint::from_bytes_be(&vec![0xff; bits / 8]);
    let key = rsa::RsaPublicKey::new_unchecked(n, rsa::BigUint::from(65_537u32));
    let der = key.to_public_key_der().unwrap();
    format!("v=DKIM1; k=rsa; p={}", STANDARD.encode(der.as_bytes()))
}

fn key_record() -> impl Strategy<Value = TxtAnswer> {
    let one = prop_oneof![
        Just(ed_key().dns_record()),
        Just(rsa_record(16_384)),
        Just(rsa_record(4_104)),
        Just(rsa_record(512)),
        Just(format!("{}; t=s:y; h=sha1", ed_key().dns_record())),
        "[A-Za-z0-9+/=]{0,200}".prop_map(|p| format!("v=DKIM1; k=rsa; p={p}")),
        "[A-Za-z0-9+/=]{0,60}".prop_map(|p| format!("v=DKIM1; k=ed25519; p={p}")),
        "[a-z0-9]{1,10}".prop_map(|k| format!("v=DKIM1; k={k}; p=AAAA")),
        Just("v=DKIM1; p=".to_string()),
        Just("p=AAAA; v=DKIM1".to_string()),
        "\\PC{0,60}",
    ];
    prop_oneof![
        6 => prop::collection::vec(one, 1..3).prop_map(TxtAnswer::Records),
        1 => Just(TxtAnswer::NxDomain),
        1 => Just(TxtAnswer::NoRecords),
        1 => Just(TxtAnswer::TempError),
    ]
}

fn tag_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z"])
            .prop_map(str::to_string),
        1 => "[a-z][a-z0-9_]{0,3}",
        1 => "[!-~]{0,3}",
    ]
}

fn tag_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9+/=]{0,60}",
        "[ -~]{0,20}",
        "[0-9]{1,25}",
        Just("1".to_string()),
        Just("ed25519-sha256".to_string()),
        Just("rsa-sha256".to_string()),
        Just("rsa-sha1".to_string()),
        prop::sample::select(vec![
            "relaxed/relaxed",
            "simple",
            "relaxed/simple",
            "bogus/x",
            "/"
        ])
        .prop_map(str::to_string),
        Just("from:to:subject".to_string()),
        Just("From : from:FROM".to_string()),
        Just("bank.example".to_string()),
        Just("s1".to_string()),
        Just("@bank.example".to_string()),
        Just("dns/txt".to_string()),
        Just("99999999999999999999999999".to_string()),
        "\\PC{0,10}",
    ]
}

/// Ways to break a header field over lines, valid and not.
fn fold() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ",
        " ",
        " ",
        "\r\n ",
        "\r\n\t",
        "\n ",
        "\r\n",
        "\n",
        "\r",
        "\r\n \r\n ",
    ])
}

fn signature_field() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((tag_name(), tag_value(), fold()), 0..14).prop_map(|tags| {
        let mut field = b"DKIM-Signature:".to_vec();
        for (name, value, fold) in tags {
            field.extend_from_slice(fold.as_bytes());
            field.extend_from_slice(format!("{name}={value};").as_bytes());
        }
        field.extend_from_slice(b"\r\n");
        field
    })
}

fn other_field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"From: Alice <alice@bank.example>\r\n".to_vec()),
        Just(b"To: bob@shop.example\r\n".to_vec()),
        ("[a-zA-Z-]{1,12}", "\\PC{0,30}").prop_map(|(n, v)| format!("{n}: {v}\r\n").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![signature_field(), other_field()];
    (
        prop::collection::vec(field, 0..16),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::sample::select(vec!["\r\n", "\n", "", "\r\n\r\n"]),
    )
        .prop_map(|(fields, body, separator)| {
            let mut out = fields.concat();
            out.extend_from_slice(separator.as_bytes());
            out.extend_from_slice(&body);
            out
        })
}

/// A genuinely signed message, then changed at random.
fn signed_then_mutated() -> impl Strategy<Value = Vec<u8>> {
    let mutation = (any::<prop::sample::Index>(), any::<u8>(), 0u8..4);
    (
        "\\PC{0,80}",
        prop::collection::vec(mutation, 0..4),
        0usize..3,
    )
        .prop_map(|(body, mutations, extra)| {
            let base = format!(
                "From: Alice <alice@bank.example>\r\nTo: bob@shop.example\r\nSubject: hi\r\n\r\n{body}\r\n"
            );
            let signer = Signer::new("bank.example", "s1", ed_key());
            let signature = dkim::sign(base.as_bytes(), &signer, NOW);
            let mut message = signature.repeat(extra + 1).into_bytes();
            message.extend_from_slice(base.as_bytes());
            for (at, byte, kind) in mutations {
                let i = at.index(message.len().max(1));
                match kind {
                    0 if i < message.len() => message[i] = byte,
                    1 => message.insert(i.min(message.len()), byte),
                    2 => message.truncate(i),
                    _ => {}
                }
            }
            message
        })
}

fn dkim_zone() -> impl Strategy<Value = Dns> {
    key_record().prop_map(|answer| Dns {
        any_txt: Some(answer),
        ..Dns::default()
    })
}

fn check_dkim(message: &[u8], verdicts: &[DkimVerdict], dns: &Dns) -> Result<(), TestCaseError> {
    let known = [
        "none",
        "pass",
        "fail",
        "neutral",
        "temperror",
        "permerror",
        "policy",
    ];
    prop_assert!(verdicts.len() <= 8);
    for v in verdicts {
        prop_assert!(known.contains(&v.result.as_str()));
        prop_assert!(!v.reason.is_empty());
        prop_assert!(v.rfc.starts_with("RFC "));
        prop_assert!(v.b_prefix.chars().count() <= 8);
        prop_assert!(
            v.reason.len() <= 2_000,
            "a reason of {} bytes",
            v.reason.len()
        );
    }
    // One key lookup per signature, at most 8, and nothing else.
    prop_assert!(dns.txt_calls.get() as usize <= verdicts.len());
    prop_assert_eq!(dns.addr_calls.get() + dns.mx_calls.get(), 0);
    prop_assert!(
        dns.longest_name.get() <= 253,
        "a key name of {} bytes",
        dns.longest_name.get()
    );
    // Authentication-Results can always record the verdicts.
    let spf = spf::check_host(
        &Dns::default(),
        "192.0.2.1".parse().unwrap(),
        "h.test",
        "x@y.test",
    );
    let field = results::authentication_results("mx.test", &spf, verdicts, None);
    check_field(&field)?;
    let _ = message;
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn dkim_random_bytes(message in prop::collection::vec(any::<u8>(), 0..600), dns in dkim_zone()) {
        let verdicts = dkim::verify(&message, &dns, NOW);
        check_dkim(&message, &verdicts, &dns)?;
    }

    #[test]
    fn dkim_malformed_signatures(message in message(), dns in dkim_zone()) {
        let verdicts = dkim::verify(&message, &dns, NOW);
        check_dkim(&message, &verdicts, &dns)?;
    }

    #[test]
    fn dkim_signed_then_mutated(message in signed_then_mutated(), dns in dkim_zone(), now in any::<i64>()) {
        let verdicts = dkim::verify(&message, &dns, now);
        check_dkim(&message, &verdicts, &dns)?;
    }
}

proptest! {
    #![proptest_config(config(20))]

    /// Many signatures, some huge: at most 8 are checked, 8 keys fetched.
    #[test]
    fn dkim_many_signatures(count in 9usize..300, copies in 1usize..3) {
        let base = "From: a@bank.example\r\nSubject: x\r\n\r\nbody\r\n";
        let signer = Signer::new("bank.example", "s1", ed_key());
        let signature = dkim::sign(base.as_bytes(), &signer, NOW);
        let mut message = signature.repeat(count);
        message.push_str(&base.repeat(copies));
        let dns = Dns { any_txt: Some(TxtAnswer::Records(vec![ed_key().dns_record()])), ..Dns::default() };
        let verdicts = dkim::verify(message.as_bytes(), &dns, NOW);
        prop_assert_eq!(verdicts.len(), 8);
        prop_assert!(dns.txt_calls.get() <= 8);
        check_dkim(message.as_bytes(), &verdicts, &dns)?;
    }
}

#[test]
fn dkim_refuses_rsa_keys_over_4096_bits() {
    let message = format!(
        "DKIM-Signature: v=1; a=rsa-sha256; d=bank.example; s=big; h=from; bh={}; b={}\r\nFrom: a@bank.example\r\n\r\nbody\r\n",
        STANDARD.encode([0u8; 32]),
        STANDARD.encode(vec![0x5a; 2048]),
    );
    for bits in [4_104, 8_192, 16_384] {
        let dns = Dns {
            any_txt: Some(TxtAnswer::Records(vec![rsa_record(bits)])),
            ..Dns::default()
        };
        let verdicts = dkim::verify(message.as_bytes(), &dns, NOW);
        assert_eq!(verdicts.len(), 1);
        let v = &verdicts[0];
        assert_eq!(v.result, DkimResult::PermError, "{v:?}");
        assert_eq!(v.rfc, "RFC 8301 §3.2", "{v:?}");
        assert!(v.reason.contains(&bits.to_string()), "{v:?}");
        assert!(v.reason.contains("4096"), "{v:?}");
    }
}

/// Huge header sections: many fields, a huge h= list, a huge tag list.
#[test]
fn dkim_huge_header_sections_are_quick() {
    let names: Vec<String> = (0..60_000).map(|i| format!("x{i}")).collect();
    let mut message = format!(
        "DKIM-Signature: v=1; a=ed25519-sha256; d=bank.example; s=s1; bh={}; b=AAAA; h=from:{}\r\n",
        STANDARD.encode([0u8; 32]),
        names.join(":"),
    );
    // A second signature: 60 000 distinct tags.
    message.push_str("DKIM-Signature: ");
    for name in &names {
        message.push_str(&format!("{name}=1; "));
    }
    message.push_str("\r\n");
    for name in &names {
        message.push_str(&format!("{name}: value\r\n"));
    }
    message.push_str("From: a@bank.example\r\n\r\nbody\r\n");
    let dns = Dns {
        any_txt: Some(TxtAnswer::Records(vec![ed_key().dns_record()])),
        ..Dns::default()
    };
    let start = Instant::now();
    let verdicts = dkim::verify(message.as_bytes(), &dns, NOW);
    let elapsed = start.elapsed();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0].result, DkimResult::Fail, "{:?}", verdicts[0]);
    assert_eq!(verdicts[1].result, DkimResult::PermError);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn dkim_huge_l_and_huge_fields() {
    let bh = STANDARD.encode([0u8; 32]);
    let long = "a".repeat(1 << 20);
    for l in ["999999999999999999999999", "18446744073709551615", "5", "0"] {
        let message = format!(
            "DKIM-Signature: v=1; a=ed25519-sha256; d=bank.example; s={long}; h=from; l={l}; bh={bh}; b=AAAA; z={long}\r\nFrom: a@bank.example\r\nSubject: {long}\r\n\r\nbody\r\n"
        );
        let dns = Dns {
            any_txt: Some(TxtAnswer::Records(vec![ed_key().dns_record()])),
            ..Dns::default()
        };
        let verdicts = dkim::verify(message.as_bytes(), &dns, NOW);
        assert_eq!(verdicts.len(), 1);
        assert!(verdicts[0].reason.len() <= 2_000);
        assert!(dns.longest_name.get() <= 253);
    }
}

// --------------------------------------------------------- Signing keys ----

fn private_key_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,200}",
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|b| STANDARD.encode(b)),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(b)
        )),
        Just("-----BEGIN".to_string()),
        Just(STANDARD.encode([7u8; 32])),
        "[A-Za-z0-9+/= \n]{0,100}",
    ]
}

/// A PKCS#1 private key whose numbers are `bits` bits long (not a real key).
fn fake_rsa_private_key(bits: usize) -> String {
    let big = vec![0xffu8; bits / 8];
    let half = vec![0xffu8; bits / 16];
    let three = [3u8];
    fn uint(b: &[u8]) -> rsa::pkcs1::UintRef<'_> {
        rsa::pkcs1::UintRef::new(b).unwrap()
    }
    let key = rsa::pkcs1::RsaPrivateKey {
        modulus: uint(&big),
        public_exponent: uint(&three),
        private_exponent: uint(&big),
        prime1: uint(&half),
        prime2: uint(&half),
        exponent1: uint(&half),
        exponent2: uint(&half),
        coefficient: uint(&half),
        other_prime_infos: None,
    };
    STANDARD.encode(key.to_der().unwrap())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn signing_keys_from_hostile_text(text in private_key_text(), rsa in any::<bool>()) {
        let algorithm = if rsa { Algorithm::RsaSha256 } else { Algorithm::Ed25519Sha256 };
        if let Ok(key) = SigningKey::from_base64(algorithm, &text) {
            prop_assert_eq!(key.algorithm(), algorithm);
            prop_assert!(!key.dns_record().is_empty());
        }
    }
}

#[test]
fn signing_keys_outside_1024_to_4096_bits_are_refused_quickly() {
    let start = Instant::now();
    for bits in [8_192, 65_536] {
        let text = fake_rsa_private_key(bits);
        assert_eq!(
            SigningKey::from_base64(Algorithm::RsaSha256, &text).unwrap_err(),
            KeyError::RsaSize(bits)
        );
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(matches!(
        SigningKey::from_base64(Algorithm::RsaSha256, &fake_rsa_private_key(2048)),
        Err(KeyError::NotAKey(..))
    ));
}
