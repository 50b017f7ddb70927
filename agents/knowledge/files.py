"""What an uploaded file really is (by its bytes, not its name) and the text inside it."""

import csv
import io
import json
import zipfile
from pathlib import PurePath

MAX_FILE_BYTES = 10 * 1024 * 1024
KINDS = ("pdf", "docx", "xlsx", "txt", "md", "csv", "json")
TEXT_KINDS = {"txt", "md", "csv", "json"}


class RejectedFile(ValueError):
    """The file cannot be accepted; the message is shown to the user."""


class ExtractionFailed(ValueError):
    """The file was accepted but no usable text came out of it; the message is shown to the user."""


def _zip_members(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except zipfile.BadZipFile:
        return set()


def _decode(content: bytes) -> str | None:
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def detect_kind(name: str, content: bytes) -> str:
    """The file's kind, when its extension is supported and its content matches it."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in KINDS:
        raise RejectedFile(
            f"Unsupported file type '.{extension}'; use one of: {', '.join(KINDS)}."
            if extension
            else f"File has no extension; use one of: {', '.join(KINDS)}."
        )
    if not content:
        raise RejectedFile("File is empty.")
    if len(content) > MAX_FILE_BYTES:
        raise RejectedFile(
            f"File is {len(content) / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    if extension == "pdf":
        if not content.startswith(b"%PDF-"):
            raise RejectedFile("Content is not a PDF document.")
    elif extension == "docx":
        if "word/document.xml" not in _zip_members(content):
            raise RejectedFile("Content is not a Word (.docx) document.")
    elif extension == "xlsx":
        if "xl/workbook.xml" not in _zip_members(content):
            raise RejectedFile("Content is not an Excel (.xlsx) workbook.")
    else:
        text = _decode(content)
        if text is None:
            raise RejectedFile("Content is not UTF-8 text (binary data?).")
        if extension == "json":
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise RejectedFile(f"Content is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    return extension


def _pdf_text(content):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise ExtractionFailed("The PDF is password-protected.")
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        if isinstance(exc, ExtractionFailed):
            raise
        raise ExtractionFailed(f"The PDF cannot be read ({exc}).") from exc


def _docx_text(content):
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionFailed(f"The Word document cannot be read ({exc}).") from exc
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(parts)


def _xlsx_text(content):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionFailed(f"The workbook cannot be read ({exc}).") from exc
    lines = []
    for sheet in workbook.worksheets:
        lines.append(f"Sheet {sheet.title}")
        for row in sheet.iter_rows(values_only=True):
            cells = [str(value) for value in row if value is not None]
            if cells:
                lines.append(" | ".join(cells))
        lines.append("")
    workbook.close()
    return "\n".join(lines)


def _csv_text(text):
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    if not body:
        return " | ".join(header)
    # "column: value" pairs keep each row's meaning when it lands in a chunk without the header.
    return "\n".join("; ".join(f"{name}: {value}" for name, value in zip(header, row)) for row in body)


def _json_lines(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_lines(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_lines(item, f"{path}[{index}]")
    else:
        yield f"{path}: {value}" if path else str(value)


def extract_text(kind: str, content: bytes) -> str:
    if kind == "pdf":
        text = _pdf_text(content)
    elif kind == "docx":
        text = _docx_text(content)
    elif kind == "xlsx":
        text = _xlsx_text(content)
    else:
        decoded = _decode(content) or ""
        if kind == "csv":
            text = _csv_text(decoded)
        elif kind == "json":
            text = "\n".join(_json_lines(json.loads(decoded)))
        else:
            text = decoded
    if not text.strip():
        raise ExtractionFailed("No text could be extracted (a scanned document or an empty sheet?).")
    return text
