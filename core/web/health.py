"""``GET /health``: is the database reachable, and is the job broker?"""

from __future__ import annotations

import asyncio

from litestar import Response, get

from core.db.engine import engine
from core.settings import get_settings


async def _database() -> str:
    try:
        await asyncio.wait_for(engine().run_ddl("SELECT 1"), timeout=5)
        return "ok"
    except Exception as exc:  # the report must name the failure, not raise it
        return f"error: {type(exc).__name__}: {exc}"


async def _broker() -> str:
    settings = get_settings()
    if not settings.uses_redis:
        return "ok (in-process)"
    import redis.asyncio as redis

    client = redis.from_url(settings.redis_url, socket_connect_timeout=3)
    try:
        await asyncio.wait_for(client.ping(), timeout=5)
        return "ok (redis)"
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"
    finally:
        await client.aclose()


@get("/health", summary="Database and broker reachability", tags=["Operations"])
async def health() -> Response:
    database, broker = await asyncio.gather(_database(), _broker())
    healthy = database == "ok" and broker.startswith("ok")
    body = {"status": "ok" if healthy else "error", "database": database, "broker": broker}
    return Response(content=body, status_code=200 if healthy else 503)
