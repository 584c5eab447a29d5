//! Client and server sessions with random configurations and policies
//! always converge: both sides close, every recipient is settled exactly
//! once, and what the server delivered is what the client was told.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pair_driver;

use mxlab_proto::client::{ClientConfig, TlsPolicy, Transaction};
use mxlab_proto::path::{ForwardPath, PathOptions, ReversePath};
use mxlab_proto::reply::{parse_reply, Reply};
use mxlab_proto::sasl::Credentials;
use mxlab_proto::server::ServerConfig;
use pair_driver::{run, Policy};
use proptest::prelude::*;

const REPLIES: &[(u16, (u8, u16, u16))] = &[
    (450, (4, 2, 0)),
    (451, (4, 3, 0)),
    (452, (4, 2, 2)),
    (550, (5, 1, 1)),
    (552, (5, 2, 2)),
    (553, (5, 1, 3)),
    (554, (5, 7, 1)),
];

fn reply(i: usize) -> Reply {
    let (c, e) = REPLIES[i % REPLIES.len()];
    Reply::enhanced(c, e, "policy")
}

#[derive(Debug, Clone)]
struct Case {
    server: ServerConfig,
    client: ClientConfig,
    txs: Vec<Transaction>,
    policy: Policy,
}

fn case() -> impl Strategy<Value = Case> {
    let server = (any::<[bool; 8]>(), prop::option::of(50u64..400), 1usize..4);
    let client = (any::<bool>(), 0u8..3, any::<bool>(), any::<bool>());
    let txs = prop::collection::vec(
        (
            prop::sample::subsequence((0..6).collect::<Vec<usize>>(), 0..6),
            0usize..300,
            any::<bool>(),
        ),
        0..4,
    );
    let policy = (
        prop::collection::vec((0usize..6, 0usize..7), 0..4),
        prop::option::of(0usize..7),
        prop::option::of(0usize..7),
        any::<bool>(),
    );
    (server, client, txs, policy).prop_map(|(s, c, txs, p)| {
        let (flags, size, max_rcpt) = s;
        let mut server = ServerConfig::new("mx.example.net");
        server.esmtp = flags[0];
        server.refuse = flags[1] && flags[2];
        server.extensions.pipelining = flags[3];
        server.extensions.size = size;
        server.extensions.starttls = flags[4];
        server.extensions.auth = flags[5];
        server.require_auth = flags[6] && flags[5];
        server.auth_requires_tls = flags[7];
        server.max_recipients = max_rcpt;
        let (pipelining, tls, creds, good_password) = c;
        let mut client = ClientConfig::new("client.example.org");
        client.pipelining = pipelining;
        client.tls = [
            TlsPolicy::Never,
            TlsPolicy::Opportunistic,
            TlsPolicy::Required,
        ][tls as usize];
        if creds {
            client.credentials = Some(Credentials {
                authzid: String::new(),
                username: "u".into(),
                password: if good_password {
                    "p".into()
                } else {
                    "x".into()
                },
            });
        }
        let txs = txs
            .into_iter()
            .map(|(rcpts, len, dot)| {
                let mut body = "a".repeat(len);
                if dot {
                    body.insert_str(0, ".\r\n..");
                }
                body.push_str("\r\n");
                Transaction::new(
                    ReversePath::parse("<s@example.org>", PathOptions::default()).unwrap(),
                    rcpts
                        .into_iter()
                        .map(|i| {
                            ForwardPath::parse(
                                &format!("<r{i}@example.net>"),
                                PathOptions::default(),
                            )
                            .unwrap()
                        })
                        .collect(),
                    body.into_bytes(),
                )
            })
            .collect();
        let (rejects, mail, message, shutdown) = p;
        let mut policy = Policy {
            reject_mail: mail.map(reply),
            message: message.map(reply),
            credentials: Some(("u".into(), "p".into())),
            shutdown_at_message: shutdown,
            ..Policy::default()
        };
        for (r, code) in rejects {
            policy
                .reject_rcpt
                .insert(format!("r{r}@example.net"), reply(code));
        }
        Case {
            server,
            client,
            txs,
            policy,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn pairs_converge(c in case()) {
        let r = run(c.server, c.client, c.txs.clone(), c.policy);
        prop_assert!(r.server_closed && r.client_closed);
        // Every recipient of every transaction settled exactly once.
        for (id, tx) in c.txs.iter().enumerate() {
            let mut settled: Vec<String> = r
                .outcomes
                .iter()
                .filter(|o| o.id == id)
                .flat_map(|o| o.rcpts.iter().map(|x| x.rcpt.to_string()))
                .collect();
            settled.sort();
            let mut want: Vec<String> = tx.rcpts.iter().map(|(f, _)| f.to_string()).collect();
            want.sort();
            prop_assert_eq!(settled, want, "transaction {}\n{}", id, r.transcript());
        }
        // Delivered recipients are exactly those the client counts as delivered.
        let mut delivered: Vec<String> = r
            .delivered
            .iter()
            .flat_map(|(e, _)| e.rcpts.iter().map(|(f, _)| f.to_string()))
            .collect();
        delivered.sort();
        let mut told: Vec<String> = r
            .outcomes
            .iter()
            .flat_map(|o| o.rcpts.iter().filter(|x| x.is_delivered()).map(|x| x.rcpt.to_string()))
            .collect();
        told.sort();
        prop_assert_eq!(delivered, told, "{}", r.transcript());
        // The content arrives byte-exact.
        for (env, content) in &r.delivered {
            prop_assert!(c.txs.iter().any(|t| &t.content == content && t.from == env.from));
        }
        // Every server line is part of a well-formed reply.
        let server_bytes: String = r.lines.iter().filter_map(|l| l.strip_prefix("S: ")).collect();
        for line in server_bytes.split_inclusive("\r\n") {
            let single = format!("{} {}", &line[..3], &line[4..]);
            prop_assert!(parse_reply(single.as_bytes()).is_ok(), "{:?}", line);
        }
    }
}
