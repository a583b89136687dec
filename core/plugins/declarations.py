"""What plugins declare: plain classes and dataclasses, no I/O at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Theme:
    """A UI theme: Jinja templates and static files, optionally extending a parent theme."""

    name: str
    label: str
    templates_dir: Path
    static_dir: Path | None = None
    parent: str | None = "default"
