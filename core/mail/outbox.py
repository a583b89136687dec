"""Storing an email and handing it to the delivery job.

Every message is a row first, so nothing is lost when SMTP is down and the dev mailbox can show
what would have been sent. Storing and queueing are separate steps because a job queued inside
an open transaction may run before the commit and find no row: callers that write other data
with the email use ``store_email`` inside their transaction and ``dispatch_email`` after it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from core.db.engine import transaction
from core.errors import Invalid, NotFound
from core.mail.models import OutboundEmail
from core.settings import get_settings

log = logging.getLogger("backoffice.mail")

MAX_SUBJECT = 300


def _clean_address(to: str) -> str:
    address = (to or "").strip()
    local, at, domain = address.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(address) > 254
        or any(c in address for c in " \r\n<>,;")
    ):
        raise Invalid.field("to", "must be a single valid email address")
    return address


async def store_email(company_id: int, to: str, subject: str, text: str, html: str = "") -> int:
    """The new message's id; ``captured`` at once when no SMTP server is configured."""
    subject = " ".join((subject or "").split())[:MAX_SUBJECT]
    captured = not get_settings().smtp_configured
    async with transaction():
        email = OutboundEmail(
            company=company_id,
            to_address=_clean_address(to),
            subject=subject,
            text_body=text,
            html_body=html,
            status="captured" if captured else "queued",
            sent_at=datetime.now(UTC) if captured else None,
        )
        await email.save()
    return email.id


async def dispatch_email(email_id: int) -> None:
    """Queue delivery of a stored message; a captured one needs no delivery.

    A queue failure is logged, not raised: the message stays ``queued`` for a later retry
    instead of undoing the change that caused it.
    """
    row = await OutboundEmail.select(OutboundEmail.status).where(OutboundEmail.id == email_id)
    if not row:
        raise NotFound(f"email {email_id} not found")
    if row[0]["status"] != "queued":
        return
    from core.mail.delivery import deliver_email

    try:
        await deliver_email.enqueue(email_id)
    except Exception:
        log.exception("could not queue email %s; it stays queued", email_id)


async def send_email(company_id: int, to: str, subject: str, text: str, html: str = "") -> int:
    """Store and queue one message; call it after your own transaction has committed."""
    email_id = await store_email(company_id, to, subject, text, html)
    await dispatch_email(email_id)
    return email_id
