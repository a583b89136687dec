"""Any portal colour yields buttons and links that keep WCAG AA contrast."""

from hypothesis import given
from hypothesis import strategies as st

from core.web import themes
from core.web.contrast import AA, PAGE_BACKGROUNDS, button_colours, contrast, link_colour


def test_a_colour_that_passes_is_used_as_chosen():
    assert button_colours("#aa3300") == ("#aa3300", "#ffffff")
    assert link_colour("#1a4fd0") == "#1a4fd0"


def test_a_light_colour_gets_readable_links_and_dark_button_text():
    css = themes.Branding(primary_color="#ffeb3b").brand_css
    assert "--brand: #ffeb3b;" in css and "--brand-text: #1d2433;" in css
    link = css.split("--brand-link: ")[1].rstrip(";")
    assert all(contrast(link, bg) >= AA for bg in PAGE_BACKGROUNDS)


def test_a_mid_grey_that_no_text_colour_reads_on_is_darkened_for_buttons():
    fill, text = button_colours("#8a8a8a")
    assert fill != "#8a8a8a" and contrast(fill, text) >= AA


@given(st.from_regex(r"\A#[0-9a-f]{6}\Z"))
def test_every_colour_yields_aa_buttons_and_links(colour):
    fill, text = button_colours(colour)
    assert contrast(fill, text) >= AA
    assert all(contrast(link_colour(colour), bg) >= AA for bg in PAGE_BACKGROUNDS)
