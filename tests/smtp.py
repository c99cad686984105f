"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Behaviour:
    """How the server answers: refuse some recipients, fail the first DATA commands, be slow."""

    refuse: set[str] = field(default_factory=set)  # 550 at RCPT TO
    temporary_failures: int = 0  # the first N DATA commands get 451
    delay: float = 0.0  # seconds before answering DATA


class Handler:
    """Stores every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.behaviour.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.behaviour.delay:
            await asyncio.sleep(self.behaviour.delay)
        with self.lock:
            if self.behaviour.temporary_failures > 0:
                self.behaviour.temporary_failures -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd in a thread on 127.0.0.1."""

    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.handler.messages)

    @property
    def behaviour(self) -> Behaviour:
        return self.handler.behaviour

    def to(self, address: str) -> list[EmailMessage]:
        """Messages received for ``address``."""
        return [m for m in self.messages if m["To"] == address]
