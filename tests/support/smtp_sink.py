#!/usr/bin/env python3
"""A real SMTP server on loopback for Rapport's email tests.

aiosmtpd (from PyPI, installed by `scripts/setup --test`) receives the mail;
Python's own email parser decodes each message, which is written as one JSON
file per message into OUT_DIR (written whole, then renamed, so a reader never
sees half a file).

    smtp_sink.py OUT_DIR [PORT]      # PORT 0 or absent: any free port

Prints "READY <port>" once it accepts connections. Recipients whose local
part starts with "refuse" get a permanent 550; with "later", a temporary 451.
"""

import email
import email.policy
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out_dir, raw):
        self.out_dir = out_dir
        self.raw = raw
        self.n = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("refuse"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("later"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if self.raw:
            # Benchmarks: count and keep the bytes, parse nothing.
            with self.lock:
                self.n += 1
                n = self.n
            with open(os.path.join(self.out_dir, "%06d.eml" % n), "wb") as f:
                f.write(raw)
            return "250 2.0.0 Message accepted"
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = html = None
        for part in msg.walk():
            kind = part.get_content_type()
            if kind == "text/plain" and text is None:
                text = part.get_content()
            elif kind == "text/html" and html is None:
                html = part.get_content()
        head = raw.split(b"\r\n\r\n", 1)[0]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "smtputf8": "SMTPUTF8" in [o.upper() for o in envelope.mail_options],
            "raw_head": head.decode("utf-8", errors="replace"),
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "text": text,
            "html": html,
        }
        with self.lock:
            self.n += 1
            n = self.n
        tmp = os.path.join(self.out_dir, ".%06d.tmp" % n)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.out_dir, "%06d.json" % n))
        return "250 2.0.0 Message accepted"


def main():
    out_dir = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    raw = len(sys.argv) > 3 and sys.argv[3] == "raw"
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    controller = Controller(
        Handler(out_dir, raw), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True
    )
    controller.start()
    print("READY %d" % port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
