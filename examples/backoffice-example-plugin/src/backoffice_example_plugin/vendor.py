"""The ``example-http`` vendor: a JSON-over-HTTP SMS gateway with signed webhooks.

The gateway API it talks to is deliberately simple (``POST {base_url}/messages`` answering
``{"id": ..., "status": ...}``) so the plugin shows the shape of a vendor, not a real protocol.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from core.errors import Invalid, Unauthorized
from core.plugins.declarations import Vendor
from core.plugins.fields import Field
from core.plugins.values import OutboundMessage, SendResult, VendorError, WebhookEvent

SIGNATURE_HEADER = "x-example-signature"

STATUS_MAP = {
    "queued": "accepted",
    "sent": "sent",
    "delivered": "delivered",
    "undeliverable": "failed",
    "rejected": "rejected",
    "expired": "expired",
}


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _holds_nul(value: Any) -> bool:
    """Walked with a stack, not recursion: a body may nest as deep as json.loads allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class ExampleHttpVendor(Vendor):
    key = "example-http"
    name = "Example HTTP gateway"
    channels = ("example-sms",)
    settings_fields = (
        Field("base_url", "url", "API address", required=True),
        Field("api_key", "secret", "API key", required=True),
        Field("webhook_secret", "secret", "Webhook signing secret", required=True),
        Field("timeout_seconds", "integer", "Timeout (seconds)", default=10, min=1, max=60),
        # A conditional field: the CA certificate is asked for (and required) only when the
        # gateway's TLS certificate is not signed by a public authority.
        Field(
            "tls_trust",
            "choice",
            "Trust the gateway's certificate by",
            choices=(("system", "The system's authorities"), ("own_ca", "Our own CA")),
            default="system",
        ),
        Field(
            "ca_certificate",
            "file",
            "Gateway CA certificate (PEM)",
            required=True,
            content_types=("application/x-pem-file", "application/x-x509-ca-cert"),
            max_size=64 * 1024,
            show_if=("tls_trust", "own_ca"),
        ),
    )
    sender_id_fields = (Field("account", "string", "Gateway account", required=True),)

    def __init__(
        self, settings: Mapping[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings)
        self._transport = transport  # tests pass an httpx.MockTransport

    async def send(self, message: OutboundMessage) -> SendResult:
        payload = {
            "account": message.credentials.get("account"),
            "from": message.sender,
            "to": message.recipient,
            "text": message.body,
            "reference": message.message_id,
        }
        headers = {"Authorization": f"Bearer {self.settings['api_key']}"}
        async with httpx.AsyncClient(
            base_url=self.settings["base_url"],
            transport=self._transport,
            timeout=self.settings.get("timeout_seconds", 10),
            verify=self.tls_context(),
        ) as client:
            try:
                response = await client.post("/messages", json=payload, headers=headers)
            except httpx.TransportError as exc:
                raise VendorError(f"gateway unreachable: {exc}", retryable=True) from exc
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise VendorError(f"gateway answered {response.status_code}", retryable=retryable)
        data = response.json()
        return SendResult(
            vendor_message_id=str(data["id"]),
            status=await self.map_status(str(data.get("status", "queued"))),
            raw=data,
        )

    def tls_context(self) -> ssl.SSLContext:
        """The system's authorities, or only the uploaded CA when the connection says so."""
        upload = self.settings.get("ca_certificate")
        if self.settings.get("tls_trust") != "own_ca" or not upload:
            return ssl.create_default_context()
        try:
            pem = base64.b64decode(upload["data"]).decode("ascii")
            return ssl.create_default_context(cadata=pem)
        except (ValueError, ssl.SSLError) as exc:
            raise VendorError(
                f"the CA certificate {upload.get('filename', '')!r} is not a PEM certificate",
                retryable=False,
            ) from exc

    async def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        # bytes, not str: compare_digest refuses non-ASCII text, which a caller can send
        expected = sign(self.settings["webhook_secret"], body).encode()
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
            raise Unauthorized("webhook signature does not match")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            raise Invalid.field("body", "is not JSON") from None
        if not isinstance(data, dict):
            raise Invalid.field("body", "must be a JSON object")
        if _holds_nul(data):  # no database text column can store it
            raise Invalid.field("body", "must not contain NUL characters (\\u0000)")
        if data.get("type") == "inbound":
            return [
                WebhookEvent(
                    kind="inbound",
                    sender=data.get("from"),
                    recipient=data.get("to"),
                    body=data.get("text"),
                    raw=data,
                )
            ]
        vendor_status = str(data.get("status", ""))
        return [
            WebhookEvent(
                kind="status",
                vendor_message_id=str(data.get("id", "")),
                vendor_status=vendor_status,
                status=await self.map_status(vendor_status),
                raw=data,
            )
        ]

    async def map_status(self, vendor_status: str) -> str:
        return STATUS_MAP.get(vendor_status, "unknown")
