//! Real SMTP clients against `mxlab serve`.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::Command;

use crate::common::{crlf, python, run_ok, scratch, sent_part, wait_for, Server};

/// Runs a Python snippet with `HOST`, `PORT` and `MSG` (the message
/// bytes) defined; returns its output.
fn smtplib(server: &Server, msg: &[u8], code: &str) -> String {
    let (host, port) = server.addr.rsplit_once(':').unwrap();
    let script = format!(
        "import smtplib, ssl, sys\n\
         from email.message import EmailMessage\n\
         HOST = {host:?}\nPORT = {port}\nMSG = bytes.fromhex({hex:?})\n\
         TLS = ssl.create_default_context()\n\
         TLS.check_hostname = False\nTLS.verify_mode = ssl.CERT_NONE\n\
         {code}\n",
        hex = msg.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    );
    run_ok(python().args(["-c", &script]))
}

fn sample() -> Vec<u8> {
    crlf(&[
        "From: Alice <alice@example.org>",
        "To: Bob <bob@example.org>",
        "Subject: interop",
        "",
        "First line.",
        ".A line starting with a dot.",
        "..Two dots.",
        "Last line.",
    ])
}

#[test]
fn smtplib_plain_and_starttls_land_byte_exact() {
    let dir = scratch("smtplib-plain");
    let server = Server::start(&dir, &["--starttls"]);
    let msg = sample();
    smtplib(
        &server,
        &msg,
        "with smtplib.SMTP(HOST, PORT) as s:\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n\
         \x20   s.sendmail('alice@example.org', ['dave@example.org'], MSG)\n\
         with smtplib.SMTP(HOST, PORT) as s:\n\
         \x20   s.starttls(context=TLS)\n\
         \x20   s.ehlo()\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org', 'carol@example.org'], MSG)\n",
    );
    wait_for(10, "three messages", || server.messages().len() == 3);
    for stored in server.messages() {
        assert_eq!(sent_part(&stored), msg.as_slice());
    }
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 3, "{accepted:?}");
    // Two transactions on the first connection, one on the second.
    assert!(accepted[0].contains("on connection 1 ") && accepted[1].contains("on connection 1 "));
    assert!(accepted[2].contains("to <bob@example.org>, <carol@example.org>"));
    // The Received field says how each came: ESMTP in clear, then ESMTPS.
    let all: Vec<String> = server
        .messages()
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert_eq!(
        all.iter().filter(|m| m.contains(" with ESMTPS ")).count(),
        1
    );
    assert_eq!(all.iter().filter(|m| m.contains(" with ESMTP ")).count(), 2);
}

#[test]
fn smtplib_auth_on_a_submission_host_policy() {
    let dir = scratch("smtplib-auth");
    let server = Server::start(
        &dir,
        &[
            "--scenario",
            "preset:submission-starttls-auth",
            "--host",
            "smtp.example.com",
        ],
    );
    let out = smtplib(
        &server,
        &sample(),
        "s = smtplib.SMTP(HOST, PORT)\n\
         try:\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n\
         \x20   print('sent without TLS')\n\
         except smtplib.SMTPSenderRefused as e:\n\
         \x20   print('refused before TLS', e.smtp_code)\n\
         s.starttls(context=TLS); s.ehlo()\n\
         try:\n\
         \x20   s.login('alice', 'wrong')\n\
         except smtplib.SMTPAuthenticationError as e:\n\
         \x20   print('bad password', e.smtp_code)\n\
         s.login('alice', 'correct horse')\n\
         print('logged in')\n\
         s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n\
         s.quit()\n",
    );
    assert!(out.contains("refused before TLS 530"), "{out}");
    assert!(out.contains("bad password 535"), "{out}");
    assert!(out.contains("logged in"), "{out}");
    wait_for(10, "one message", || server.messages().len() == 1);
    let stored = String::from_utf8(server.messages()[0].clone()).unwrap();
    assert!(stored.contains(" with ESMTPSA "), "{stored}");
}

#[test]
fn smtplib_send_message_with_bcc() {
    let dir = scratch("smtplib-bcc");
    let server = Server::start(&dir, &[]);
    smtplib(
        &server,
        b"",
        "m = EmailMessage()\n\
         m['From'] = 'alice@example.org'\n\
         m['To'] = 'bob@example.org'\n\
         m['Bcc'] = 'carol@example.org, dave@example.org'\n\
         m['Subject'] = 'blind copies'\n\
         m.set_content('Hello.\\n')\n\
         with smtplib.SMTP(HOST, PORT) as s:\n\
         \x20   s.send_message(m)\n",
    );
    wait_for(10, "the message", || server.accepted().len() == 1);
    let line = &server.accepted()[0];
    assert!(
        line.contains("to <bob@example.org>, <carol@example.org>, <dave@example.org>"),
        "{line}"
    );
    let stored = String::from_utf8(server.messages()[0].clone()).unwrap();
    assert!(!stored.contains("Bcc:") && stored.contains("Subject: blind copies"));
}

#[test]
fn swaks_transactions_pipelining_dots_and_ten_megabytes() {
    let dir = scratch("swaks");
    let server = Server::start(&dir, &[]);
    // About 10 MB, with dot-stuffing work on every 100th line.
    let mut big = crlf(&[
        "From: a@example.org",
        "To: b@example.org",
        "Subject: big",
        "",
    ]);
    let mut i = 0;
    while big.len() < 10 * 1024 * 1024 {
        let line = if i % 100 == 0 {
            format!(".{i:08} a line that starts with a dot, so it travels as two\r\n")
        } else {
            format!("{i:08} The quick brown fox jumps over the lazy dog.\r\n")
        };
        big.extend_from_slice(line.as_bytes());
        i += 1;
    }
    let small = sample();
    let files = [("big.eml", &big), ("small.eml", &small)];
    // swaks ends DATA with CRLF . CRLF after the file, so a file without
    // its last line end arrives as the whole message.
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes.strip_suffix(b"\r\n").unwrap()).unwrap();
    }
    for (k, (name, _)) in files.iter().chain(files.iter()).enumerate() {
        let mut cmd = Command::new("swaks");
        cmd.args(["--server", &server.addr, "--from", "a@example.org"])
            .args(["--to", &format!("b{k}@example.org")])
            .args(["--helo", "swaks.example.com", "--pipeline", "--data"])
            .arg(format!("@{}", dir.join(name).display()))
            .args(["--suppress-data", "--hide-informational"]);
        let out = run_ok(&mut cmd);
        assert!(out.contains("250 2.0.0 Ok: queued as"), "{out}");
    }
    wait_for(20, "four messages", || server.messages().len() == 4);
    let mut sizes = BTreeSet::new();
    for stored in server.messages() {
        let sent = sent_part(&stored);
        assert!(
            sent == big.as_slice() || sent == small.as_slice(),
            "a stored message differs from what swaks sent ({} octets)",
            sent.len()
        );
        sizes.insert(sent.len());
    }
    assert_eq!(sizes.len(), 2, "both messages arrived");
}

#[test]
fn smtp_source_twenty_sessions_of_five_hundred_messages() {
    let dir = scratch("smtp-source");
    let server = Server::start(&dir, &["--quiet"]);
    let out = run_ok(Command::new("/usr/sbin/smtp-source").args([
        "-s",
        "20",
        "-m",
        "10000",
        "-d",
        "-f",
        "sender@example.org",
        "-t",
        "rcpt@example.org",
        &server.addr,
    ]));
    wait_for(60, "10,000 messages", || server.accepted().len() >= 10_000);
    let messages = server.messages();
    assert_eq!(messages.len(), 10_000, "{out}");
    assert_eq!(server.accepted().len(), 10_000);
    // Each smtp-source message has its own Message-Id: none lost, none twice.
    let mut ids = BTreeSet::new();
    for stored in &messages {
        let text = String::from_utf8_lossy(sent_part(stored)).into_owned();
        assert!(text.starts_with("From: <sender@example.org>\r\nTo: <rcpt@example.org>\r\n"));
        assert!(text.ends_with("\r\n"));
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-Id: "))
            .expect("a Message-Id")
            .to_owned();
        ids.insert(id);
    }
    assert_eq!(ids.len(), 10_000, "every Message-Id exactly once");
}

#[test]
fn smtplib_into_an_mbox() {
    let dir = scratch("smtplib-mbox");
    let mbox = dir.join("mail.mbox");
    let mbox_arg = mbox.display().to_string();
    let server = Server::start_with_store(&dir, &["--mbox", &mbox_arg]);
    let msg = crlf(&["Subject: mbox", "", "From the start of a line.", "end"]);
    smtplib(
        &server,
        &msg,
        "with smtplib.SMTP(HOST, PORT) as s:\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n\
         \x20   s.sendmail('', ['bob@example.org'], MSG)\n",
    );
    wait_for(10, "two messages", || server.accepted().len() == 2);
    let text = std::fs::read_to_string(&mbox).unwrap();
    let separators: Vec<&str> = text.lines().filter(|l| l.starts_with("From ")).collect();
    assert_eq!(separators.len(), 2, "{text}");
    assert!(separators[0].starts_with("From alice@example.org "));
    assert!(separators[1].starts_with("From MAILER-DAEMON "));
    assert_eq!(
        text.matches("\n>From the start of a line.\n").count(),
        2,
        "{text}"
    );
    assert!(!text.contains('\r'));
}

/// The queue id in a `250 … queued as ID` reply or an `accepted ID …` line.
fn queue_id(line: &str) -> String {
    let id = line
        .split_once("queued as ")
        .map(|(_, rest)| rest)
        .or_else(|| line.strip_prefix("accepted "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no queue id in {line:?}"));
    id.to_owned()
}

#[test]
fn queue_ids_of_two_servers_started_in_the_same_second_differ() {
    let dir = scratch("queue-ids");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let servers = [Server::start(&a, &[]), Server::start(&b, &[])];
    let [pa, pb] = [0, 1].map(|i| servers[i].addr.rsplit_once(':').unwrap().1.to_owned());
    // Both messages up to their final dot, then both dots back to back:
    // each server's first message, in the same second.
    let script = format!(
        "import smtplib\n\
         ss = [smtplib.SMTP('127.0.0.1', p) for p in ({pa}, {pb})]\n\
         for s in ss:\n\
         \x20   s.ehlo(); s.mail('alice@example.org'); s.rcpt('bob@example.org')\n\
         \x20   s.putcmd('data'); assert s.getreply()[0] == 354\n\
         for s in ss:\n\
         \x20   s.send(b'Subject: queue ids\\r\\n\\r\\nHello.\\r\\n.\\r\\n')\n\
         for s in ss:\n\
         \x20   print(s.getreply()[1].decode())\n\
         \x20   s.quit()\n"
    );
    let out = run_ok(python().args(["-c", &script]));
    let replied: Vec<String> = out.lines().map(queue_id).collect();
    assert_eq!(replied.len(), 2, "{out}");
    assert_ne!(replied[0], replied[1], "{out}");
    for (server, id) in servers.iter().zip(&replied) {
        wait_for(10, "the message", || server.accepted().len() == 1);
        assert_eq!(&queue_id(&server.accepted()[0]), id);
        assert!(
            id.len() >= 15 && id.bytes().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
        let stored = String::from_utf8(server.messages()[0].clone()).unwrap();
        assert!(stored.contains(&format!(" id {id}")), "{stored}");
    }
}

#[test]
fn smtplib_ssl_through_implicit_tls_lands_byte_exact_as_esmtps() {
    let dir = scratch("smtplib-implicit-tls");
    let server = Server::start(&dir, &["--implicit-tls"]);
    assert!(
        server.lines()[0].contains("(implicit TLS)"),
        "{:?}",
        server.lines()
    );
    let msg = sample();
    let out = smtplib(
        &server,
        &msg,
        "with smtplib.SMTP_SSL(HOST, PORT, context=TLS) as s:\n\
         \x20   s.ehlo()\n\
         \x20   print('tls', s.sock.version())\n\
         \x20   print('starttls offered' if s.has_extn('starttls') else 'no starttls')\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n",
    );
    assert!(out.contains("tls TLSv1."), "{out}");
    assert!(out.contains("no starttls"), "{out}");
    wait_for(10, "the message", || server.messages().len() == 1);
    let stored = &server.messages()[0];
    assert_eq!(sent_part(stored), msg.as_slice());
    let stored = String::from_utf8_lossy(stored);
    assert!(stored.contains(" with ESMTPS id "), "{stored}");
}

#[test]
fn smtplib_ssl_auth_on_a_submission_host_policy_is_esmtpsa() {
    let dir = scratch("smtplib-implicit-tls-auth");
    let server = Server::start(
        &dir,
        &[
            "--implicit-tls",
            "--scenario",
            "preset:submission-starttls-auth",
            "--host",
            "smtp.example.com",
        ],
    );
    // The host requires TLS and AUTH over TLS: both hold from the first
    // byte, and its STARTTLS is not offered on the implicit-TLS port.
    let out = smtplib(
        &server,
        &sample(),
        "with smtplib.SMTP_SSL(HOST, PORT, context=TLS) as s:\n\
         \x20   s.ehlo()\n\
         \x20   print('starttls offered' if s.has_extn('starttls') else 'no starttls')\n\
         \x20   s.login('alice', 'correct horse')\n\
         \x20   print('logged in')\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n",
    );
    assert!(
        out.contains("no starttls") && out.contains("logged in"),
        "{out}"
    );
    wait_for(10, "the message", || server.messages().len() == 1);
    let stored = String::from_utf8(server.messages()[0].clone()).unwrap();
    assert!(stored.contains(" with ESMTPSA id "), "{stored}");
}

#[test]
fn a_plain_client_on_the_implicit_tls_port_gets_no_greeting_and_others_are_served() {
    let dir = scratch("implicit-tls-plain");
    let server = Server::start(&dir, &["--implicit-tls", "--timeout", "2"]);
    // smtplib in clear waits for a greeting that never comes: the server
    // waits for a TLS ClientHello, then closes at the idle timeout.
    let out = smtplib(
        &server,
        b"",
        "try:\n\
         \x20   smtplib.SMTP(HOST, PORT, timeout=30)\n\
         \x20   print('greeted')\n\
         except smtplib.SMTPServerDisconnected as e:\n\
         \x20   print('disconnected:', e)\n",
    );
    assert!(out.contains("disconnected:"), "{out}");
    // A client that speaks first, in clear: not TLS, closed at once.
    let mut s = server.connect();
    s.write_all(b"EHLO plain.example\r\n").unwrap();
    let mut heard = Vec::new();
    let _ = s.read_to_end(&mut heard);
    assert!(
        !heard.windows(4).any(|w| w == b"220 ") && !heard.starts_with(b"EHLO"),
        "{:?}",
        String::from_utf8_lossy(&heard)
    );
    // The server goes on serving.
    smtplib(
        &server,
        &sample(),
        "with smtplib.SMTP_SSL(HOST, PORT, context=TLS) as s:\n\
         \x20   s.sendmail('alice@example.org', ['bob@example.org'], MSG)\n",
    );
    wait_for(10, "the message", || server.messages().len() == 1);
    let lines = server.lines();
    let failed = lines
        .iter()
        .filter(|l| l.contains("TLS handshake failed"))
        .count();
    assert_eq!(failed, 2, "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("internal error")),
        "{lines:?}"
    );
}

#[test]
fn mxlab_deliver_with_implicit_tls_speaks_tls_before_the_greeting() {
    // The protocol core's client (`--tls implicit`) over real TCP and
    // rustls, against the implicit-TLS server.
    let dir = scratch("deliver-implicit-tls");
    let server = Server::start(&dir, &["--implicit-tls", "--timeout", "2"]);
    let file = dir.join("message.eml");
    std::fs::write(&file, sample()).unwrap();
    let deliver = |tls: &str| {
        let out = crate::common::mxlab()
            .args(["deliver", "--to", &server.addr, "--tls", tls])
            .args(["--from", "alice@example.org", "--rcpt", "bob@example.org"])
            .arg("--file")
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = deliver("implicit");
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "-- TLS established --", "{out}");
    assert!(lines[1].starts_with("S: 220 "), "{out}");
    assert!(!out.contains("STARTTLS"), "{out}");
    wait_for(10, "the message", || server.messages().len() == 1);
    assert_eq!(sent_part(&server.messages()[0]), sample().as_slice());
    let stored = String::from_utf8_lossy(&server.messages()[0]).into_owned();
    assert!(stored.contains(" with ESMTPS id "), "{stored}");
    // In clear, the same client gets no greeting from the TLS port: the
    // server waits for a ClientHello, then closes at its timeout.
    let (ok, out) = deliver("opportunistic");
    assert!(!ok, "{out}");
    assert!(!out.contains("S: 220 "), "{out}");
}
