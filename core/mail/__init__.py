"""Outgoing email: a job sends through SMTP, or keeps mail in a dev mailbox when none is set.

``send_email`` is the one entry point for other modules; see ``core.mail.outbox``.
"""

from core.mail.outbox import dispatch_email, send_email, store_email

__all__ = ["dispatch_email", "send_email", "store_email"]
