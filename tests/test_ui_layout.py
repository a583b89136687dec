"""The shared frame and list pieces every page relies on: empty states, paging labels, the skip
link and menu toggle, the favicon, and error messages that fields can point at."""

from __future__ import annotations

from test_ui_helpers import post_form, sign_in


async def _signed_in_owner(bo_client, bo_factory) -> dict:
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner, first_name="Ada", last_name="Lovelace"))
    return owner


async def test_empty_lists_say_yet_without_a_filter_and_no_matches_with_one(bo_client, bo_factory):
    await _signed_in_owner(bo_client, bo_factory)
    for path, plural in (
        ("/companies", "companies"),
        ("/banks", "banks"),
        ("/portals", "portals"),
        ("/agreements", "agreements"),
        ("/legal-entities", "legal entities"),
        ("/bank-accounts", "bank accounts"),
        ("/payment-systems", "payment systems"),
    ):
        text = (await bo_client.get(path)).text
        assert f"No {plural} yet." in text and "match these filters" not in text, path
        text = (await bo_client.get(path + "?q=zzz")).text
        assert f"No {plural} match these filters." in text, path
        assert f'class="empty-clear" href="{path}">Show all {plural}</a>' in text, path
        assert "yet." not in text, path
    text = (await bo_client.get("/roles?q=zzz-no-such-role")).text
    assert "No roles match these filters." in text


async def test_paging_labels_and_frame_are_accessible(bo_client, bo_factory):
    await _signed_in_owner(bo_client, bo_factory)
    text = (await bo_client.get("/companies")).text
    # One page only: First, Previous, Next and Last are disabled spans that say so.
    assert text.count('disabled" aria-disabled="true">') == 4
    assert 'aria-label="10 rows per page"' in text
    # The skip link leads to the page's main region; the menu toggle is enhanced by app.js.
    assert text.index('class="skip-link" href="#content"') < text.index('class="sidebar"')
    assert '<main class="content" id="content" tabindex="-1">' in text
    assert '<button class="menu-toggle" type="button" aria-expanded="false" hidden>' in text
    # The avatar menu's accessible name starts with the initials it shows.
    assert 'aria-label="AL, my account menu">AL</summary>' in text


async def test_default_favicon_is_served_by_the_theme(bo_client, bo_factory):
    text = (await bo_client.get("/login")).text
    assert '<link rel="icon" href="/static/default/favicon.svg" type="image/svg+xml">' in text
    res = await bo_client.get("/static/default/favicon.svg")
    assert res.status_code == 200 and res.headers["content-type"].startswith("image/svg+xml")
    # A theme without its own icon falls back to the default one.
    assert (await bo_client.get("/static/daylight/favicon.svg")).status_code == 200


async def test_field_errors_carry_ids_that_fields_can_point_at(bo_client, bo_factory):
    await _signed_in_owner(bo_client, bo_factory)
    res = await post_form(bo_client, "/companies/new", {"name": "", "type": "client"})
    assert res.status_code in (200, 422)
    assert 'id="error-name" data-error-for="name"' in res.text
