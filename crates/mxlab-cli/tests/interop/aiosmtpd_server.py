"""An aiosmtpd server for MX Lab's interop tests.

Usage: aiosmtpd_server.py PORT DIR

Stores each accepted message as DIR/N.eml (the content as received) and
DIR/N.env (sender, then one recipient per line). Recipients whose local
part is `soft` get 451 4.3.0, `hard` get 550 5.1.1; the message with the
subject `refuse` gets 554 5.6.0 after the final dot. Prints `ready` once
listening, and runs until killed.
"""

import asyncio
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "soft":
            return "451 4.3.0 Try again later"
        if local == "hard":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if b"\r\nSubject: refuse\r\n" in b"\r\n" + envelope.original_content:
            return "554 5.6.0 Message refused"
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write("\n".join([envelope.mail_from] + envelope.rcpt_tos) + "\n")
        return "250 2.0.0 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
