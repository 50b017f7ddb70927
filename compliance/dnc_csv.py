"""Reading a DNC upload: CSV rows (with or without a header) as (row number, number, reason)."""

import csv
import io
from collections.abc import Iterator

from config.api.errors import DomainError

NUMBER_HEADERS = {"number", "phone", "phone_number", "phone number", "telephone", "mobile"}
REASON_HEADERS = {"reason", "note", "notes", "comment"}


class MalformedCsv(DomainError):
    error_code = "malformed_csv"


def read_rows(file) -> Iterator[tuple[int, str, str]]:
    """Rows of a UTF-8 CSV file, numbered as a spreadsheet shows them. A first row naming a `number` column
    (and optionally `reason`) is a header; otherwise the number is the first column and the reason the second.
    Blank lines are skipped. Raises MalformedCsv for text that is not CSV in UTF-8."""
    reader = csv.reader(io.TextIOWrapper(file, encoding="utf-8-sig", newline=""))
    number_at, reason_at = 0, 1
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if reader.line_num == 1 and NUMBER_HEADERS & {cell.lower() for cell in cells}:
                names = [cell.lower() for cell in cells]
                number_at = next(i for i, name in enumerate(names) if name in NUMBER_HEADERS)
                reason_at = next((i for i, name in enumerate(names) if name in REASON_HEADERS), None)
                continue
            number = cells[number_at] if number_at < len(cells) else ""
            reason = cells[reason_at] if reason_at is not None and reason_at < len(cells) else ""
            yield reader.line_num, number, reason
    except UnicodeDecodeError as exc:
        raise MalformedCsv("The file is not UTF-8 text.", errors={"file": ["Save the CSV as UTF-8."]}) from exc
    except csv.Error as exc:
        raise MalformedCsv(
            f"Malformed CSV at line {reader.line_num}: {exc}.", errors={"file": [f"Line {reader.line_num}: {exc}."]}
        ) from exc
