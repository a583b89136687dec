"""``backoffice dictionaries update``: re-reads the installed mcc-mnc-p1 tables, reports what
changed against the stored copy, stores the new copy that the MCC and networks dictionaries
then serve; ``dictionaries list`` shows every dictionary."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.catalogue.dictionaries import stored_networks
from core.catalogue.dictionaries.data import networks as package
from core.cli import main
from core.storage import get_storage


@pytest.fixture
def no_stored_copy():
    storage = get_storage()
    storage.delete(stored_networks.STORAGE_KEY)
    stored_networks.forget()
    yield storage
    storage.delete(stored_networks.STORAGE_KEY)
    stored_networks.forget()


def test_update_stores_the_package_tables_and_reports_counts(no_stored_copy):
    result = CliRunner().invoke(main, ["dictionaries", "update"])
    assert result.exit_code == 0, result.output
    version = package.package_version()
    assert f"source: mcc-mnc-p1 {version} (was: nothing stored" in result.output
    fresh = package.read_package()
    assert f"networks: {len(fresh['networks'])} values" in result.output
    assert f"mcc: {len(fresh['mcc'])} values" in result.output
    assert stored_networks.stored()["networks"] == json.loads(json.dumps(fresh["networks"]))


def test_update_names_what_changed_and_the_dictionaries_serve_the_new_copy(no_stored_copy):
    fresh = package.read_package()
    old = [list(row) for row in fresh["networks"] if row[0] != "20801"]
    old.append(["00000", "Gone network", {"mcc": "000", "mnc": "00"}])
    old[0][1] = "Old label"
    renamed = old[0][0]
    no_stored_copy.save(
        stored_networks.STORAGE_KEY,
        json.dumps({"source": "mcc-mnc-p1 0.9", "mcc": fresh["mcc"], "networks": old}).encode(),
    )
    stored_networks.forget()
    assert stored_networks.Networks.get("00000").name == "Gone network"  # the stored copy rules
    assert stored_networks.Networks.get("20801") is None
    result = CliRunner().invoke(main, ["dictionaries", "update"])
    assert result.exit_code == 0, result.output
    assert "(was: mcc-mnc-p1 0.9)" in result.output
    assert "networks: " in result.output and "1 added, 1 removed, 1 changed" in result.output
    assert "added: 20801" in result.output and "removed: 00000" in result.output
    assert f"changed: {renamed}" in result.output
    assert "mcc: " in result.output and "0 added, 0 removed, 0 changed" in result.output
    assert stored_networks.Networks.get("20801").name == "Orange"
    assert stored_networks.Networks.get("00000") is None  # now a missed option in trees


def test_update_without_the_package_says_how_to_get_it(no_stored_copy, monkeypatch):
    monkeypatch.setattr(package, "package_version", lambda: None)
    result = CliRunner().invoke(main, ["dictionaries", "update"])
    assert result.exit_code == 1
    assert "mcc-mnc-p1 package is not installed" in result.output
    stored_networks.forget()
    assert stored_networks.Networks.load() == ()
    assert "not installed" in stored_networks.Networks.describe_source()


def test_list_shows_every_dictionary_with_size_and_source():
    result = CliRunner().invoke(main, ["dictionaries", "list"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("countries "))
    assert "249" in line and "pycountry" in line and "core.catalogue.dictionaries.builtin" in line
