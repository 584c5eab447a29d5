use std::net::IpAddr;

use super::macros::{MacroContext, MacroString};
use super::*;
use crate::dns::Zone;
use crate::{AddressAnswer, MxAnswer, TxtAnswer};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn check(zone: &Zone, client: &str, mail_from: &str) -> SpfVerdict {
    check_host(zone, ip(client), "mail.sender.example", mail_from)
}

/// A zone whose bank.example publishes `record`.
fn bank(record: &str) -> Zone {
    Zone::new().txt("bank.example", &[record])
}

// --- record selection (§4.5) --------------------------------------------

#[test]
fn no_record_is_none() {
    let zone = Zone::new().txt("bank.example", &["google-site-verification=abc"]);
    let v = check(&zone, "192.0.2.9", "alice@bank.example");
    assert_eq!(v.result, SpfResult::None);
    assert_eq!(v.mechanism, None);
    assert!(v.reason.contains("publishes no SPF policy"), "{}", v.reason);
}

#[test]
fn nxdomain_is_none() {
    let v = check(&Zone::new(), "192.0.2.9", "alice@nowhere.example");
    assert_eq!(v.result, SpfResult::None);
    assert!(v.reason.contains("does not exist"), "{}", v.reason);
}

#[test]
fn single_label_domain_is_none() {
    let v = check(&Zone::new(), "192.0.2.9", "alice@localhost");
    assert_eq!(v.result, SpfResult::None);
}

#[test]
fn two_spf_records_are_permerror() {
    let zone = Zone::new().txt("bank.example", &["v=spf1 -all", "v=spf1 +all"]);
    let v = check(&zone, "192.0.2.9", "alice@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert_eq!(v.rfc, "RFC 7208 §4.5");
}

#[test]
fn version_must_be_followed_by_space() {
    // "v=spf10" is not an SPF record; only "v=spf1" and a space or the end.
    let zone = Zone::new().txt("bank.example", &["v=spf10 -all", "V=SPF1 -all"]);
    let v = check(&zone, "192.0.2.9", "alice@bank.example");
    assert_eq!(v.result, SpfResult::Fail);
    let zone = bank("v=spf1");
    assert_eq!(
        check(&zone, "192.0.2.9", "a@bank.example").result,
        SpfResult::Neutral
    );
}

#[test]
fn txt_temperror_is_temperror() {
    let zone = Zone::new().txt_answer("bank.example", TxtAnswer::TempError);
    let v = check(&zone, "192.0.2.9", "alice@bank.example");
    assert_eq!(v.result, SpfResult::TempError);
    assert!(v.reason.contains("4xx"), "{}", v.reason);
}

// --- qualifiers and all ---------------------------------------------------

#[test]
fn qualifiers_on_all() {
    for (record, result) in [
        ("v=spf1 all", SpfResult::Pass),
        ("v=spf1 +all", SpfResult::Pass),
        ("v=spf1 -all", SpfResult::Fail),
        ("v=spf1 ~all", SpfResult::SoftFail),
        ("v=spf1 ?all", SpfResult::Neutral),
    ] {
        let v = check(&bank(record), "192.0.2.9", "alice@bank.example");
        assert_eq!(v.result, result, "{record}");
        assert!(v.reason.ends_with('.'), "{}", v.reason);
    }
}

#[test]
fn fail_reason_names_the_address_and_domain() {
    let v = check(
        &bank("v=spf1 ip4:198.51.100.0/24 -all"),
        "192.0.2.9",
        "alice@bank.example",
    );
    assert_eq!(v.result, SpfResult::Fail);
    assert_eq!(v.mechanism.as_deref(), Some("-all"));
    assert_eq!(v.rfc, "RFC 7208 §2.6.4");
    assert_eq!(
        v.reason,
        "192.0.2.9 is not among the addresses bank.example allows to send its mail (its policy ends in -all)."
    );
    assert_eq!(v.domain, "bank.example");
    assert_eq!(v.sender, "alice@bank.example");
    assert_eq!(v.identity, SpfIdentity::MailFrom);
}

#[test]
fn no_match_without_all_is_neutral() {
    let v = check(
        &bank("v=spf1 ip4:198.51.100.1"),
        "192.0.2.9",
        "alice@bank.example",
    );
    assert_eq!(v.result, SpfResult::Neutral);
    assert_eq!(v.mechanism, None);
}

#[test]
fn first_matching_term_decides() {
    let v = check(
        &bank("v=spf1 -ip4:192.0.2.9 +all"),
        "192.0.2.9",
        "alice@bank.example",
    );
    assert_eq!(v.result, SpfResult::Fail);
    assert_eq!(v.mechanism.as_deref(), Some("-ip4:192.0.2.9"));
}

// --- ip4 / ip6 ------------------------------------------------------------

#[test]
fn ip4_with_cidr() {
    let zone = bank("v=spf1 ip4:192.0.2.0/24 -all");
    let v = check(&zone, "192.0.2.200", "alice@bank.example");
    assert_eq!(v.result, SpfResult::Pass);
    assert_eq!(v.mechanism.as_deref(), Some("ip4:192.0.2.0/24"));
    assert_eq!(v.lookups, 0);
    assert_eq!(
        check(&zone, "192.0.3.1", "alice@bank.example").result,
        SpfResult::Fail
    );
    // An IPv6 client never matches ip4.
    assert_eq!(
        check(&zone, "2001:db8::1", "alice@bank.example").result,
        SpfResult::Fail
    );
}

#[test]
fn ip4_zero_length_matches_everything() {
    let zone = bank("v=spf1 ip4:0.0.0.0/0 -all");
    assert_eq!(
        check(&zone, "203.0.113.5", "a@bank.example").result,
        SpfResult::Pass
    );
}

#[test]
fn ip6_with_cidr() {
    let zone = bank("v=spf1 ip6:2001:db8:1::/48 -all");
    assert_eq!(
        check(&zone, "2001:db8:1:ff::25", "a@bank.example").result,
        SpfResult::Pass
    );
    assert_eq!(
        check(&zone, "2001:db8:2::25", "a@bank.example").result,
        SpfResult::Fail
    );
    assert_eq!(
        check(&zone, "192.0.2.1", "a@bank.example").result,
        SpfResult::Fail
    );
}

#[test]
fn ipv4_mapped_client_is_checked_as_ipv4() {
    let zone = bank("v=spf1 ip4:192.0.2.0/24 -all");
    let v = check(&zone, "::ffff:192.0.2.7", "alice@bank.example");
    assert_eq!(v.result, SpfResult::Pass);
    assert!(v.reason.starts_with("192.0.2.7 "), "{}", v.reason);
}

#[test]
fn bad_cidr_is_permerror() {
    for record in [
        "v=spf1 ip4:192.0.2.0/33 -all",
        "v=spf1 ip4:192.0.2.0/024 -all",
        "v=spf1 ip6:2001:db8::/129 -all",
        "v=spf1 ip4:192.0.2 -all",
        "v=spf1 ip4:192.0.2.0/ -all",
        "v=spf1 a/33 -all",
    ] {
        let v = check(&bank(record), "192.0.2.9", "a@bank.example");
        assert_eq!(v.result, SpfResult::PermError, "{record}");
    }
}

// --- a and mx -------------------------------------------------------------

#[test]
fn a_mechanism_with_and_without_domain() {
    let zone = bank("v=spf1 a a:relay.bank.example -all")
        .a("bank.example", &["198.51.100.1"])
        .a("relay.bank.example", &["192.0.2.9", "2001:db8::9"]);
    let v = check(&zone, "198.51.100.1", "a@bank.example");
    assert_eq!(
        (v.result, v.mechanism.as_deref()),
        (SpfResult::Pass, Some("a"))
    );
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.mechanism.as_deref(), Some("a:relay.bank.example"));
    assert_eq!(v.lookups, 2);
    let v = check(&zone, "2001:db8::9", "a@bank.example");
    assert_eq!(v.result, SpfResult::Pass);
}

#[test]
fn a_with_dual_cidr() {
    let zone = bank("v=spf1 a:relay.bank.example/24//64 -all")
        .a("relay.bank.example", &["192.0.2.1", "2001:db8:5::1"]);
    assert_eq!(
        check(&zone, "192.0.2.77", "a@bank.example").result,
        SpfResult::Pass
    );
    assert_eq!(
        check(&zone, "2001:db8:5::ff", "a@bank.example").result,
        SpfResult::Pass
    );
    assert_eq!(
        check(&zone, "2001:db8:6::1", "a@bank.example").result,
        SpfResult::Fail
    );
    let zone = bank("v=spf1 a//64 -all").a("bank.example", &["2001:db8:5::1"]);
    assert_eq!(
        check(&zone, "2001:db8:5::ff", "a@bank.example").result,
        SpfResult::Pass
    );
}

#[test]
fn mx_mechanism() {
    let zone = bank("v=spf1 mx -all")
        .mx("bank.example", &["mx1.bank.example", "mx2.bank.example"])
        .a("mx1.bank.example", &["198.51.100.1"])
        .a("mx2.bank.example", &["198.51.100.2"]);
    let v = check(&zone, "198.51.100.2", "a@bank.example");
    assert_eq!(
        (v.result, v.mechanism.as_deref()),
        (SpfResult::Pass, Some("mx"))
    );
    assert_eq!(v.lookups, 1);
    assert_eq!(
        check(&zone, "198.51.100.3", "a@bank.example").result,
        SpfResult::Fail
    );
}

#[test]
fn mx_with_cidr() {
    let zone = bank("v=spf1 mx/30 -all")
        .mx("bank.example", &["mx1.bank.example"])
        .a("mx1.bank.example", &["198.51.100.1"]);
    assert_eq!(
        check(&zone, "198.51.100.3", "a@bank.example").result,
        SpfResult::Pass
    );
    assert_eq!(
        check(&zone, "198.51.100.4", "a@bank.example").result,
        SpfResult::Fail
    );
}

#[test]
fn mx_with_more_than_ten_names_is_permerror() {
    let names: Vec<String> = (0..11).map(|i| format!("mx{i}.bank.example")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let zone = bank("v=spf1 mx -all").mx("bank.example", &refs);
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert!(v.reason.contains("more than 10 MX"), "{}", v.reason);
}

#[test]
fn mx_temperror() {
    let zone = bank("v=spf1 mx -all").mx_answer("bank.example", MxAnswer::TempError);
    assert_eq!(
        check(&zone, "192.0.2.9", "a@bank.example").result,
        SpfResult::TempError
    );
    let zone = bank("v=spf1 mx -all")
        .mx("bank.example", &["mx1.bank.example"])
        .a_answer("mx1.bank.example", AddressAnswer::TempError);
    assert_eq!(
        check(&zone, "192.0.2.9", "a@bank.example").result,
        SpfResult::TempError
    );
}

#[test]
fn a_temperror() {
    let zone = bank("v=spf1 a -all").a_answer("bank.example", AddressAnswer::TempError);
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::TempError);
    assert!(v.reason.contains("bank.example"), "{}", v.reason);
}

// --- ptr, exists ------------------------------------------------------------

#[test]
fn ptr_counts_a_lookup_but_never_matches() {
    let v = check(&bank("v=spf1 ptr ?all"), "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::Neutral);
    assert_eq!(v.mechanism.as_deref(), Some("?all"));
    assert_eq!(v.lookups, 1);
}

#[test]
fn exists_with_macros() {
    let zone = bank("v=spf1 exists:%{ir}.%{l1r+}._spf.%{d} -all")
        .a("9.2.0.192.alice._spf.bank.example", &["127.0.0.2"]);
    let v = check(&zone, "192.0.2.9", "alice@bank.example");
    assert_eq!(v.result, SpfResult::Pass, "{}", v.reason);
    assert_eq!(
        check(&zone, "192.0.2.10", "alice@bank.example").result,
        SpfResult::Fail
    );
}

// --- include (§5.2) ---------------------------------------------------------

fn provider(record: &str) -> Zone {
    bank("v=spf1 include:_spf.provider.example -all").txt("_spf.provider.example", &[record])
}

#[test]
fn include_pass_matches() {
    let v = check(
        &provider("v=spf1 ip4:192.0.2.0/24 -all"),
        "192.0.2.9",
        "a@bank.example",
    );
    assert_eq!(v.result, SpfResult::Pass);
    assert_eq!(
        v.mechanism.as_deref(),
        Some("include:_spf.provider.example")
    );
    assert!(
        v.reason.contains("includes _spf.provider.example's"),
        "{}",
        v.reason
    );
    assert_eq!(v.lookups, 1);
}

#[test]
fn include_fail_softfail_neutral_do_not_match() {
    for inner in ["v=spf1 -all", "v=spf1 ~all", "v=spf1 ?all", "v=spf1"] {
        let v = check(&provider(inner), "192.0.2.9", "a@bank.example");
        assert_eq!(v.result, SpfResult::Fail, "{inner}");
        assert_eq!(v.mechanism.as_deref(), Some("-all"));
    }
}

#[test]
fn include_of_domain_without_record_is_permerror() {
    let zone = bank("v=spf1 include:_spf.provider.example -all");
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert_eq!(v.rfc, "RFC 7208 §5.2");
}

#[test]
fn include_errors_propagate() {
    let v = check(
        &provider("v=spf1 ip4:bogus -all"),
        "192.0.2.9",
        "a@bank.example",
    );
    assert_eq!(v.result, SpfResult::PermError);
    let zone = bank("v=spf1 include:_spf.provider.example -all")
        .txt_answer("_spf.provider.example", TxtAnswer::TempError);
    assert_eq!(
        check(&zone, "192.0.2.9", "a@bank.example").result,
        SpfResult::TempError
    );
}

#[test]
fn include_loop_hits_the_lookup_limit() {
    let zone = bank("v=spf1 include:bank.example -all");
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert_eq!(v.lookups, 11);
}

// --- redirect and exp (§6) -----------------------------------------------

#[test]
fn redirect_uses_the_target_policy() {
    let zone = bank("v=spf1 redirect=_spf.bank.example")
        .txt("_spf.bank.example", &["v=spf1 ip4:192.0.2.0/24 -all"]);
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::Pass);
    assert_eq!(v.lookups, 1);
    let v = check(&zone, "203.0.113.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::Fail);
    assert_eq!(v.mechanism.as_deref(), Some("-all"));
    assert!(
        v.reason.contains("redirect=_spf.bank.example"),
        "{}",
        v.reason
    );
}

#[test]
fn redirect_is_used_only_when_nothing_matches() {
    let zone = bank("v=spf1 ip4:203.0.113.9 redirect=_spf.bank.example")
        .txt("_spf.bank.example", &["v=spf1 -all"]);
    assert_eq!(
        check(&zone, "203.0.113.9", "a@bank.example").result,
        SpfResult::Pass
    );
}

#[test]
fn redirect_to_nothing_is_permerror() {
    let v = check(
        &bank("v=spf1 redirect=_spf.bank.example"),
        "192.0.2.9",
        "a@bank.example",
    );
    assert_eq!(v.result, SpfResult::PermError);
    assert_eq!(v.rfc, "RFC 7208 §6.1");
}

#[test]
fn duplicate_modifiers_are_permerror() {
    for record in [
        "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 exp=a.example exp=b.example -all",
    ] {
        assert_eq!(
            check(&bank(record), "192.0.2.9", "a@bank.example").result,
            SpfResult::PermError
        );
    }
}

#[test]
fn exp_and_unknown_modifiers_do_not_change_the_result() {
    let zone = bank("v=spf1 exp=explain._spf.%{d} moo=cow -all");
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::Fail);
    assert_eq!(v.lookups, 0);
}

// --- syntax (§4.6, §12) -----------------------------------------------------

#[test]
fn syntax_errors_anywhere_are_permerror() {
    for record in [
        "v=spf1 -all foo",
        "v=spf1 ip4:192.0.2.9 include",
        "v=spf1 all:x",
        "v=spf1 include:bank",
        "v=spf1 a:foo.123 -all",
        "v=spf1 exists:%{x}.example -all",
        "v=spf1 exists:%{d0}.example -all",
        "v=spf1 exists:%{d.example -all",
        "v=spf1 a:%.example -all",
        "v=spf1 *all",
        "v=spf1 -redirect=x.example",
    ] {
        let v = check(&bank(record), "192.0.2.9", "a@bank.example");
        assert_eq!(v.result, SpfResult::PermError, "{record}");
        assert!(
            v.reason.contains("not a valid term"),
            "{record}: {}",
            v.reason
        );
    }
}

#[test]
fn syntax_error_after_a_match_is_still_permerror() {
    let v = check(&bank("v=spf1 +all bogus"), "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
}

#[test]
fn mechanism_names_are_case_insensitive() {
    let zone = bank("v=spf1 IP4:192.0.2.9 -ALL");
    assert_eq!(
        check(&zone, "192.0.2.9", "a@bank.example").result,
        SpfResult::Pass
    );
}

// --- limits (§4.6.4) ----------------------------------------------------------

#[test]
fn ten_lookups_are_allowed_eleven_are_not() {
    let ten = format!("v=spf1 {} ip4:192.0.2.9 -all", "a ".repeat(10).trim());
    let zone = bank(&ten).a("bank.example", &["198.51.100.1"]);
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!((v.result, v.lookups), (SpfResult::Pass, 10));
    let eleven = format!("v=spf1 {} ip4:192.0.2.9 -all", "a ".repeat(11).trim());
    let zone = bank(&eleven).a("bank.example", &["198.51.100.1"]);
    let v = check(&zone, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert_eq!(v.rfc, "RFC 7208 §4.6.4");
    assert!(
        v.reason.contains("more than 10 DNS lookups"),
        "{}",
        v.reason
    );
}

#[test]
fn lookups_after_a_match_are_not_counted() {
    let record = format!("v=spf1 ip4:192.0.2.9 {} -all", "a ".repeat(11).trim());
    let v = check(&bank(&record), "192.0.2.9", "a@bank.example");
    assert_eq!((v.result, v.lookups), (SpfResult::Pass, 0));
}

#[test]
fn third_void_lookup_is_permerror() {
    let two = bank("v=spf1 a:x1.bank.example a:x2.bank.example ip4:192.0.2.9 -all");
    assert_eq!(
        check(&two, "192.0.2.9", "a@bank.example").result,
        SpfResult::Pass
    );
    let three = bank(
        "v=spf1 a:x1.bank.example mx:x2.bank.example exists:x3.bank.example ip4:192.0.2.9 -all",
    );
    let v = check(&three, "192.0.2.9", "a@bank.example");
    assert_eq!(v.result, SpfResult::PermError);
    assert!(v.reason.contains("found no record"), "{}", v.reason);
}

// --- identities (§2.3, §2.4, §4.3) ---------------------------------------------

#[test]
fn null_sender_checks_helo() {
    let zone = Zone::new().txt("mail.sender.example", &["v=spf1 ip4:192.0.2.9 -all"]);
    for mail_from in ["", "<>"] {
        let v = check(&zone, "192.0.2.9", mail_from);
        assert_eq!(v.identity, SpfIdentity::Helo);
        assert_eq!(v.sender, "postmaster@mail.sender.example");
        assert_eq!(v.domain, "mail.sender.example");
        assert_eq!(v.result, SpfResult::Pass);
    }
}

#[test]
fn empty_local_part_becomes_postmaster() {
    let zone =
        bank("v=spf1 exists:%{l}.bank.example -all").a("postmaster.bank.example", &["127.0.0.1"]);
    let v = check(&zone, "192.0.2.9", "<@bank.example>");
    assert_eq!(v.sender, "postmaster@bank.example");
    assert_eq!(v.result, SpfResult::Pass);
}

// --- macros (§7) ------------------------------------------------------------

fn expand(spec: &str, client: &str) -> String {
    let context = MacroContext {
        sender: "strong-bad@email.example.com",
        local: "strong-bad",
        sender_domain: "email.example.com",
        domain: "email.example.com",
        ip: ip(client),
        helo: "mx.example.org",
    };
    MacroString::parse(spec).unwrap().expand(&context)
}

#[test]
fn rfc_7208_section_7_4_examples() {
    for (spec, expected) in [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        (
            "%{ir}.%{v}._spf.%{d2}",
            "3.2.0.192.in-addr._spf.example.com",
        ),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        (
            "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        ),
        (
            "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
            "3.2.0.192.in-addr.strong.lp._spf.example.com",
        ),
        (
            "%{d2}.trusted-domains.example.net",
            "example.com.trusted-domains.example.net",
        ),
    ] {
        assert_eq!(expand(spec, "192.0.2.3"), expected, "{spec}");
    }
    assert_eq!(
        expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    );
}

#[test]
fn escapes_helo_and_url_encoding() {
    assert_eq!(expand("%%%_%-", "192.0.2.3"), "% %20");
    assert_eq!(expand("%{h}", "192.0.2.3"), "mx.example.org");
    assert_eq!(
        expand("%{S}", "192.0.2.3"),
        "strong-bad%40email.example.com"
    );
    assert_eq!(expand("%{v}", "2001:db8::1"), "ip6");
    assert!(
        MacroString::parse("%{c}").is_none(),
        "c is for explanations only"
    );
    assert!(MacroString::parse("%x").is_none());
}

#[test]
fn long_expansions_are_truncated_from_the_left() {
    let long = format!("{}.bank.example", "a".repeat(60));
    let spec = MacroString::parse("%{d}.%{d}.%{d}.%{d}.x.example").unwrap();
    let context = MacroContext {
        sender: "a@b.example",
        local: "a",
        sender_domain: "b.example",
        domain: &long,
        ip: ip("192.0.2.1"),
        helo: "h.example",
    };
    let truncated = super::macros::truncate_domain(&spec.expand(&context));
    assert!(truncated.len() <= 253);
    assert!(truncated.ends_with(".x.example"));
    assert!(!truncated.starts_with('.'));
}

#[test]
fn expanding_only_the_tail_truncates_the_same() {
    // Every length around the cut: the tail expansion must agree with
    // truncating the whole expansion, wherever the dots fall.
    for label in [1usize, 7, 62, 63, 64, 200, 300] {
        for count in 1..12 {
            for end in ["", ".", ".x.example", "%{d}.", "x%{d}"] {
                let domain = format!("{}.bank.example", "b".repeat(label));
                let spec_text = format!("{}{end}", "%{d}.%{l}".repeat(count));
                let spec = MacroString::parse(&spec_text).unwrap();
                let context = MacroContext {
                    sender: "a@b.example",
                    local: "a.b",
                    sender_domain: "b.example",
                    domain: &domain,
                    ip: ip("192.0.2.1"),
                    helo: "h.example",
                };
                assert_eq!(
                    spec.expand_domain(&context),
                    super::macros::truncate_domain(&spec.expand(&context)),
                    "{spec_text} with {domain}"
                );
            }
        }
    }
}
