"""Outgoing mail: captured without SMTP, delivered by the job through SMTP, failures recorded."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from core.errors import Invalid
from core.mail import delivery, send_email, store_email
from core.mail.models import OutboundEmail
from core.settings import get_settings


class FakeSmtp:
    """A minimal SMTP server: enough of the protocol for smtplib to deliver one message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader, writer) -> None:
        def say(line: str) -> None:
            writer.write((line + "\r\n").encode())

        say("220 fake ESMTP")
        sender, rcpts = "", []
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 fake")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip("<> ")
                say("250 ok")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip("<> "))
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                await writer.drain()
                data = []
                while (chunk := (await reader.readline()).decode()) not in (".\r\n", ""):
                    data.append(chunk)
                self.messages.append((sender, rcpts, "".join(data)))
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:
                say("250 ok")
            await writer.drain()
        writer.close()


@pytest.fixture
def smtp_settings(monkeypatch):
    def use(**changes):
        settings = dataclasses.replace(get_settings(), **changes)
        monkeypatch.setattr(delivery, "get_settings", lambda: settings)
        monkeypatch.setattr("core.mail.outbox.get_settings", lambda: settings)
        return settings

    return use


async def test_without_smtp_mail_is_captured(bo_factory):
    owner = await bo_factory.owner()
    email_id = await send_email(owner["id"], " dev@example.test ", "Hello\nthere", "Body")
    row = await OutboundEmail.select().where(OutboundEmail.id == email_id).first()
    assert row["status"] == "captured" and row["to_address"] == "dev@example.test"
    assert row["subject"] == "Hello there" and row["sent_at"] is not None
    assert await delivery.deliver(email_id) == "captured"


async def test_bad_address_is_refused(bo_factory):
    owner = await bo_factory.owner()
    for to in ("nobody", "a@b", "a@example.test, b@example.test", "a@example.test\r\nBcc: x"):
        with pytest.raises(Invalid):
            await store_email(owner["id"], to, "s", "t")
    assert await OutboundEmail.count() == 0


async def test_smtp_delivery_through_the_job(bo_factory, bo_client, smtp_settings):
    server = FakeSmtp()
    port = await server.start()
    try:
        smtp_settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off", smtp_from="bo@example.test"
        )
        owner = await bo_factory.owner()
        email_id = await send_email(
            owner["id"], "to@example.test", "Invitation", "Plain text", "<p>Html</p>"
        )
        for _ in range(200):
            row = await OutboundEmail.select().where(OutboundEmail.id == email_id).first()
            if row["status"] != "queued":
                break
            await asyncio.sleep(0.05)
        assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"]
    finally:
        await server.stop()
    (sender, rcpts, data) = server.messages[0]
    assert sender == "bo@example.test" and rcpts == ["to@example.test"]
    assert "Subject: Invitation" in data and "Plain text" in data and "<p>Html</p>" in data


async def test_failed_attempts_are_recorded_then_given_up(bo_factory, smtp_settings):
    smtp_settings(smtp_host="127.0.0.1", smtp_port=1, smtp_tls="off")
    owner = await bo_factory.owner()
    email_id = await store_email(owner["id"], "to@example.test", "s", "t")
    for attempt in range(1, delivery.MAX_ATTEMPTS):
        with pytest.raises(OSError):
            await delivery.deliver(email_id)
        row = await OutboundEmail.select().where(OutboundEmail.id == email_id).first()
        assert row["status"] == "failed" and row["attempts"] == attempt and row["error"]
    assert await delivery.deliver(email_id) == "failed"  # the last attempt does not raise
