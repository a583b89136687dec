"""The contract suites of the new hooks, run on plugins written for them: the ext test plugin
(routes, a page, a menu entry, templates, a migrated table) passes ``ExtensionContract``, an
event subscriber passes ``EventSubscriberContract``, and plugins that break the rules fail
those suites' tests for the right reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from ext_plugin import KEY, ExtNotesPlugin

from core.events import CompanyBlocked, subscribe
from core.jobs import job
from core.plugins.contracts import EventSubscriberContract, ExtensionContract
from core.plugins.extension import MenuEntry, PluginFiles
from core.plugins.hookspecs import hookimpl

SEEN: list[dict] = []


@job("default", name="tests.kit_contracts.note_blocked", max_retries=0)
async def note_blocked(payload: dict) -> None:
    SEEN.append(payload)


class BlockWatcher:
    @hookimpl
    def register_event_subscribers(self):
        return [subscribe("company.blocked", note_blocked)]


class TestExtNotesExtensions(ExtensionContract):
    plugin = ExtNotesPlugin()
    name = KEY


class TestBlockWatcher(EventSubscriberContract):
    plugin = BlockWatcher()
    samples = {
        "company.blocked": CompanyBlocked(company_id=1, company_path="/1/", company_name="A")
    }


@job("default", name="tests.kit_contracts.explode", max_retries=0)
async def explode(payload: dict) -> None:
    raise RuntimeError(f"subscriber down for {payload['company_name']}")


class Exploding:
    @hookimpl
    def register_event_subscribers(self):
        return [subscribe("company.blocked", explode)]


class Dangling:
    @hookimpl
    def register_menu_entries(self):
        return [MenuEntry("Lost", "/p/dangling/nowhere", "settings")]

    @hookimpl
    def register_templates(self):
        return [PluginFiles(templates_dir=Path(__file__).parent / "no-such-folder")]


class _DanglingContract(ExtensionContract):
    name = "dangling"


class _ExplodingContract(EventSubscriberContract):
    samples = TestBlockWatcher.samples


def test_a_menu_entry_without_its_page_and_a_missing_folder_fail_the_contract(bo_register_plugin):
    bo_register_plugin(Dangling(), name="dangling")
    suite = _DanglingContract()
    with pytest.raises(AssertionError, match="which no page serves"):
        suite.test_menu_entries_lead_to_pages_of_the_plugin_under_known_areas()
    with pytest.raises(AssertionError, match="is not a folder"):
        suite.test_template_folders_exist_and_keep_templates_in_a_subfolder()


async def test_a_job_failing_on_its_sample_fails_the_contract(bo_db, bo_register_plugin):
    watcher = Exploding()
    bo_register_plugin(watcher, name="exploding")
    suite = _ExplodingContract()
    suite.plugin = watcher
    suite.test_subscriptions_name_known_events_and_jobs()
    with pytest.raises(RuntimeError, match="subscriber down for A"):
        await suite.test_jobs_accept_a_sample_payload(None)
