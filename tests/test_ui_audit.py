"""Audit pages: the list, an event's changes, CSV downloads, the export job, and scope."""

from __future__ import annotations

import asyncio
import re

from test_ui_helpers import post_form, sign_in, token_for

from core.audit.models import AuditEvent


async def _company_created(bo_client, name: str) -> int:
    res = await post_form(bo_client, "/companies/new", {"name": name, "type": "client"})
    assert res.status_code == 303, res.text
    event = (
        await AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.action == "Company created")
        .order_by(AuditEvent.id, ascending=False)
        .first()
    )
    return event["id"]


async def test_list_and_detail_of_an_event(bo_client, bo_factory):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    await sign_in(bo_client, admin)
    event_id = await _company_created(bo_client, "Audited Co")
    res = await bo_client.get("/audit")
    assert res.status_code == 200
    for text in ("Date &amp; time", ">User<", ">IP<", ">Action<", "Company created", "Signed in"):
        assert text in res.text
    assert admin["email"] in res.text and "127.0.0.1" in res.text
    assert f'href="/audit/{event_id}"' in res.text

    detail = await bo_client.get(f"/audit/{event_id}")
    assert detail.status_code == 200
    # Issue 8: labels, names and a before/after table replace raw table/column dumps
    for text in ("Field", "Value", "Company", "IP address"):  # a creation: values it set
        assert f">{text}<" in detail.text
    assert re.search(r">Name</th>\s*<td>Audited Co</td>", detail.text)
    assert f'href="/audit/{event_id}/csv"' in detail.text

    csv = await bo_client.get(f"/audit/{event_id}/csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"audit-event-{event_id}.csv" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0].startswith("table,operation,object_id")
    assert "Audited Co" in csv.text


async def test_filters_and_sorting(bo_client, bo_factory):
    await sign_in(bo_client, await bo_factory.user(await bo_factory.owner()))
    await _company_created(bo_client, "First")
    await _company_created(bo_client, "Second")
    res = await bo_client.get("/audit?action=Company+created")
    assert res.text.count(">Company created</a>") == 2 and ">Signed in</a>" not in res.text
    assert '<option value="Signed in">' in res.text  # the action choice lists known actions
    res = await bo_client.get("/audit?sort=action&order=asc")
    actions = re.findall(r'class="row-link" href="/audit/\d+">([^<]+)</a>', res.text)
    assert actions == sorted(actions)
    res = await bo_client.get("/audit?date_from=yesterday")
    assert res.status_code == 200 and "Must be a date" in res.text
    assert "No events match" in res.text
    res = await bo_client.get("/audit?date_from=2000-01-01&date_to=2000-01-02")
    assert "No events match" in res.text


async def test_other_tenants_events_are_invisible(bo_client, bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    r2 = await bo_factory.company(owner, "reseller", name="R2")
    await sign_in(bo_client, await bo_factory.user(r2))
    foreign = await _company_created(bo_client, "Secret Client")
    await sign_in(bo_client, await bo_factory.user(r1))
    res = await bo_client.get("/audit")
    assert "Secret Client" not in res.text and f'href="/audit/{foreign}"' not in res.text
    assert (await bo_client.get(f"/audit/{foreign}")).status_code == 404
    assert (await bo_client.get(f"/audit/{foreign}/csv")).status_code == 404


async def _wait_done(bo_client, job_id: int) -> dict:
    for _ in range(100):
        state = (await bo_client.get(f"/ui/jobs/{job_id}/status")).json()
        if state["status"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {state}")


async def test_export_job_progress_and_download(bo_client, bo_factory):
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    await _company_created(bo_client, "Exported Co")
    await _company_created(bo_client, "Other Co")
    token = await token_for(bo_client, "/audit")
    res = await bo_client.post(
        "/audit/export", data={"_csrf_token": token, "action": "Company created"}
    )
    assert res.status_code == 303
    job_id = int(res.headers["location"].rsplit("/", 1)[1])
    page = await bo_client.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and f'data-job-status="/ui/jobs/{job_id}/status"' in page.text
    state = await _wait_done(bo_client, job_id)
    assert state["status"] == "done" and state["percent"] == 100, state
    assert state["download"] == f"/jobs/{job_id}/download"
    assert "Download CSV" in (await bo_client.get(f"/jobs/{job_id}")).text
    csv = await bo_client.get(state["download"])
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    assert "Exported Co" in csv.text and "Other Co" in csv.text
    assert "Signed in" not in csv.text  # the filter travelled with the job

    reseller = await bo_factory.company(owner, "reseller", name="Nosy")
    await sign_in(bo_client, await bo_factory.user(reseller))
    assert (await bo_client.get(f"/jobs/{job_id}")).status_code == 404
    assert (await bo_client.get(f"/ui/jobs/{job_id}/status")).status_code == 404
    assert (await bo_client.get(f"/jobs/{job_id}/download")).status_code == 404


async def test_export_with_invalid_filters_is_refused(bo_client, bo_factory):
    await sign_in(bo_client, await bo_factory.user(await bo_factory.owner()))
    token = await token_for(bo_client, "/audit")
    res = await bo_client.post("/audit/export", data={"_csrf_token": token, "date_to": "soon"})
    assert res.status_code == 422 and "must be a date" in res.text


async def test_the_detail_reads_like_a_person_wrote_it(bo_client, bo_factory):
    """Labels, names for ids, Yes/No and plain lists, and the changed values highlighted."""
    from core.audit.recorder import AuditContext, Change, record_event

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Acme Reseller")
    client = await bo_factory.company(reseller, "client", name="Blue Client")
    admin = await bo_factory.user(reseller)
    theirs = await bo_factory.company(
        await bo_factory.company(owner, "reseller", name="Other Reseller"), "client", name="Hidden"
    )
    ctx = AuditContext(company_id=reseller["id"], user_id=admin["id"], user_label="a", ip="")
    event = await record_event(
        ctx,
        "Company changed",
        [
            Change(
                "companies",
                "update",
                client["id"],
                {"enabled": True, "languages": ["en"], "parent": theirs["id"], "name": "Old"},
                {
                    "enabled": False,
                    "languages": ["en", "de"],
                    "parent": reseller["id"],
                    "name": "Old",
                },
                reseller["id"],
            )
        ],
    )
    await sign_in(bo_client, admin)
    res = await bo_client.get(f"/audit/{event}")
    assert res.status_code == 200
    text = res.text
    assert "Changed</span> Company: " in text
    assert f'<a href="/companies/{client["id"]}">Blue Client (ID {client["id"]})</a>' in text
    assert "True" not in text and "False" not in text and "[&#39;en&#39;]" not in text
    assert re.search(r">Enabled</th>\s*<td><del>Yes</del></td>\s*<td><ins>No</ins></td>", text)
    assert re.search(r">Languages</th>\s*<td><del>en</del></td>\s*<td><ins>en, de</ins>", text)
    # another tenant's company stays an id; the own one is named
    assert f"<del>ID {theirs['id']}</del>" in text and "Hidden" not in text
    assert "<ins>Acme Reseller</ins>" in text
    # an unchanged value is shown but not highlighted
    assert re.search(r'<tr>\s*<th scope="row">Name</th>\s*<td>Old</td>\s*<td>Old</td>', text)


async def test_role_permissions_show_area_labels(bo_client, bo_factory):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    await sign_in(bo_client, admin)
    res = await post_form(
        bo_client,
        "/roles/new",
        {"name": "Readers", "group": "backoffice", "perm.account_management": "view"},
    )
    assert res.status_code == 303, res.text
    event = (
        await AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.action == "Role created")
        .order_by(AuditEvent.id, ascending=False)
        .first()
    )
    text = (await bo_client.get(f"/audit/{event['id']}")).text
    assert "Account management: view" in text and "account_management" not in text


def test_values_read_as_a_person_writes_them():
    from core.ui.audit_display import Names, field_label, plain, shown
    from tenants.scope import Scope

    names = Names(Scope(1, "1", "owner"))
    assert plain(True) == "Yes" and plain(False) == "No" and plain(None) == "—"
    assert plain(["en"]) == "en" and plain(["a@x.test", "b@x.test"]) == "a@x.test, b@x.test"
    assert plain("2026-01-01T00:00:00+00:00") == "2026-01-01 00:00 UTC"
    assert plain("2026-01-01T00:00:00+01:00") == "2026-01-01 00:00 +01:00"
    assert plain("not-a-dateT12:00") == "not-a-dateT12:00"
    assert shown("credit_limit", 500_000_000, names).text == "500.00"
    assert shown("balance", -1_234_567, names).text == "-1.234567"
    assert shown("company_id", 424242, names).text == "ID 424242"  # unknown or not visible
    assert field_label("company_id") == "Company" and field_label("is_admin") == "No restrictions"
    assert field_label("billing_day") == "Billing day"
