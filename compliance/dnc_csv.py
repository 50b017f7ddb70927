"""Reading a DNC upload: CSV rows (with or without a header) as (row number, number, reason)."""

from collections.abc import Iterator

from config.csv import read_rows as read_csv

NUMBER_HEADERS = {"number", "phone", "phone_number", "phone number", "telephone", "mobile"}
REASON_HEADERS = {"reason", "note", "notes", "comment"}
# The API refuses a larger upload before reading it; this bounds a queued job's payload the same way.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_rows(file) -> Iterator[tuple[int, str, str]]:
    """Rows of a CSV file (read by the rules of `config.csv`: encodings, separators, hostile input), numbered as a
    spreadsheet shows them. A first row naming a `number` column (and optionally `reason`) is a header; otherwise
    the number is the first column and the reason the second. Blank lines are skipped."""
    number_at, reason_at = 0, 1
    for line, row in read_csv(file, max_bytes=MAX_FILE_BYTES):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if line == 1 and NUMBER_HEADERS & {cell.lower() for cell in cells}:
            names = [cell.lower() for cell in cells]
            number_at = next(i for i, name in enumerate(names) if name in NUMBER_HEADERS)
            reason_at = next((i for i, name in enumerate(names) if name in REASON_HEADERS), None)
            continue
        number = cells[number_at] if number_at < len(cells) else ""
        reason = cells[reason_at] if reason_at is not None and reason_at < len(cells) else ""
        yield line, number, reason
