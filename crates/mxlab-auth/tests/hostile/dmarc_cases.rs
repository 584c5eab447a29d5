//! DMARC (RFC 7489) with random From fields, records and verdicts.

use super::*;

fn dmarc_record() -> impl Strategy<Value = String> {
    let tag = prop_oneof![
        prop::sample::select(vec![
            "p=reject",
            "p=quarantine",
            "p=none",
            "p=bogus",
            "sp=reject",
            "sp=x",
            "adkim=s",
            "aspf=s",
            "adkim=r",
            "pct=0",
            "pct=50",
            "pct=100",
            "pct=1000",
            "pct=-1",
            "rua=mailto:a@b.example",
            "rua=",
            "p",
            "=",
            "v=DMARC1"
        ])
        .prop_map(str::to_string),
        "[a-z]{1,5}=[ -:<-~]{0,10}",
        "\\PC{0,10}",
    ];
    (prop::collection::vec(tag, 0..8), any::<bool>()).prop_map(|(tags, versioned)| {
        let head = if versioned { "v=DMARC1; " } else { "" };
        format!("{head}{}", tags.join("; "))
    })
}

fn from_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("From: a@bank.example\r\n".to_string()),
        Just("From: a@sub.bank.example\r\n".to_string()),
        Just("From: \"x\" <a@bank.example>, b@other.example\r\n".to_string()),
        Just("From: group: a@bank.example, b@bank.example;\r\n".to_string()),
        Just("From: a@bank.example\r\nFrom: b@bank.example\r\n".to_string()),
        Just("From: (((((\r\n".to_string()),
        Just("From: <@>\r\n".to_string()),
        "\\PC{0,40}".prop_map(|v| format!("From: {v}\r\n")),
        "\\PC{0,40}",
    ]
}

/// Any text, control characters (CR, LF, NUL) included.
pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[\\x00-\\x7f]{0,30}",
        "[a-z.@\r\n\"\\\\();]{0,30}"
    ]
}

pub(crate) fn spf_verdict() -> impl Strategy<Value = SpfVerdict> {
    let result = prop::sample::select(vec![
        SpfResult::None,
        SpfResult::Neutral,
        SpfResult::Pass,
        SpfResult::Fail,
        SpfResult::SoftFail,
        SpfResult::TempError,
        SpfResult::PermError,
    ]);
    (
        result,
        any::<bool>(),
        text(),
        text(),
        prop::option::of(text()),
        text(),
    )
        .prop_map(
            |(result, helo, domain, sender, mechanism, reason)| SpfVerdict {
                result,
                identity: if helo {
                    SpfIdentity::Helo
                } else {
                    SpfIdentity::MailFrom
                },
                domain,
                sender,
                mechanism,
                lookups: 0,
                reason,
                rfc: "RFC 7208 §2.6",
            },
        )
}

pub(crate) fn dkim_verdict() -> impl Strategy<Value = DkimVerdict> {
    let result = prop::sample::select(vec![
        DkimResult::None,
        DkimResult::Pass,
        DkimResult::Fail,
        DkimResult::Neutral,
        DkimResult::TempError,
        DkimResult::PermError,
        DkimResult::Policy,
    ]);
    let domain = prop_oneof![
        Just("bank.example".to_string()),
        Just(String::new()),
        text()
    ];
    (result, domain, text(), text(), "\\PC{0,8}").prop_map(
        |(result, domain, selector, algorithm, b_prefix)| DkimVerdict {
            result,
            domain,
            selector,
            algorithm,
            b_prefix,
            reason: "r".into(),
            rfc: "RFC 6376 §6",
        },
    )
}

fn check_dmarc(v: &DmarcVerdict, dns: &Dns) -> Result<(), TestCaseError> {
    prop_assert!(["none", "pass", "fail", "temperror", "permerror"].contains(&v.result.as_str()));
    prop_assert!(dns.txt_calls.get() <= 2);
    prop_assert_eq!(dns.addr_calls.get() + dns.mx_calls.get(), 0);
    prop_assert!(!v.reason.is_empty());
    match v.result {
        DmarcResult::Fail => prop_assert!(v.policy.is_some()),
        DmarcResult::Pass => prop_assert!(v.policy.is_some() && v.disposition == Disposition::None),
        _ => prop_assert_eq!(v.disposition, Disposition::None),
    }
    if v.result == DmarcResult::None {
        prop_assert!(v.policy.is_none());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn dmarc_hostile(
        from in from_field(),
        records in prop::collection::vec(dmarc_record(), 0..3),
        temp in any::<bool>(),
        spf in spf_verdict(),
        dkim in prop::collection::vec(dkim_verdict(), 0..4),
        roll in any::<u8>(),
    ) {
        let message = format!("{from}Subject: x\r\n\r\nbody\r\n");
        let answer = if temp && records.is_empty() { TxtAnswer::TempError } else { TxtAnswer::Records(records) };
        let dns = Dns { any_txt: Some(answer), ..Dns::default() };
        let verdict = dmarc::evaluate(message.as_bytes(), &spf, &dkim, &dns, roll);
        check_dmarc(&verdict, &dns)?;
        let field = results::authentication_results("mx.test", &spf, &dkim, Some(&verdict));
        check_field(&field)?;
        let parsed = results::parse_results(&field);
        prop_assert_eq!(parsed.len(), 2 + dkim.len().max(1), "{:?}", field);
    }

    #[test]
    fn dmarc_random_bytes(message in prop::collection::vec(any::<u8>(), 0..400), record in dmarc_record(), spf in spf_verdict()) {
        let dns = Dns { any_txt: Some(TxtAnswer::Records(vec![record])), ..Dns::default() };
        let verdict = dmarc::evaluate(&message, &spf, &[], &dns, 0);
        check_dmarc(&verdict, &dns)?;
    }
}
