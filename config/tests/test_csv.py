"""config.csv: one way to read an uploaded CSV and one way to write a cell, for every app."""

import io

import pytest

from config.api.errors import status_of
from config.csv import CsvRejected, cell, lines, read_rows

MB = 1024 * 1024


def rows(source, max_bytes=MB):
    return [cells for _, cells in read_rows(source, max_bytes=max_bytes)]


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")', "+", "-"],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", [-3, -2.5, 0, 42])
def test_typed_numbers_stay_numbers(value):
    assert cell(value) == value


@pytest.mark.parametrize("value", ["+14155550123", "-3", "-2.5", "+1e3", "hello", "a=b", "", "2026-12-07T10:00:00"])
def test_text_that_is_a_bare_number_or_starts_harmlessly_is_kept(value):
    assert cell(value) == value


def test_none_and_booleans_are_written_plainly():
    assert (cell(None), cell(True), cell(False)) == ("", "true", "false")


def test_lines_write_escaped_rows():
    assert list(lines([["name", "n"], ["=1+1", -1]])) == ["name,n\r\n", "'=1+1,-1\r\n"]


def test_utf8_with_a_bom_commas():
    assert rows("\ufeffphone,name\n+1,Zoë\n".encode()) == [["phone", "name"], ["+1", "Zoë"]]


def test_utf16_with_a_bom_and_tabs():
    assert rows("phone\tname\r\n+1\tZoë\r\n".encode("utf-16")) == [["phone", "name"], ["+1", "Zoë"]]


def test_latin1_semicolons():
    assert rows("phone;Prénom\n+1;Zoé\n".encode("latin-1")) == [["phone", "Prénom"], ["+1", "Zoé"]]


def test_a_seekable_file_is_streamed_and_rows_carry_their_line_numbers():
    source = io.BytesIO(b'a,b\n"two\nlines",x\n\nlast,y\n')
    assert list(read_rows(source, max_bytes=MB)) == [
        (1, ["a", "b"]),
        (3, ["two\nlines", "x"]),
        (4, []),
        (5, ["last", "y"]),
    ]


def test_text_is_read_as_it_is():
    assert rows("a|b\n1|2\n") == [["a", "b"], ["1", "2"]]


@pytest.mark.parametrize(
    ("content", "error_code", "status"),
    [
        (b"phone\n+1\x00\n", "not_csv", 400),
        (b"%PDF-1.7\n\x00\x00", "not_csv", 400),
        (b'phone\n"' + b"x" * 200_000 + b'"\n', "malformed_csv", 400),
        (b'phone\n"never closed\n', "malformed_csv", 400),
        (b"phone\n" + b"," * 1_000_000 + b"\n", "too_many_columns", 400),
        (b"x" * (MB + 1), "file_too_large", 413),
    ],
    ids=["nul", "binary", "huge-field", "unterminated-quote", "million-columns", "oversize"],
)
def test_hostile_files_are_refused_with_a_4xx_naming_the_file(content, error_code, status):
    with pytest.raises(CsvRejected) as refused:
        rows(content)
    assert (refused.value.error_code, status_of(refused.value)) == (error_code, status)
    assert refused.value.errors["file"]


def test_separators_inside_quotes_are_not_columns():
    assert len(rows(b'a,b\n"' + b"," * 5000 + b'",x\n')[1]) == 2


def test_the_callers_file_stays_open_after_reading():
    source = io.BytesIO(b"a,b\n1,2\n")
    assert rows(source) == [["a", "b"], ["1", "2"]]
    assert not source.closed and source.read() == b""


def test_a_file_that_starts_like_utf16_but_is_not_is_refused():
    with pytest.raises(CsvRejected) as refused:
        rows(b"\xff\xfe" + b"a\x00,\x00b\x00\n\x00" + b"\x00\xd8")  # a lone surrogate
    assert refused.value.error_code == "not_csv"
