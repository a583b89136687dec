"""Where generated files (exports, reports) live, behind one small interface.

Keys are relative, slash-separated names chosen by our code but partly built from user-visible
values, so every key is validated: no absolute paths, no ``..``, no odd characters. That keeps
a crafted key from ever reading or writing outside the storage root.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from core.settings import get_settings

CHUNK_SIZE = 64 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class InvalidKey(ValueError):
    """A storage key that could escape the storage root or is not a plain relative name."""


def validate_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 500:
        raise InvalidKey(f"invalid storage key {key!r}")
    for segment in key.split("/"):
        if not _SEGMENT.match(segment) or segment in {".", ".."} or ".." in segment:
            raise InvalidKey(f"invalid storage key {key!r}")
    return key


class Storage(Protocol):
    def save(self, key: str, data: bytes | Iterable[bytes]) -> int: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> bool: ...

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None: ...


class LocalStorage:
    """Files under one folder; writes go to a temp file first so readers never see half a file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"invalid storage key {key!r}")
        return path

    def save(self, key: str, data: bytes | Iterable[bytes]) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        chunks = [data] if isinstance(data, bytes | bytearray) else data
        written = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    written += len(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return written

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.open("rb")

    def delete(self, key: str) -> bool:
        path = self._path(key)
        if not path.is_file():
            return False
        path.unlink()
        return True

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def iter_file(handle: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def get_storage() -> Storage:
    """The configured storage (today: the local folder ``BACKOFFICE_DATA_DIR``/files)."""
    return LocalStorage(Path(get_settings().data_dir) / "files")
