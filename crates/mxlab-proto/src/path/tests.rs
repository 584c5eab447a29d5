//! Tests of the path grammar: paths taken and refused, what the options
//! relax, and the one-pass reader agreeing with the full parsers.

use super::*;

const STRICT: PathOptions = PathOptions {
    smtputf8: false,
    allow_unqualified: false,
    allow_missing_brackets: false,
};

#[test]
fn reverse_paths() {
    let ok: &[(&str, &str)] = &[
        ("<>", "<>"),
        ("<user@example.org>", "<user@example.org>"),
        ("<first.last@EXAMPLE.org>", "<first.last@EXAMPLE.org>"),
        ("<\"john doe\"@example.org>", "<\"john doe\"@example.org>"),
        ("<\"a\\\"b\"@example.org>", "<\"a\\\"b\"@example.org>"),
        ("<\"odd@at\"@example.org>", "<\"odd@at\"@example.org>"),
        ("<user@[192.0.2.1]>", "<user@[192.0.2.1]>"),
        ("<user@[IPv6:2001:db8::1]>", "<user@[IPv6:2001:db8::1]>"),
        ("<user@[x-tag:abc]>", "<user@[x-tag:abc]>"),
        (
            "<@relay.example,@b.example:user@example.org>",
            "<user@example.org>",
        ),
        ("<a+tag@sub.example.org>", "<a+tag@sub.example.org>"),
    ];
    for (input, shown) in ok {
        let p = ReversePath::parse(input, STRICT).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(p.to_string(), *shown, "{input}");
        // Formatting round-trips.
        assert_eq!(ReversePath::parse(&p.to_string(), STRICT).unwrap(), p);
    }
}

#[test]
fn bad_paths() {
    let long_local = format!("<{}@example.org>", "a".repeat(65));
    let long_domain = format!("<a@{}.org>", "b.".repeat(130));
    let bad: &[(&str, PathError)] = &[
        ("user@example.org", PathError::MissingBrackets),
        ("<user@example.org", PathError::MissingBrackets),
        ("<gilles>", PathError::MissingDomain),
        ("<user@>", PathError::MissingDomain),
        ("<.user@example.org>", PathError::BadLocalPart),
        ("<us..er@example.org>", PathError::BadLocalPart),
        ("<us er@example.org>", PathError::BadLocalPart),
        ("<\"open@example.org>", PathError::BadLocalPart),
        ("<user@-bad.org>", PathError::BadDomain),
        ("<user@bad..org>", PathError::BadDomain),
        ("<user@example.org.>", PathError::BadDomain),
        ("<user@bad_.org>", PathError::BadDomain),
        ("<user@[300.1.1.1]>", PathError::BadAddressLiteral),
        ("<user@[IPv6:zz::1]>", PathError::BadAddressLiteral),
        (
            "<@relay.example user@example.org>",
            PathError::BadSourceRoute,
        ),
        ("<jösé@example.org>", PathError::NonAscii),
        (long_local.as_str(), PathError::LocalPartTooLong),
        (long_domain.as_str(), PathError::PathTooLong),
    ];
    for (input, err) in bad {
        assert_eq!(
            ReversePath::parse(input, STRICT),
            Err(err.clone()),
            "{input}"
        );
    }
    let long_domain = "c".repeat(63)
        + "."
        + &"d".repeat(63)
        + "."
        + &"e".repeat(63)
        + "."
        + &"f".repeat(63)
        + ".org";
    assert_eq!(
        Domain::parse(&long_domain, false),
        Err(PathError::DomainTooLong)
    );
}

#[test]
fn options_relax_the_grammar() {
    let lenient = PathOptions {
        smtputf8: true,
        allow_unqualified: true,
        allow_missing_brackets: true,
    };
    let p = ReversePath::parse("<gilles>", lenient).unwrap();
    assert_eq!(p.mailbox().unwrap().host, None);
    assert_eq!(p.to_string(), "<gilles>");
    let p = ReversePath::parse("user@example.org", lenient).unwrap();
    assert_eq!(p.to_string(), "<user@example.org>");
    let p = ReversePath::parse("<jösé@bücher.example>", lenient).unwrap();
    assert!(!p.mailbox().unwrap().is_ascii());
}

#[test]
fn postmaster_and_case() {
    assert_eq!(
        ForwardPath::parse("<postMASTER>", STRICT),
        Ok(ForwardPath::Postmaster)
    );
    let p = ForwardPath::parse("<Postmaster@Example.ORG>", STRICT).unwrap();
    assert!(p.mailbox().unwrap().is_postmaster());
    assert_eq!(ForwardPath::parse("<>", STRICT), Err(PathError::Empty));
    let a = Mailbox::parse("User@Example.org", STRICT).unwrap();
    let b = Mailbox::parse("User@example.ORG", STRICT).unwrap();
    let c = Mailbox::parse("user@example.org", STRICT).unwrap();
    assert_eq!(a, b, "domains compare without case");
    assert_ne!(a, c, "local parts are case-sensitive");
    assert_eq!(
        LocalPart::parse("\"a\\\"b c\"", false).unwrap().unquoted(),
        "a\"b c"
    );
}
/// Every path the one-pass reader takes, the full parsers read the same
/// way, under every option.
fn simple_path_agrees(s: &str) -> bool {
    let Some((mailbox, len)) = simple_path(s) else {
        return false;
    };
    let path = s.get(..len).unwrap_or_default();
    for smtputf8 in [false, true] {
        for allow_unqualified in [false, true] {
            for allow_missing_brackets in [false, true] {
                let opts = PathOptions {
                    smtputf8,
                    allow_unqualified,
                    allow_missing_brackets,
                };
                assert_eq!(
                    ReversePath::parse(path, opts),
                    Ok(ReversePath::Mailbox(mailbox.clone())),
                    "{s:?}"
                );
                assert_eq!(
                    ForwardPath::parse(path, opts),
                    Ok(ForwardPath::Mailbox(mailbox.clone())),
                    "{s:?}"
                );
            }
        }
    }
    true
}

#[test]
fn the_one_pass_reader_agrees_with_the_full_parser() {
    let long_label = format!("<a@{}.org>", "b".repeat(63));
    let taken = [
        "<alice@example.org>",
        "<a+tag@sub.example.org> SIZE=1",
        "<!#$%&'*+-/=?^_`{|}~@example.org>",
        "<@relay.example,@b.example:user@example.org>",
        "<first.last@x-y.example>",
        long_label.as_str(),
    ];
    for s in taken {
        assert!(simple_path_agrees(s), "{s:?} should take the fast path");
    }
    let too_long_label = format!("<a@{}.org>", "b".repeat(64));
    let too_long_local = format!("<{}@example.org>", "a".repeat(65));
    let left = [
        "<>",
        "<Postmaster>",
        "<\"john doe\"@example.org>",
        "<user@[192.0.2.1]>",
        "<jösé@bücher.example>",
        "<.user@example.org>",
        "<user.@example.org>",
        "<us..er@example.org>",
        "<user@-bad.example>",
        "<user@bad-.example>",
        "<user@example.org.>",
        "<user@example..org>",
        "<a@b@example.org>",
        "<@relay.example user@example.org>",
        "<@relay.,@b:user@example.org>",
        "<user@example.org",
        "user@example.org",
        too_long_label.as_str(),
        too_long_local.as_str(),
    ];
    for s in left {
        assert!(!simple_path_agrees(s), "{s:?} should take the full parser");
    }
}

proptest::proptest! {
    #[test]
    fn the_one_pass_reader_agrees_on_path_like_text(
        s in "<(@[a-z0-9.-]{0,5}[,:]){0,2}[a-z0-9.!#-]{0,6}@[a-zA-Z0-9.-]{0,12}>?( [A-Z=0-9]{0,4})?"
    ) {
        simple_path_agrees(&s);
    }
}
