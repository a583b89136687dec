"""Materialised paths for the company tree."""

from __future__ import annotations


def child_path(parent_path: str, child_id: int) -> str:
    return f"{parent_path or '/'}{child_id}/"


def ancestor_ids(path: str) -> list[int]:
    """Ids from the root down to the company itself."""
    return [int(part) for part in path.strip("/").split("/") if part]
