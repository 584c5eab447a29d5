#!/usr/bin/env python3
"""DKIM with dkimpy (Debian: python3-dkim, python3-nacl for Ed25519), for
MX Lab's interop suite. No real DNS: keys are looked up in a zone file.

  dkim_tool.py keys DIR
      Makes an Ed25519 key (PyNaCl) and a 2048-bit RSA key (openssl):
      DIR/ed25519.key (base64 seed), DIR/rsa.pem, and DIR/records.json,
      {"ed25519": "v=DKIM1; k=ed25519; p=...", "rsa": "v=DKIM1; k=rsa; p=..."}.
  dkim_tool.py sign DIR ed25519|rsa DOMAIN SELECTOR IN OUT
      Signs IN with that key (relaxed/relaxed) and writes OUT.
  dkim_tool.py verify ZONEFILE MSG...
      Verifies each message's first signature with keys from ZONEFILE
      (as `mxlab run --export` writes dns.txt); prints "pass FILE" or
      "fail FILE" for each.
"""

import base64
import json
import os
import re
import subprocess
import sys

import dkim


def keys(out):
    import nacl.signing

    seed = nacl.signing.SigningKey.generate()
    with open(os.path.join(out, "ed25519.key"), "wb") as f:
        f.write(base64.b64encode(bytes(seed)))
    ed_pub = base64.b64encode(bytes(seed.verify_key)).decode()
    pem = os.path.join(out, "rsa.pem")
    subprocess.run(
        ["openssl", "genrsa", "-out", pem, "2048"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    der = subprocess.run(
        ["openssl", "rsa", "-in", pem, "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    records = {
        "ed25519": "v=DKIM1; k=ed25519; p=" + ed_pub,
        "rsa": "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode(),
    }
    with open(os.path.join(out, "records.json"), "w") as f:
        json.dump(records, f)


def sign(keydir, algorithm, domain, selector, src, dst):
    with open(src, "rb") as f:
        message = f.read()
    if algorithm == "ed25519":
        with open(os.path.join(keydir, "ed25519.key"), "rb") as f:
            key = f.read()
        sig = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            key,
            signature_algorithm=b"ed25519-sha256",
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
    else:
        with open(os.path.join(keydir, "rsa.pem"), "rb") as f:
            key = f.read()
        sig = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
    with open(dst, "wb") as f:
        f.write(sig + message)


def zone_txt(path):
    """Every TXT record of a zone file, by lower-case name without the dot."""
    records = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'^(\S+)\s+IN\s+TXT\s+(.*)$', line.strip())
            if not m:
                continue
            name = m.group(1).rstrip(".").lower()
            strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
            text = "".join(re.sub(r"\\(.)", r"\1", s) for s in strings)
            records.setdefault(name, []).append(text)
    return records


def verify(zonefile, messages):
    records = zone_txt(zonefile)

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        found = records.get(name.rstrip(".").lower())
        return found[0].encode() if found else None

    for path in messages:
        with open(path, "rb") as f:
            message = f.read()
        ok = dkim.verify(message, dnsfunc=dnsfunc)
        print(("pass " if ok else "fail ") + path, flush=True)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "keys":
        keys(*args)
    elif command == "sign":
        sign(*args)
    elif command == "verify":
        verify(args[0], args[1:])
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
