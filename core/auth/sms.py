"""Where sign-in codes go: a pluggable SMS sender.

The 2FA SMS integration of a later issue registers a real sender with ``set_sender``. Until then
the dev sender keeps messages in memory and in ``<data dir>/dev-outbox/sms.jsonl`` (never in the
database), so developers, tests and a browser test in another process can read the code.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from core.settings import get_settings

log = logging.getLogger("backoffice.sms")


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class DevSmsSender:
    """Keeps the last messages for developers; logs that a message went out, not its text."""

    def __init__(self, keep: int = 100) -> None:
        self.outbox: deque[dict] = deque(maxlen=keep)

    @staticmethod
    def path() -> Path:
        return Path(get_settings().data_dir) / "dev-outbox" / "sms.jsonl"

    async def send(self, phone: str, text: str) -> None:
        item = {"phone": phone, "text": text, "at": datetime.now(UTC).isoformat()}
        self.outbox.append(item)
        await asyncio.to_thread(self._append, item)
        log.info("dev SMS sender: message to %s kept in the dev outbox", mask_phone(phone))

    def _append(self, item: dict) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(item) + "\n")

    @classmethod
    def recent(cls, limit: int) -> list[dict]:
        """The newest messages of every process sharing the data dir, newest first."""
        path = cls.path()
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
        return [json.loads(line) for line in reversed(lines) if line.strip()]

    def last_to(self, phone: str) -> str | None:
        for item in reversed(self.outbox):
            if item["phone"] == phone:
                return item["text"]
        return None


_state: dict[str, SmsSender] = {}


def get_sender() -> SmsSender:
    if "sender" not in _state:
        _state["sender"] = DevSmsSender()
    return _state["sender"]


def set_sender(sender: SmsSender | None) -> None:
    """Install a real sender (``None`` goes back to the dev sender)."""
    _state.pop("sender", None)
    if sender is not None:
        _state["sender"] = sender


def mask_phone(phone: str) -> str:
    return phone[:3] + "•" * (len(phone) - 5) + phone[-2:] if len(phone) > 6 else "••"
