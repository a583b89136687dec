"""``csv_lines.lines`` writes exactly what ``csv.writer`` writes (its defaults, ``\\r\\n`` after
each row), for every kind of cell an export's columns may hold: it only finds the cells to quote
a column at a time instead of a cell at a time."""

from __future__ import annotations

import csv
import io
import itertools
import random

from core.web.csv_lines import lines

CELLS = [
    "plain",
    "",
    " ",
    "a,b",
    'say "hi"',
    '"',
    '""',
    "line\nbreak",
    "carriage\rreturn",
    "both\r\n",
    "\n",
    ",",
    "'=1+1",
    "-5.000000",
    "Zürich \u2013 東京",
    "tab\there",
    "semi;colon",
    7,
    -12,
    10**30,
    0,
    1.5,
    True,
    None,
]


def written(columns: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def test_every_kind_of_cell_is_written_as_csv_writer_writes_it():
    # each cell alone in a column of plain cells, and beside every other kind in its row
    for value in CELLS:
        columns = [["x", value, "y"], [value, value, value], [1, 2, 3]]
        assert lines(columns) == written(columns), value
    pairs = list(itertools.product(CELLS, repeat=2))
    columns = [[a for a, _ in pairs], [b for _, b in pairs], ["end"] * len(pairs)]
    assert lines(columns) == written(columns)


def test_columns_only_of_plain_text_or_integers_and_random_mixes():
    plain = [["a", "b", "c"], [1, 2, 3], ["", "", ""]]
    assert lines(plain) == written(plain) == "a,1,\r\nb,2,\r\nc,3,\r\n"
    draw = random.Random(9)
    for _ in range(200):
        width, height = draw.randint(2, 6), draw.randint(1, 8)
        columns = [[draw.choice(CELLS) for _ in range(height)] for _ in range(width)]
        assert lines(columns) == written(columns)


def test_one_column_and_no_rows():
    # a row of one empty cell is written as "" by csv.writer: a blank line would be no row
    for column in (["", "a"], [None], ["a,b", 'q"'], [5]):
        assert lines([column]) == written([column])
    assert lines([]) == "" and lines([[], []]) == ""
