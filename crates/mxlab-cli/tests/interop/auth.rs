//! DKIM and DMARC against dkimpy (Debian's python3-dkim, with PyNaCl for
//! Ed25519): what MX Lab signs, dkimpy verifies; what dkimpy signs,
//! `mxlab serve` verifies; and a forged From: at a p=reject domain is
//! refused. No real DNS: dkimpy reads the keys from the `dns.txt` that
//! `mxlab run --export` writes, and `mxlab serve` answers from the
//! scenario's zone.

use std::path::{Path, PathBuf};

use crate::common::{crlf, mxlab, python, run_ok, scratch, wait_for, Server};

fn dkim_tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/dkim_tool.py")
}

/// A scenario: mx.corp.example verifies; smtp.signer.example signs for
/// ed.example (Ed25519) and rsa.example (RSA) with keys derived from the
/// seed; bank.example says p=reject, parcel.example p=quarantine; and
/// `extra_txt` (name, record) pairs.
fn scenario(dir: &Path, extra_txt: &[(&str, &str)]) -> PathBuf {
    let mut domains = vec![
        serde_json_like(
            "corp.example",
            r#""mx": [{"preference": 10, "exchange": "mx.corp.example"}]"#,
        ),
        txt("bank.example", "v=spf1 ip4:192.0.2.25 -all"),
        txt("_dmarc.bank.example", "v=DMARC1; p=reject"),
        txt("parcel.example", "v=spf1 ip4:192.0.2.90 -all"),
        txt("_dmarc.parcel.example", "v=DMARC1; p=quarantine"),
        txt("_dmarc.ed.example", "v=DMARC1; p=reject"),
        txt("_dmarc.rsa.example", "v=DMARC1; p=reject"),
    ];
    for (name, record) in extra_txt {
        domains.push(txt(name, record));
    }
    let json = format!(
        r#"{{
  "name": "dkim interop", "seed": 7, "horizon_secs": 60,
  "nodes": [
    {{"name": "mx.corp.example", "role": "mx", "addresses": ["198.51.100.25"],
      "policy": {{"destination_domains": ["corp.example"],
                  "mailboxes": [{{"address": "bob@corp.example"}}],
                  "auth": {{"verify": true}}}}}},
    {{"name": "smtp.signer.example", "role": "submission", "addresses": ["192.0.2.25"],
      "policy": {{"auth": {{"dkim_sign": [
        {{"domain": "ed.example", "selector": "s1"}},
        {{"domain": "rsa.example", "selector": "r1", "algorithm": "rsa"}}]}}}}}}
  ],
  "dns": {{"domains": [{}]}}
}}"#,
        domains.join(",\n")
    );
    let path = dir.join("scenario.json");
    std::fs::write(&path, json).unwrap();
    path
}

fn serde_json_like(name: &str, rest: &str) -> String {
    format!(r#"{{"name": "{name}", {rest}}}"#)
}

fn txt(name: &str, record: &str) -> String {
    serde_json_like(name, &format!(r#""txt": ["{record}"]"#))
}

/// Every message in a Maildir folder, as (path, bytes), in name order.
fn maildir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("new"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

fn message(from: &str, subject: &str) -> Vec<u8> {
    crlf(&[
        &format!("From: {from}"),
        "To: Bob <bob@corp.example>",
        &format!("Subject: {subject}"),
        "Date: Mon, 05 Jan 2026 09:00:00 +0000",
        &format!("Message-ID: <{subject}@mxlab.test>"),
        "",
        "Hello Bob,",
        "  this line has  spaces and a tab\there.",
        "Last line.",
    ])
}

#[test]
fn mxlab_signs_and_dkimpy_verifies() {
    let dir = scratch("dkim-mxlab-signs");
    let scenario = scenario(&dir, &[]);
    let scenario = scenario.to_str().unwrap();
    // The zone as a zone file, derived keys included.
    let export = dir.join("export");
    run_ok(mxlab().args(["run", scenario, "--export", export.to_str().unwrap()]));
    let zone = export.join("dns.txt");
    let zone_text = std::fs::read_to_string(&zone).unwrap();
    assert!(zone_text.contains("s1._domainkey.ed.example. IN TXT \"v=DKIM1; k=ed25519; p="));
    assert!(zone_text.contains("r1._domainkey.rsa.example. IN TXT \"v=DKIM1; k=rsa; p="));

    // mxlab deliver signs as the scenario's host, to a verifying mxlab serve.
    let server = Server::start(&dir, &["--scenario", scenario, "--host", "mx.corp.example"]);
    for (from, subject) in [
        ("Alice <alice@ed.example>", "ed25519"),
        ("Carol <carol@rsa.example>", "rsa"),
    ] {
        let file = dir.join(format!("{subject}.eml"));
        std::fs::write(&file, message(from, subject)).unwrap();
        let out = run_ok(mxlab().args([
            "deliver",
            "--to",
            &server.addr,
            "--from",
            &format!("{subject}@example.net"),
            "--rcpt",
            "bob@corp.example",
            "--file",
            file.to_str().unwrap(),
            "--scenario",
            scenario,
            "--dkim-sign-as",
            "smtp.signer.example",
            "--show-lines",
            "100",
        ]));
        assert!(out.contains("C: DKIM-Signature: v=1;"), "{out}");
    }
    wait_for(10, "two messages", || server.messages().len() == 2);
    let stored = maildir(&server.maildir);
    let mut files = Vec::new();
    for (path, bytes) in &stored {
        let text = String::from_utf8_lossy(bytes);
        // MX Lab's own verifier agrees.
        assert!(text.contains("dkim=pass"), "{text}");
        assert!(text.contains("dmarc=pass"), "{text}");
        files.push(path.clone());
        // The same message with its body changed after signing.
        let altered = text.replace("Last line.", "Last line!");
        let bad = dir.join(format!(
            "altered-{}",
            path.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&bad, altered.as_bytes()).unwrap();
        files.push(bad);
    }
    let mut cmd = python();
    cmd.arg(dkim_tool()).arg("verify").arg(&zone).args(&files);
    let out = run_ok(&mut cmd);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (line, file) in lines.iter().zip(&files) {
        let altered = file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("altered-");
        let want = if altered { "fail " } else { "pass " };
        assert!(line.starts_with(want), "{file:?}: {out}");
    }
}

#[test]
fn dkimpy_signs_and_mxlab_serve_verifies() {
    let dir = scratch("dkim-dkimpy-signs");
    run_ok(python().arg(dkim_tool()).arg("keys").arg(&dir));
    let records: String = std::fs::read_to_string(dir.join("records.json")).unwrap();
    let record = |alg: &str| -> String {
        let key = format!("\"{alg}\": \"");
        let start = records.find(&key).unwrap() + key.len();
        let end = start + records[start..].find('"').unwrap();
        records[start..end].to_owned()
    };
    let (ed, rsa) = (record("ed25519"), record("rsa"));
    let scenario = scenario(
        &dir,
        &[
            ("ed._domainkey.py.example", &ed),
            ("rsa._domainkey.py.example", &rsa),
            ("_dmarc.py.example", "v=DMARC1; p=reject"),
        ],
    );
    let server = Server::start(
        &dir,
        &[
            "--scenario",
            scenario.to_str().unwrap(),
            "--host",
            "mx.corp.example",
        ],
    );
    assert!(server.lines()[0].contains("checking SPF, DKIM and DMARC"));
    for (alg, selector) in [("ed25519", "ed"), ("rsa", "rsa")] {
        let plain = dir.join(format!("{alg}.eml"));
        let signed = dir.join(format!("{alg}-signed.eml"));
        std::fs::write(&plain, message("Dee <dee@py.example>", alg)).unwrap();
        run_ok(
            python()
                .arg(dkim_tool())
                .args(["sign", dir.to_str().unwrap(), alg, "py.example", selector])
                .arg(&plain)
                .arg(&signed),
        );
    }
    let (host, port) = server.addr.rsplit_once(':').unwrap();
    let script = format!(
        "import smtplib\n\
         def send(sender, path):\n\
         \x20   with open(path, 'rb') as f: msg = f.read()\n\
         \x20   with smtplib.SMTP({host:?}, {port}) as s:\n\
         \x20       try:\n\
         \x20           s.sendmail(sender, ['bob@corp.example'], msg)\n\
         \x20           print('sent', path)\n\
         \x20       except smtplib.SMTPDataError as e:\n\
         \x20           print('refused', e.smtp_code, e.smtp_error.decode())\n\
         send('dee@py.example', {ed:?})\n\
         send('dee@py.example', {rsa:?})\n\
         send('ceo@bank.example', {spoof:?})\n\
         send('news@parcel.example', {parcel:?})\n",
        ed = dir.join("ed25519-signed.eml").display().to_string(),
        rsa = dir.join("rsa-signed.eml").display().to_string(),
        spoof = write(
            &dir,
            "spoof.eml",
            &message("CEO <ceo@bank.example>", "spoof")
        ),
        parcel = write(
            &dir,
            "parcel.eml",
            &message("Parcel <news@parcel.example>", "parcel")
        ),
    );
    let out = run_ok(python().args(["-c", &script]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("sent "), "{out}");
    assert!(lines[1].starts_with("sent "), "{out}");
    assert!(
        lines[2].starts_with("refused 550 5.7.1 rejected by DMARC policy for bank.example"),
        "{out}"
    );
    assert!(lines[3].starts_with("sent "), "{out}");

    // Two in the inbox, with dkim=pass by each algorithm; one in junk.
    wait_for(10, "two messages", || server.messages().len() == 2);
    let inbox: Vec<String> = server
        .messages()
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    for (m, alg) in inbox.iter().zip(["ed25519-sha256", "rsa-sha256"]) {
        assert!(
            m.starts_with(
                "Return-Path: <dee@py.example>\r\nAuthentication-Results: mx.corp.example;"
            ),
            "{m}"
        );
        assert!(
            m.contains(&format!("dkim=pass ({alg}) header.d=py.example")),
            "{m}"
        );
        assert!(m.contains("dmarc=pass"), "{m}");
        assert!(m.contains("Received-SPF: "), "{m}");
    }
    let junk = maildir(&server.maildir.join("junk"));
    assert_eq!(junk.len(), 1);
    let junk = String::from_utf8_lossy(&junk[0].1).into_owned();
    assert!(
        junk.contains("dmarc=fail (p=QUARANTINE dis=QUARANTINE)"),
        "{junk}"
    );
    assert!(junk.contains("Subject: parcel"), "{junk}");
    // The verdicts are in serve's log.
    let log = server.lines().join("\n");
    assert!(
        log.contains("dmarc=fail (bank.example, p=reject) -> reject"),
        "{log}"
    );
    assert!(log.contains("dkim=pass (py.example)"), "{log}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}
