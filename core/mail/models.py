"""Every email the platform sends, kept so that delivery can be retried and inspected."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company

EMAIL_STATUSES = ("queued", "sent", "failed", "captured")


class OutboundEmail(Table, tablename="outbound_emails"):
    """``captured`` means no SMTP server is configured: the mail is readable in the dev mailbox."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    to_address = Varchar(length=254, index=True)
    subject = Varchar(length=300)
    text_body = Text(default="")
    html_body = Text(default="")
    status = Varchar(length=16, default="queued")
    error = Text(default="")
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
