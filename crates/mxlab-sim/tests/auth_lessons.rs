//! The mail-authentication presets' lessons come true: what each lesson
//! says about SPF, DKIM and DMARC, checked in the trace of its run and in
//! the messages the mailboxes keep.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mxlab_auth::results::parse_results;
use mxlab_sim::inspect::auth_steps;
use mxlab_sim::trace::{AuthCheck, EventKind};
use mxlab_sim::{Sim, TraceEvent};

/// A preset run to the end with its mailboxes keeping what they store.
fn run_kept(name: &str) -> Sim {
    let mut sim = Sim::new(preset(name), preset(name).seed);
    sim.keep_messages(true);
    sim.run_to_quiescence();
    check_invariants(&sim);
    sim
}

/// The verdicts (check, result, domain, action) taken on `message` at `host`.
fn verdicts(sim: &Sim, host: &str, message: &str) -> Vec<(AuthCheck, String, String, String)> {
    sim.trace()
        .iter()
        .filter(|e| e.message.as_deref() == Some(message) && e.hosts[0] == host)
        .filter_map(|e: TraceEvent| match e.kind {
            EventKind::Auth {
                check,
                result,
                domain,
                action,
                ..
            } => Some((
                check,
                result.to_string(),
                domain.to_string(),
                action.to_string(),
            )),
            _ => None,
        })
        .collect()
}

fn verdict(sim: &Sim, host: &str, message: &str, check: AuthCheck) -> (String, String, String) {
    let all = verdicts(sim, host, message);
    let v = all
        .iter()
        .find(|v| v.0 == check)
        .unwrap_or_else(|| panic!("no {check:?} verdict on {message} at {host}: {all:?}"));
    (v.1.clone(), v.2.clone(), v.3.clone())
}

/// The message `id` as the mailbox (or folder) `mailbox` on `host` keeps it.
fn kept(sim: &Sim, host: &str, mailbox: &str, id: &str) -> Option<String> {
    sim.host(host)?
        .kept
        .iter()
        .find(|m| m.mailbox == mailbox && m.message_id == id)
        .map(|m| m.content.clone())
}

/// The (method, result) pairs of the message's first Authentication-Results.
fn results_of(content: &str) -> Vec<(String, String)> {
    let line = content
        .split("\r\n")
        .scan(String::new(), |_, l| Some(l.to_string()))
        .collect::<Vec<_>>();
    let mut field = String::new();
    let mut inside = false;
    for l in line {
        if l.to_ascii_lowercase()
            .starts_with("authentication-results:")
        {
            inside = true;
            field.push_str(&l["authentication-results:".len()..]);
        } else if inside && (l.starts_with(' ') || l.starts_with('\t')) {
            field.push_str(&l);
        } else if inside {
            break;
        }
    }
    assert!(inside, "no Authentication-Results in:\n{content}");
    parse_results(&field)
}

/// The diagnostic `message` bounced with, if it bounced.
fn refusal(sim: &Sim, message: &str) -> Option<mxlab_sim::Diagnostic> {
    sim.trace()
        .iter()
        .filter(|e| e.message.as_deref() == Some(message))
        .find_map(|e| match &e.kind {
            EventKind::Bounce { diagnostic } => Some((**diagnostic).clone()),
            _ => None,
        })
}

fn has(results: &[(String, String)], method: &str, result: &str) -> bool {
    results.iter().any(|(m, r)| m == method && r == result)
}

#[test]
fn spoofing_real_mail_passes_all_three() {
    let sim = run_kept("dmarc-spoofing");
    let mx = "mx.corp.example";
    assert_eq!(verdict(&sim, mx, "real", AuthCheck::Spf).0, "pass");
    assert_eq!(verdict(&sim, mx, "real", AuthCheck::Dkim).0, "pass");
    assert_eq!(verdict(&sim, mx, "real", AuthCheck::Dkim).1, "bank.example");
    assert_eq!(verdict(&sim, mx, "real", AuthCheck::Dmarc).0, "pass");
    let content = kept(&sim, mx, "bob@corp.example", "real").expect("delivered to Bob");
    let r = results_of(&content);
    assert!(
        has(&r, "spf", "pass") && has(&r, "dkim", "pass") && has(&r, "dmarc", "pass"),
        "{r:?}"
    );
    // The submission server signed it; the signature rides above its Received.
    assert!(content.contains("DKIM-Signature:"), "{content}");
    assert!(content.contains("Received-SPF: pass"), "{content}");
}

#[test]
fn spoofing_ceo_forgery_is_refused_by_dmarc_reject() {
    let sim = run_kept("dmarc-spoofing");
    let mx = "mx.corp.example";
    assert_eq!(verdict(&sim, mx, "ceo-forgery", AuthCheck::Spf).0, "fail");
    assert!(
        verdicts(&sim, mx, "ceo-forgery")
            .iter()
            .all(|v| v.0 != AuthCheck::Dkim),
        "the forgery carries no signature"
    );
    let (result, domain, action) = verdict(&sim, mx, "ceo-forgery", AuthCheck::Dmarc);
    assert_eq!(
        (result.as_str(), domain.as_str(), action.as_str()),
        ("fail", "bank.example", "reject")
    );
    // Refused at the end of DATA with 550 5.7.1, and never stored.
    let refusal = refusal(&sim, "ceo-forgery").expect("the forgery bounces at its sender");
    assert_eq!((refusal.code, refusal.enhanced.as_str()), (550, "5.7.1"));
    assert!(refusal.text.contains("DMARC"), "{}", refusal.text);
    assert!(kept(&sim, mx, "bob@corp.example", "ceo-forgery").is_none());
    let steps = auth_steps(sim.trace(), "ceo-forgery");
    assert_eq!(steps.len(), 1);
    assert!(steps[0].refused());
}

#[test]
fn spoofing_with_p_none_is_delivered_with_dmarc_fail() {
    let sim = run_kept("dmarc-spoofing");
    let mx = "mx.corp.example";
    // SPF passes, but for attacker.example: not aligned with From: shop.example.
    let (spf, spf_domain, _) = verdict(&sim, mx, "shop-forgery", AuthCheck::Spf);
    assert_eq!(
        (spf.as_str(), spf_domain.as_str()),
        ("pass", "attacker.example")
    );
    let (dmarc, domain, action) = verdict(&sim, mx, "shop-forgery", AuthCheck::Dmarc);
    assert_eq!(
        (dmarc.as_str(), domain.as_str(), action.as_str()),
        ("fail", "shop.example", "none")
    );
    let content = kept(&sim, mx, "bob@corp.example", "shop-forgery").expect("delivered");
    let r = results_of(&content);
    assert!(has(&r, "dmarc", "fail") && has(&r, "spf", "pass"), "{r:?}");
}

#[test]
fn spoofing_with_p_quarantine_lands_in_junk() {
    let sim = run_kept("dmarc-spoofing");
    let mx = "mx.corp.example";
    let (_, _, action) = verdict(&sim, mx, "parcel-forgery", AuthCheck::Dmarc);
    assert_eq!(action, "quarantine");
    assert!(kept(&sim, mx, "bob@corp.example/junk", "parcel-forgery").is_some());
    assert!(kept(&sim, mx, "bob@corp.example", "parcel-forgery").is_none());
}

#[test]
fn forwarding_breaks_spf_but_dkim_carries_dmarc() {
    let sim = run_kept("forwarding-spf-dkim");
    let home = "mx.home.example";
    assert_eq!(verdict(&sim, home, "via-uni", AuthCheck::Spf).0, "fail");
    assert_eq!(
        verdict(&sim, home, "via-uni", AuthCheck::Spf).1,
        "bank.example"
    );
    assert_eq!(verdict(&sim, home, "via-uni", AuthCheck::Dkim).0, "pass");
    assert_eq!(verdict(&sim, home, "via-uni", AuthCheck::Dmarc).0, "pass");
    let content = kept(&sim, home, "alice@home.example", "via-uni").expect("delivered");
    let r = results_of(&content);
    assert!(
        has(&r, "spf", "fail") && has(&r, "dkim", "pass") && has(&r, "dmarc", "pass"),
        "{r:?}"
    );
}

#[test]
fn forwarding_with_srs_passes_spf_again() {
    let sim = run_kept("forwarding-spf-dkim");
    let home = "mx.home.example";
    let (spf, domain, _) = verdict(&sim, home, "via-college", AuthCheck::Spf);
    assert_eq!((spf.as_str(), domain.as_str()), ("pass", "college.example"));
    assert_eq!(
        verdict(&sim, home, "via-college", AuthCheck::Dmarc).0,
        "pass"
    );
    // The envelope sender the forwarder used is an SRS0 address.
    let kept = sim
        .host(home)
        .unwrap()
        .kept
        .iter()
        .find(|m| m.message_id == "via-college")
        .expect("delivered")
        .clone();
    assert!(kept.mail_from.starts_with("SRS0="), "{}", kept.mail_from);
    assert!(
        kept.mail_from.ends_with("@college.example"),
        "{}",
        kept.mail_from
    );
}

#[test]
fn auth_presets_are_deterministic_and_query_txt_records() {
    for name in ["dmarc-spoofing", "forwarding-spf-dkim"] {
        let a = run(preset(name));
        let b = run(preset(name));
        assert_eq!(a.trace().hash(), b.trace().hash(), "{name}");
        let txt = a
            .trace()
            .iter()
            .filter(|e| {
                matches!(&e.kind, EventKind::DnsQuery { qtype, .. }
                    if *qtype == mxlab_sim::trace::QueryType::Txt)
            })
            .count();
        assert!(txt >= 3, "{name}: {txt} TXT queries");
    }
}

#[test]
fn spoofing_backscatter_reaches_the_real_ceo() {
    let sim = run_kept("dmarc-spoofing");
    // Mallory's machine bounces the refused forgery to its forged sender.
    let dsn = kept(
        &sim,
        "mx.bank.example",
        "ceo@bank.example",
        "ceo-forgery.dsn",
    )
    .expect("the bounce reaches the real CEO");
    assert!(dsn.contains("550 5.7.1"), "{dsn}");
}

#[test]
fn a_list_footer_breaks_dkim_and_dmarc_rejects_it() {
    let sim = run_kept("mailing-list-dmarc");
    let mx = "mx.corp.example";
    let (dkim, domain, _) = verdict(&sim, mx, "to-team", AuthCheck::Dkim);
    assert_eq!((dkim.as_str(), domain.as_str()), ("fail", "bank.example"));
    let (spf, spf_domain, _) = verdict(&sim, mx, "to-team", AuthCheck::Spf);
    assert_eq!(
        (spf.as_str(), spf_domain.as_str()),
        ("pass", "lists.example")
    );
    let (dmarc, from, action) = verdict(&sim, mx, "to-team", AuthCheck::Dmarc);
    assert_eq!(
        (dmarc.as_str(), from.as_str(), action.as_str()),
        ("fail", "bank.example", "reject")
    );
    assert!(kept(&sim, mx, "bob@corp.example", "to-team").is_none());
    // The list's bounce comes back to its own bounce address.
    let dsn = kept(
        &sim,
        "lists.example",
        "team-bounces@lists.example",
        "to-team.dsn",
    )
    .expect("the refusal comes back to the list");
    assert!(dsn.contains("550 5.7.1"), "{dsn}");
}

#[test]
fn a_list_that_rewrites_from_passes_dmarc_on_its_own_domain() {
    let sim = run_kept("mailing-list-dmarc");
    let mx = "mx.corp.example";
    assert_eq!(
        verdict(&sim, mx, "to-team-fixed", AuthCheck::Dkim).0,
        "fail"
    );
    let (dmarc, from, _) = verdict(&sim, mx, "to-team-fixed", AuthCheck::Dmarc);
    assert_eq!((dmarc.as_str(), from.as_str()), ("pass", "lists.example"));
    let content = kept(&sim, mx, "bob@corp.example", "to-team-fixed").expect("delivered");
    assert!(
        content.contains("From: \"Alice via team-fixed\" <team-fixed@lists.example>"),
        "{content}"
    );
    assert!(
        content.contains("Reply-To: Alice <alice@bank.example>"),
        "{content}"
    );
    assert!(
        content.contains("Subject: [team] Lunch on Friday"),
        "{content}"
    );
    assert!(
        content.contains("List-Id: <team-fixed.lists.example>"),
        "{content}"
    );
}

#[test]
fn an_open_relay_passes_spam_on_and_a_closed_one_refuses_it() {
    let sim = run_kept("open-relay");
    let mx = "mx.corp.example";
    let spam =
        kept(&sim, mx, "bob@corp.example", "spam-open").expect("the open relay passed it on");
    // The relaying hop is in the headers.
    assert!(spam.contains("by relay.open.example"), "{spam}");
    assert_eq!(verdict(&sim, mx, "spam-open", AuthCheck::Spf).0, "fail");
    assert_eq!(verdict(&sim, mx, "spam-open", AuthCheck::Dmarc).0, "none");
    let refusal = refusal(&sim, "spam-closed").expect("the closed relay refuses");
    assert_eq!((refusal.code, refusal.enhanced.as_str()), (554, "5.7.1"));
    assert!(
        refusal.text.contains("relay access denied"),
        "{}",
        refusal.text
    );
    assert!(kept(&sim, mx, "bob@corp.example", "staff").is_some());
    assert_eq!(verdict(&sim, mx, "staff", AuthCheck::Spf).0, "pass");
}

#[test]
fn a_verifier_asks_the_resolver_and_answers_data_once_its_verdicts_are_in() {
    use mxlab_sim::trace::QueryType;
    let sim = run_kept("dmarc-spoofing");
    let mx = "mx.corp.example";
    let events: Vec<TraceEvent> = sim
        .trace()
        .iter()
        .filter(|e| e.message.as_deref() == Some("ceo-forgery"))
        .collect();
    let txt = |e: &&TraceEvent| {
        e.hosts[0] == mx
            && matches!(
                &e.kind,
                EventKind::DnsQuery {
                    qtype: QueryType::Txt,
                    ..
                } | EventKind::DnsAnswer {
                    qtype: QueryType::Txt,
                    ..
                }
            )
    };
    let lookups: Vec<&TraceEvent> = events.iter().filter(txt).collect();
    assert!(lookups.len() >= 4, "{} TXT events", lookups.len());
    // Each question is answered a round trip to the resolver later, and
    // the next is asked only then.
    for pair in lookups.chunks(2) {
        let [q, a] = pair else {
            panic!("a question without its answer")
        };
        assert!(matches!(q.kind, EventKind::DnsQuery { .. }), "{q:?}");
        assert!(matches!(a.kind, EventKind::DnsAnswer { .. }), "{a:?}");
        assert_eq!(q.hosts[1], "resolver.example.net");
        assert!(
            a.at > q.at,
            "answered after a round trip: {} then {}",
            q.at,
            a.at
        );
    }
    for w in lookups.windows(2) {
        assert!(w[1].at >= w[0].at);
    }
    // Each question says what it asks for, with its RFC.
    let asked: Vec<(String, String)> = lookups
        .iter()
        .filter(|e| matches!(e.kind, EventKind::DnsQuery { .. }))
        .map(|e| (e.explanation().into_owned(), e.rfc().into_owned()))
        .collect();
    assert!(
        asked
            .iter()
            .any(|(w, r)| w.contains("SPF policy") && r == "RFC 7208 §4.4"),
        "{asked:?}"
    );
    assert!(
        asked
            .iter()
            .any(|(w, r)| w.contains("DMARC policy") && r == "RFC 7489 §6.6.3"),
        "{asked:?}"
    );
    let answered = lookups.last().map(|e| e.at).unwrap_or_default();
    // The verdicts are reached once the answers are in; the 550 leaves
    // the MX then, not at the end of DATA.
    let verdicts: Vec<&TraceEvent> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Auth { .. }))
        .collect();
    assert!(!verdicts.is_empty());
    assert!(verdicts.iter().all(|v| v.at == answered));
    let refused = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Reply { line, sent_at, .. } if line.display().starts_with("550 5.7.1") => {
                Some(*sent_at)
            }
            _ => None,
        })
        .expect("the 550 reply");
    assert_eq!(refused, answered);
}

#[test]
fn the_reply_to_data_tells_the_verdicts_in_its_hover() {
    let sim = run_kept("dmarc-spoofing");
    let all = mxlab_sim::inspect::transcripts(sim.trace(), None);
    let lines: Vec<_> = all.values().flatten().collect();
    let refusal = lines
        .iter()
        .find(|l| l.who == 'S' && l.text.starts_with("550 5.7.1"))
        .expect("the 550 line");
    assert!(
        refusal.hover.contains("Authentication:"),
        "{}",
        refusal.hover
    );
    assert!(refusal.hover.contains("SPF fail"), "{}", refusal.hover);
    assert!(refusal.hover.contains("DMARC fail"), "{}", refusal.hover);
    assert!(refusal.hover.contains("RFC 7489"), "{}", refusal.hover);
    // Only the line that answers the end of DATA tells them.
    let told = lines
        .iter()
        .filter(|l| l.hover.contains("Authentication:"))
        .count();
    let checked = sim
        .trace()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Auth {
                    check: AuthCheck::Dmarc,
                    ..
                }
            )
        })
        .count();
    assert_eq!(told, checked);
    assert!(lines
        .iter()
        .filter(|l| l.hover.contains("Authentication:"))
        .all(|l| l.text.starts_with("250") || l.text.starts_with("550")));
}
