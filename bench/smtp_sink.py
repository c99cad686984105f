"""An SMTP sink for the benchmarks: accepts and counts, keeps nothing.

Run: python bench/smtp_sink.py PORT
"""

from __future__ import annotations

import sys

from aiosmtpd.controller import Controller


class Sink:
    """Accept every message."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    port = int(sys.argv[1])
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # runs until stdin closes
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
