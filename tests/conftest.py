"""BackOffice's own suite uses the fixtures shipped in ``core.plugins.testing``."""

import pytest


@pytest.fixture(autouse=True)
async def _clean_database(bo_db):
    yield
