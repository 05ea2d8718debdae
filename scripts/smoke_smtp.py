"""A local SMTP server for the production smoke test: every message it accepts is appended to
a JSON-lines file (envelope, Subject, Message-ID). `--delay` makes each delivery take that
long, so that a worker can be killed in the middle of a batch."""

import argparse
import asyncio
import json
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: Path, delay: float):
        self.path = path
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        record = {
            "to": envelope.rcpt_tos,
            "subject": str(make_header(decode_header(message.get("Subject", "")))),
            "message_id": message.get("Message-ID", ""),
            "at": time.time(),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    controller = Controller(Recorder(args.out, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
