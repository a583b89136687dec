"""The delivery job: one message through SMTP (blocking smtplib, so in a thread).

A failed attempt is recorded on the row (status ``failed``, the error, the attempt count) and
raised again so dramatiq retries it; a later success turns the row ``sent``.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

from core.jobs import job
from core.mail.models import OutboundEmail
from core.settings import Settings, get_settings

log = logging.getLogger("backoffice.mail")

SMTP_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 4


def build_message(settings: Settings, row: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.partition("@")[2] or None)
    message.set_content(row["text_body"] or "")
    if row["html_body"]:
        message.add_alternative(row["html_body"], subtype="html")
    return message


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    host, port = settings.smtp_host, settings.smtp_port
    if settings.smtp_tls == "ssl":
        context = ssl.create_default_context()
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if settings.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        client.send_message(message)


async def deliver(email_id: int) -> str:
    """Send one stored message; the status it ends in."""
    row = await OutboundEmail.select().where(OutboundEmail.id == email_id).first()
    if row is None:
        log.warning("email %s is gone; nothing to send", email_id)
        return "missing"
    if row["status"] in ("sent", "captured"):
        return row["status"]
    settings = get_settings()
    if not settings.smtp_configured:
        await OutboundEmail.update(
            {OutboundEmail.status: "captured", OutboundEmail.sent_at: datetime.now(UTC)}
        ).where(OutboundEmail.id == email_id)
        return "captured"
    attempts = row["attempts"] + 1
    try:
        await asyncio.to_thread(smtp_send, settings, build_message(settings, row))
    except (OSError, smtplib.SMTPException) as exc:
        await OutboundEmail.update(
            {
                OutboundEmail.status: "failed",
                OutboundEmail.attempts: attempts,
                OutboundEmail.error: f"{type(exc).__name__}: {exc}"[:2000],
            }
        ).where(OutboundEmail.id == email_id)
        log.warning("email %s: attempt %d failed: %s", email_id, attempts, exc)
        if attempts < MAX_ATTEMPTS:
            raise
        return "failed"
    await OutboundEmail.update(
        {
            OutboundEmail.status: "sent",
            OutboundEmail.attempts: attempts,
            OutboundEmail.error: "",
            OutboundEmail.sent_at: datetime.now(UTC),
        }
    ).where(OutboundEmail.id == email_id)
    return "sent"


@job(queue_name="mail", max_retries=MAX_ATTEMPTS - 1, min_backoff=5_000, time_limit=120_000)
async def deliver_email(email_id: int) -> None:
    await deliver(email_id)


JOBS = [deliver_email]
