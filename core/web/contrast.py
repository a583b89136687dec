"""WCAG 2.1 contrast for a portal's chosen colour.

A portal picks any primary colour; the pages use it for filled buttons, the active menu item and
links. A light colour would make white button text or links on the page unreadable, so the
theme gets accessible variants: the fill darkened until its text reaches 4.5:1, and a link
colour darkened until it reaches 4.5:1 on the page and on cards. A colour that already passes
is used exactly as chosen.
"""

from __future__ import annotations

AA = 4.5
DARK_TEXT = "#1d2433"
WHITE = "#ffffff"
PAGE_BACKGROUNDS = ("#ffffff", "#f4f6f9")  # cards and the page behind them (both themes)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def darkened(colour: str, factor: float) -> str:
    return _hex(tuple(int(c * factor) for c in _rgb(colour)))  # type: ignore[arg-type]


def _darken_until(colour: str, passes) -> str:
    candidate = colour
    for _ in range(100):
        if passes(candidate):
            return candidate
        candidate = darkened(candidate, 0.95)
    return "#000000"


def button_colours(colour: str) -> tuple[str, str]:
    """(fill, text): the chosen colour with whichever text reads better, or a darker fill."""
    text = max((WHITE, DARK_TEXT), key=lambda t: contrast(colour, t))
    if contrast(colour, text) >= AA:
        return colour, text
    return _darken_until(colour, lambda c: contrast(c, WHITE) >= AA), WHITE


def link_colour(colour: str) -> str:
    return _darken_until(colour, lambda c: all(contrast(c, bg) >= AA for bg in PAGE_BACKGROUNDS))
