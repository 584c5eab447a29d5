use super::*;
use crate::dkim::{DkimResult, DkimVerdict};
use crate::dns::Zone;
use crate::spf::{SpfIdentity, SpfResult, SpfVerdict};
use crate::TxtAnswer;

fn message(from: &str) -> String {
    format!("From: {from}\r\nTo: bob@shop.example\r\nSubject: hi\r\n\r\nHello.\r\n")
}

fn spf(result: SpfResult, domain: &str) -> SpfVerdict {
    SpfVerdict {
        result,
        identity: SpfIdentity::MailFrom,
        domain: domain.to_string(),
        sender: format!("bounce@{domain}"),
        mechanism: None,
        lookups: 0,
        reason: String::new(),
        rfc: "RFC 7208 §2.6.3",
    }
}

fn dkim(result: DkimResult, domain: &str) -> DkimVerdict {
    DkimVerdict {
        result,
        domain: domain.to_string(),
        selector: "s1".to_string(),
        algorithm: "ed25519-sha256".to_string(),
        b_prefix: "abcdefgh".to_string(),
        reason: String::new(),
        rfc: "RFC 6376 §6.1.3",
    }
}

fn zone(record: &str) -> Zone {
    Zone::new().txt("_dmarc.bank.example", &[record])
}

const ALICE: &str = "Alice <alice@bank.example>";

#[test]
fn organizational_domains() {
    assert_eq!(organizational_domain("bank.example"), "bank.example");
    assert_eq!(
        organizational_domain("Mail.Eu.Bank.Example."),
        "bank.example"
    );
    assert_eq!(organizational_domain("example"), "example");
    assert_eq!(organizational_domain("shop.co.uk"), "shop.co.uk");
    assert_eq!(organizational_domain("mail.shop.co.uk"), "shop.co.uk");
    assert_eq!(organizational_domain("co.uk"), "co.uk");
    assert_eq!(organizational_domain("a.b.test"), "b.test");
}

#[test]
fn aligned_spf_pass() {
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Pass, "bank.example"),
        &[],
        &zone("v=DMARC1; p=reject"),
        0,
    );
    assert_eq!(v.result, DmarcResult::Pass);
    assert!(v.spf_aligned && !v.dkim_aligned);
    assert_eq!(v.disposition, Disposition::None);
    assert_eq!(v.policy, Some(Disposition::Reject));
    assert_eq!(v.from_domain, "bank.example");
    assert!(
        v.reason.contains("SPF passed for bank.example"),
        "{}",
        v.reason
    );
}

#[test]
fn aligned_dkim_pass_despite_spf_fail() {
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Fail, "bank.example"),
        &[
            dkim(DkimResult::Fail, "bank.example"),
            dkim(DkimResult::Pass, "bank.example"),
        ],
        &zone("v=DMARC1; p=reject"),
        0,
    );
    assert_eq!(v.result, DmarcResult::Pass);
    assert!(v.dkim_aligned && !v.spf_aligned);
}

#[test]
fn unaligned_passes_fail() {
    // SPF passes for the forwarder, DKIM passes for a mailing service: neither is bank.example.
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Pass, "fwd.example"),
        &[dkim(DkimResult::Pass, "mailer.example")],
        &zone("v=DMARC1; p=reject"),
        0,
    );
    assert_eq!(v.result, DmarcResult::Fail);
    assert_eq!(v.disposition, Disposition::Reject);
    assert!(
        v.reason.contains("fwd.example") && v.reason.contains("mailer.example"),
        "{}",
        v.reason
    );
    assert!(v.reason.contains("reject it"), "{}", v.reason);
}

#[test]
fn relaxed_and_strict_alignment_with_subdomains() {
    let sub_spf = spf(SpfResult::Pass, "bounces.bank.example");
    let sub_dkim = [dkim(DkimResult::Pass, "mail.bank.example")];
    let relaxed = evaluate(
        message(ALICE).as_bytes(),
        &sub_spf,
        &sub_dkim,
        &zone("v=DMARC1; p=reject"),
        0,
    );
    assert!(relaxed.spf_aligned && relaxed.dkim_aligned);
    assert_eq!(relaxed.result, DmarcResult::Pass);
    let strict = zone("v=DMARC1; p=reject; adkim=s; aspf=s");
    let v = evaluate(message(ALICE).as_bytes(), &sub_spf, &sub_dkim, &strict, 0);
    assert!(!v.spf_aligned && !v.dkim_aligned);
    assert_eq!(v.result, DmarcResult::Fail);
    assert!(v.reason.contains("aspf=s"), "{}", v.reason);
    let exact = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Pass, "BANK.example"),
        &[],
        &strict,
        0,
    );
    assert_eq!(exact.result, DmarcResult::Pass);
    // Only an SPF pass aligns.
    let soft = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::SoftFail, "bank.example"),
        &[],
        &strict,
        0,
    );
    assert!(!soft.spf_aligned);
}

#[test]
fn policies_none_quarantine_reject() {
    let failing = spf(SpfResult::Fail, "bank.example");
    for (p, disposition) in [
        ("none", Disposition::None),
        ("quarantine", Disposition::Quarantine),
        ("reject", Disposition::Reject),
    ] {
        let v = evaluate(
            message(ALICE).as_bytes(),
            &failing,
            &[],
            &zone(&format!("v=DMARC1; p={p}")),
            99,
        );
        assert_eq!(v.result, DmarcResult::Fail);
        assert_eq!(v.policy, Some(disposition));
        assert_eq!(v.disposition, disposition, "{p}");
    }
}

#[test]
fn pct_50_with_rolls_10_and_90() {
    let failing = spf(SpfResult::Fail, "bank.example");
    let z = zone("v=DMARC1; p=reject; pct=50");
    let inside = evaluate(message(ALICE).as_bytes(), &failing, &[], &z, 10);
    assert_eq!(inside.disposition, Disposition::Reject);
    let outside = evaluate(message(ALICE).as_bytes(), &failing, &[], &z, 90);
    assert_eq!(outside.disposition, Disposition::Quarantine);
    assert_eq!(outside.rfc, "RFC 7489 §6.6.4");
    assert!(outside.reason.contains("50%"), "{}", outside.reason);
    let q = zone("v=DMARC1; p=quarantine; pct=50");
    assert_eq!(
        evaluate(message(ALICE).as_bytes(), &failing, &[], &q, 90).disposition,
        Disposition::None
    );
    let zero = zone("v=DMARC1; p=reject; pct=0");
    assert_eq!(
        evaluate(message(ALICE).as_bytes(), &failing, &[], &zero, 0).disposition,
        Disposition::Quarantine
    );
}

#[test]
fn no_record_is_none() {
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Pass, "bank.example"),
        &[],
        &Zone::new(),
        0,
    );
    assert_eq!(v.result, DmarcResult::None);
    assert_eq!(v.policy, None);
    assert_eq!(v.disposition, Disposition::None);
    assert!(v.spf_aligned, "alignment is reported even without a policy");
}

#[test]
fn org_domain_fallback_uses_sp_for_subdomains() {
    let z = zone("v=DMARC1; p=none; sp=reject");
    let from = "Alerts <alerts@mail.bank.example>";
    let v = evaluate(
        message(from).as_bytes(),
        &spf(SpfResult::Fail, "mail.bank.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.from_domain, "mail.bank.example");
    assert_eq!(v.policy, Some(Disposition::Reject));
    assert_eq!(v.disposition, Disposition::Reject);
    assert!(v.reason.contains("subdomains (sp=reject)"), "{}", v.reason);
    assert_eq!(
        z.asked(),
        vec!["TXT _dmarc.mail.bank.example", "TXT _dmarc.bank.example"]
    );
    // Without sp=, p= applies to subdomains too.
    let z = zone("v=DMARC1; p=quarantine");
    let v = evaluate(
        message(from).as_bytes(),
        &spf(SpfResult::Fail, "x.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.policy, Some(Disposition::Quarantine));
    // The organizational domain itself uses p=.
    let z = zone("v=DMARC1; p=none; sp=reject");
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Fail, "x.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.policy, Some(Disposition::None));
}

#[test]
fn subdomain_record_takes_precedence() {
    let z = zone("v=DMARC1; p=reject").txt("_dmarc.mail.bank.example", &["v=DMARC1; p=none"]);
    let v = evaluate(
        message("a@mail.bank.example").as_bytes(),
        &spf(SpfResult::Fail, "x.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.policy, Some(Disposition::None));
}

#[test]
fn record_parsing() {
    let failing = spf(SpfResult::Fail, "bank.example");
    let policy =
        |record: &str| evaluate(message(ALICE).as_bytes(), &failing, &[], &zone(record), 0).policy;
    assert_eq!(
        policy("v=DMARC1; p=reject; foo=bar; rua=mailto:d@bank.example"),
        Some(Disposition::Reject)
    );
    assert_eq!(
        policy("v=DMARC1;p=quarantine"),
        Some(Disposition::Quarantine)
    );
    // p= missing or invalid: none, unless a valid rua= makes it p=none (§6.6.3).
    assert_eq!(policy("v=DMARC1; p=bogus"), None);
    assert_eq!(
        policy("v=DMARC1; rua=mailto:d@bank.example"),
        Some(Disposition::None)
    );
    assert_eq!(
        policy("v=DMARC1; p=bogus; rua=mailto:d@bank.example"),
        Some(Disposition::None)
    );
    // v=DMARC1 must come first and match exactly.
    assert_eq!(policy("p=reject; v=DMARC1"), None);
    assert_eq!(policy("v=dmarc1; p=reject"), None);
    // Bad pct falls back to 100.
    assert_eq!(
        policy("v=DMARC1; p=reject; pct=200"),
        Some(Disposition::Reject)
    );
}

#[test]
fn several_records_count_as_none() {
    let z = Zone::new().txt(
        "_dmarc.bank.example",
        &["v=DMARC1; p=reject", "v=DMARC1; p=none"],
    );
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Fail, "bank.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.result, DmarcResult::None);
    // Other TXT records next to the DMARC record do not matter.
    let z = Zone::new().txt("_dmarc.bank.example", &["hello", "v=DMARC1; p=reject"]);
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Fail, "bank.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.policy, Some(Disposition::Reject));
}

#[test]
fn temperror_on_policy_lookup() {
    let z = Zone::new().txt_answer("_dmarc.bank.example", TxtAnswer::TempError);
    let v = evaluate(
        message(ALICE).as_bytes(),
        &spf(SpfResult::Fail, "bank.example"),
        &[],
        &z,
        0,
    );
    assert_eq!(v.result, DmarcResult::TempError);
}

#[test]
fn from_field_problems_are_permerror() {
    let z = zone("v=DMARC1; p=reject");
    let pass = spf(SpfResult::Pass, "bank.example");
    for msg in [
        "To: bob@shop.example\r\n\r\nno from\r\n".to_string(),
        format!("From: {ALICE}\r\nFrom: eve@evil.example\r\n\r\nx\r\n"),
        message("alice@bank.example, eve@evil.example"),
        message("undisclosed-recipients:;"),
        message("alice"),
    ] {
        let v = evaluate(msg.as_bytes(), &pass, &[], &z, 0);
        assert_eq!(v.result, DmarcResult::PermError, "{msg}");
        assert_eq!(v.from_domain, "");
        assert!(v.reason.ends_with('.'), "{}", v.reason);
    }
    // Two addresses in one domain are one author domain.
    let v = evaluate(
        message("alice@bank.example, Bob <bob@bank.example>").as_bytes(),
        &pass,
        &[],
        &z,
        0,
    );
    assert_eq!(v.result, DmarcResult::Pass);
}

#[test]
fn from_display_names_and_comments_do_not_fool_it() {
    let z = zone("v=DMARC1; p=reject");
    let pass = spf(SpfResult::Pass, "bank.example");
    for from in [
        "\"alice@evil.example\" <alice@bank.example>",
        "alice@bank.example (Alice, from evil.example)",
        "Alice <alice@BANK.EXAMPLE.>",
        "\"Smith, Alice\" <alice@bank.example>",
    ] {
        let v = evaluate(message(from).as_bytes(), &pass, &[], &z, 0);
        assert_eq!(v.from_domain, "bank.example", "{from}");
        assert_eq!(v.result, DmarcResult::Pass, "{from}");
    }
}
