"""Reading a declared field list (``core.plugins.fields``) back from a posted HTML form.

A form sends strings, repeated names for multi-choice boxes and files; this turns them into
the same JSON shape an API client sends (a file becomes ``{filename, content_type, data}`` in
base64), so one validator (``validate_values``) answers both and cannot drift.
"""

from __future__ import annotations

import base64
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from core.plugins.fields import Field

_FALSE = ("", "0", "false", "off")


async def posted_fields(request: Request, fields: tuple[Field, ...], prefix: str) -> dict[str, Any]:
    """The declared fields' values from the form; blanks are left out, unchecked boxes false.

    A file is read only up to one byte beyond its declared limit, so an oversize upload is
    refused without holding all of it (the request body limit caps what is received at all).
    """
    form = await request.form()
    data: dict[str, Any] = {}
    for field in fields:
        name = prefix + field.name
        if field.type == "boolean":
            data[field.name] = form.get(name, "") not in _FALSE
        elif field.type == "multichoice":
            chosen = [v for v in form.getall(name, []) if isinstance(v, str) and v]
            if chosen:
                data[field.name] = chosen
        elif field.type == "file":
            upload = form.get(name)
            if isinstance(upload, UploadFile) and upload.filename:
                raw = await upload.read(field.max_size + 1)
                data[field.name] = {
                    "filename": upload.filename,
                    "content_type": upload.content_type or "application/octet-stream",
                    "data": base64.b64encode(raw).decode("ascii"),
                }
        else:
            raw = form.get(name, "")
            if isinstance(raw, str) and raw.strip() != "":
                data[field.name] = raw.strip() if field.html_input != "textarea" else raw
    return data


async def shown_values(request: Request, fields: tuple[Field, ...], prefix: str) -> dict[str, Any]:
    """What a re-shown form puts back in its inputs: every box ticked stays ticked."""
    form = await request.form()
    return {
        prefix + f.name: form.getall(prefix + f.name, []) for f in fields if f.type == "multichoice"
    }
