"""Shared set-up for the sign-in security tests (2FA users, SMS codes, time travel)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

PHONE = "+4915112345678"
OTHER_PHONE = "+4915212345679"


def ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def last_sms_code(phone: str = PHONE) -> str:
    from core.auth.sms import get_sender

    text = get_sender().last_to(phone)
    assert text, f"no SMS was sent to {phone}"
    return re.search(r"\b(\d{6})\b", text).group(1)


async def set_user(user_id: int, **values) -> None:
    from core.auth.models import User

    await User.update({getattr(User, k): v for k, v in values.items()}).where(User.id == user_id)


async def with_sms(user: dict, phone: str = PHONE) -> dict:
    await set_user(user["id"], two_factor_enabled=True, two_factor_method="sms", phone=phone)
    return user


async def api_login(client, user: dict, **extra):
    body = {"login": user["email"], "password": user["password"], **extra}
    return await client.post("/api/v1/auth/token", json=body)


def bearer(res) -> dict:
    assert res.status_code == 201, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}
