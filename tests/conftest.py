"""BackOffice's own suite uses the fixtures shipped in ``core.plugins.testing``."""

import pytest


@pytest.fixture(autouse=True)
async def _clean_database(bo_db):
    yield


def pytest_collection_modifyitems(items) -> None:
    """Longest modules first: the browser tests (the page-by-page axe walks above all) would
    otherwise start last, with one worker walking pages while the others sit idle."""

    def weight(item) -> int:
        path = str(item.path)
        if "/browser/" not in path:
            return 2
        return 0 if "fit_and_axe" in path else 1

    items.sort(key=weight)
