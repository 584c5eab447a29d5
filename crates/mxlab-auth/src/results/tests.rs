use super::*;
use crate::dkim::{DkimResult, DkimVerdict};
use crate::dmarc::{Disposition, DmarcResult, DmarcVerdict};
use crate::spf::{SpfIdentity, SpfResult, SpfVerdict};

fn spf(result: SpfResult, identity: SpfIdentity) -> SpfVerdict {
    SpfVerdict {
        result,
        identity,
        domain: "bank.example".to_string(),
        sender: "alice@bank.example".to_string(),
        mechanism: Some("-all".to_string()),
        lookups: 0,
        reason: String::new(),
        rfc: "RFC 7208 §2.6.4",
    }
}

fn dkim(result: DkimResult) -> DkimVerdict {
    DkimVerdict {
        result,
        domain: "bank.example".to_string(),
        selector: "s1".to_string(),
        algorithm: "ed25519-sha256".to_string(),
        b_prefix: "/gCrinpc".to_string(),
        reason: String::new(),
        rfc: "RFC 6376 §6.1.3",
    }
}

fn dmarc(result: DmarcResult) -> DmarcVerdict {
    DmarcVerdict {
        result,
        from_domain: "bank.example".to_string(),
        policy: Some(Disposition::Reject),
        disposition: Disposition::Reject,
        spf_aligned: false,
        dkim_aligned: false,
        reason: String::new(),
        rfc: "RFC 7489 §6.6.2",
    }
}

fn lines_fit(field: &str) -> bool {
    field.split("\r\n").all(|l| l.len() <= 78)
}

#[test]
fn full_authentication_results() {
    let field = authentication_results(
        "mx.shop.example",
        &spf(SpfResult::Fail, SpfIdentity::MailFrom),
        &[dkim(DkimResult::Fail)],
        Some(&dmarc(DmarcResult::Fail)),
    );
    assert_eq!(
        field,
        "Authentication-Results: mx.shop.example;\r\n spf=fail (matched -all) smtp.mailfrom=alice@bank.example;\r\n dkim=fail (ed25519-sha256) header.d=bank.example header.s=s1\r\n   header.b=/gCrinpc;\r\n dmarc=fail (p=REJECT dis=REJECT) header.from=bank.example\r\n"
    );
    assert!(lines_fit(&field));
    assert_eq!(
        parse_results(&field),
        vec![
            ("spf".to_string(), "fail".to_string()),
            ("dkim".to_string(), "fail".to_string()),
            ("dmarc".to_string(), "fail".to_string())
        ]
    );
}

#[test]
fn unsigned_message_and_helo_identity() {
    let field = authentication_results(
        "mx.shop.example",
        &spf(SpfResult::Pass, SpfIdentity::Helo),
        &[],
        None,
    );
    assert!(field.contains("smtp.helo=bank.example"), "{field}");
    assert!(field.contains("dkim=none"), "{field}");
    assert!(!field.contains("dmarc"));
    assert!(field.ends_with("\r\n"));
    let pairs = parse_results(&field);
    assert_eq!(pairs[1], ("dkim".to_string(), "none".to_string()));
}

#[test]
fn several_signatures_and_unreadable_ones() {
    let mut broken = dkim(DkimResult::PermError);
    broken.domain.clear();
    broken.selector.clear();
    broken.b_prefix.clear();
    let field = authentication_results(
        "mx",
        &spf(SpfResult::Pass, SpfIdentity::MailFrom),
        &[dkim(DkimResult::Pass), broken],
        Some(&dmarc(DmarcResult::Pass)),
    );
    let methods: Vec<String> = parse_results(&field)
        .into_iter()
        .map(|(m, r)| format!("{m}={r}"))
        .collect();
    assert_eq!(
        methods,
        ["spf=pass", "dkim=pass", "dkim=permerror", "dmarc=pass"]
    );
}

#[test]
fn parse_results_reads_other_writers() {
    let gmail = "mx.google.com;\r\n       dkim=pass header.i=@bank.example header.s=s1 header.b=abc;\r\n       spf=pass (google.com: domain of a@bank.example designates 192.0.2.1 as permitted sender; really) smtp.mailfrom=a@bank.example;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=bank.example";
    let methods: Vec<String> = parse_results(gmail)
        .into_iter()
        .map(|(m, r)| format!("{m}={r}"))
        .collect();
    assert_eq!(methods, ["dkim=pass", "spf=pass", "dmarc=pass"]);
    assert!(parse_results("example.org 1; none").is_empty());
    assert_eq!(
        parse_results("Authentication-Results: x; dkim/1=PASS"),
        vec![("dkim".to_string(), "pass".to_string())]
    );
    assert!(parse_results("").is_empty());
}

#[test]
fn received_spf_fields() {
    let pass = SpfVerdict {
        result: SpfResult::Pass,
        ..spf(SpfResult::Pass, SpfIdentity::MailFrom)
    };
    let field = received_spf(
        "mx.shop.example",
        &pass,
        "192.0.2.9".parse().unwrap(),
        "mail.bank.example",
    );
    assert_eq!(
        field.replace("\r\n ", " "),
        "Received-SPF: pass (mx.shop.example: domain of alice@bank.example designates 192.0.2.9 as permitted sender) client-ip=192.0.2.9; envelope-from=\"alice@bank.example\"; helo=mail.bank.example;\r\n"
    );
    assert!(lines_fit(&field), "{field}");
    for result in [
        SpfResult::Fail,
        SpfResult::SoftFail,
        SpfResult::Neutral,
        SpfResult::None,
        SpfResult::TempError,
        SpfResult::PermError,
    ] {
        let field = received_spf(
            "mx",
            &spf(result, SpfIdentity::MailFrom),
            "2001:db8::1".parse().unwrap(),
            "h.example",
        );
        assert!(
            field.starts_with(&format!("Received-SPF: {} (mx: ", result.as_str())),
            "{field}"
        );
        assert!(field.contains("client-ip=2001:db8::1;"));
    }
}
