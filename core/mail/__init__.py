"""Outgoing email: a job sends through SMTP, or keeps mail in a dev mailbox when none is set."""
