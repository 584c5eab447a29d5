//! Test fixtures shared by the tests of the message rooms: a realistic
//! message and a `Received:` field.

use super::{with_protocol, Received};

pub(super) const MESSAGE: &[u8] = b"Received: from mail.example.com ([192.0.2.1])\r\n\
    \tby mx.example.org with ESMTPS id 4ABC\r\n\
    \tfor <bob@example.org>; Mon, 23 Nov 2026 15:59:15 +0000\r\n\
    Received: from laptop ([198.51.100.7])\r\n\
    \tby mail.example.com with ESMTPSA id 99; Mon, 23 Nov 2026 15:59:10 +0000\r\n\
    DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n\
    \th=from:to:subject; bh=abc=; b=def=\r\n\
    message-id: <1234@example.com>\r\n\
    From: Alice Example <alice@example.com>\r\n\
    TO: Bob <bob@example.org>\r\n\
    Cc: carol@example.net,\r\n dave@example.net\r\n\
    Subject: Lunch\r\n  on Friday?\r\n\
    Subject: second subject is ignored\r\n\
    Date: Mon, 23 Nov 2026 16:59:09 +0100\r\n\
    MIME-Version: 1.0\r\n\
    Content-Type: text/plain; charset=utf-8\r\n\
    \r\n\
    Hi Bob,\r\n\
    Received: not a header, this is the body\r\n\
    .. see you\r\n";

pub(super) fn received() -> Received {
    Received {
        from_helo: "mail.example.com".into(),
        from_ip: Some("192.0.2.1".into()),
        by: "mx.example.org".into(),
        with: with_protocol(true, true, false).into(),
        id: Some("4ABC123".into()),
        for_rcpt: Some("bob@example.org".into()),
        unix_secs: 1_795_449_555,
    }
}
