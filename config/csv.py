"""CSV in and out, with one set of rules for every upload (contacts, DNC) and every export (calls).

Reading: UTF-8 (with or without a BOM), UTF-16 with a BOM (spreadsheets' "Unicode text") or else latin-1 (older
spreadsheet exports; every byte decodes); the separator is the one the first line uses most (comma, semicolon,
tab or pipe). Bad input is a `CsvRejected` (a 4xx naming the file and the problem), never a crash: NUL bytes
(a binary file), a field over the csv module's limit, a row with more than MAX_COLUMNS cells, a file over the
caller's size limit, an unterminated quote. Rows are streamed, so a large upload is never held whole as text.

Writing: every cell goes through `cell`, so text that a caller or tenant influenced cannot run as a formula
when the file is opened in a spreadsheet (OWASP "CSV injection").
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from config.errors import DomainError, TooLarge

DELIMITERS = ",;\t|"
MAX_COLUMNS = 1000
_CHUNK = 1024 * 1024
_HEAD_CHARS = 64 * 1024


class CsvRejected(DomainError):
    error_code = "malformed_csv"

    def __init__(self, problem: str, *, error_code: str | None = None, detail=None):
        super().__init__(detail or f"file: {problem}", error_code=error_code, errors={"file": [problem]})


class CsvTooLarge(CsvRejected, TooLarge):
    error_code = "file_too_large"


def _not_csv() -> CsvRejected:
    return CsvRejected("This is not a CSV text file.", error_code="not_csv")


def _encoding(file, max_bytes: int) -> str:
    """Reads the file once (in chunks, keeping nothing) for its size and encoding; leaves it at its start."""
    file.seek(0)
    utf16 = file.read(2) in (b"\xff\xfe", b"\xfe\xff")
    file.seek(0)
    utf8, size = codecs.getincrementaldecoder("utf-8")(), 0
    is_utf8 = not utf16
    while chunk := file.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise CsvTooLarge(f"The file is larger than {max_bytes / 2**20:g} MB.")
        if not utf16 and b"\x00" in chunk:
            raise _not_csv()
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    file.seek(0)
    if utf16:
        return "utf-16"
    return "utf-8-sig" if is_utf8 else "latin-1"


def _text(source, max_bytes: int):
    if isinstance(source, str):
        if len(source) > max_bytes:
            raise CsvTooLarge(f"The file is larger than {max_bytes / 2**20:g} MB.")
        return io.StringIO(source, newline="")
    file = io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source
    encoding = _encoding(file, max_bytes)
    return io.TextIOWrapper(file, encoding=encoding, newline="")


def _delimiter(head: str) -> str:
    """The separator the first line uses most; a one-column file has none (then a comma)."""
    first_line = re.sub(r'"[^"]*"', "", head.lstrip("\r\n").split("\n", 1)[0])  # separators inside quotes don't count
    best = max(DELIMITERS, key=first_line.count)
    return best if first_line.count(best) else ","


def _checked_lines(text, delimiter: str) -> Iterator[str]:
    for line in text:
        if "\x00" in line:
            raise _not_csv()
        # Counted before the csv module splits the line, so a line of a million separators is never a list.
        if line.count(delimiter) >= MAX_COLUMNS and re.sub(r'"[^"]*"', "", line).count(delimiter) >= MAX_COLUMNS:
            raise CsvRejected(f"A row has more than {MAX_COLUMNS} columns.", error_code="too_many_columns")
        yield line


def read_rows(source, *, max_bytes: int) -> Iterator[tuple[int, list[str]]]:
    """(line number as a spreadsheet shows it, cells) for every row, blank ones included, of an uploaded CSV:
    bytes, text, or a seekable binary file. Raises CsvRejected (see the module's docstring)."""
    text = _text(source, max_bytes)
    try:
        head = text.read(_HEAD_CHARS)
        text.seek(0)
        delimiter = _delimiter(head)
        reader = csv.reader(_checked_lines(text, delimiter), delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise CsvRejected(
                f"Line {reader.line_num}: {exc}.", detail=f"Malformed CSV at line {reader.line_num}: {exc}."
            ) from None
    except UnicodeDecodeError:
        raise CsvRejected("The file is not UTF-16 text, though it starts like it.", error_code="not_csv") from None
    finally:
        if isinstance(text, io.TextIOWrapper):
            text.detach()  # the caller's file stays open (a wrapper closes what it wraps when collected)


# Writing ------------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def cell(value):
    """A value as a spreadsheet-safe cell. Text that a spreadsheet would read as a formula gets a leading `'`
    (shown as text, not run); numbers stay numbers, typed (a negative int) or written as one (an E.164 phone
    number, `-3.5`): a bare number runs nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line (for a streamed response), every value through `cell`."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([cell(value) for value in row])
