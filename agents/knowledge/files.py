"""What an uploaded file really is (by its bytes, not its name), what it would expand to, and the text inside it.

Limits (`FileLimits`, per tenant plan: `agents.knowledge.limits`) are checked twice: at upload, from what the
file declares without expanding it (a .docx/.xlsx zip's central directory, a PDF's page count, a text file's
length), and again while extracting. Extraction (and a PDF's page count) runs in a child process with a memory
limit (RLIMIT_AS) and a time limit, so a file that lies about itself or explodes anyway fails on its own and the
worker survives.

This module imports nothing of Django: it is also the child's program (`python -I files.py TASK KIND LIMITS`).
"""

import csv
import io
import json
import logging
import resource
import subprocess
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import PurePath

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
KINDS = ("pdf", "docx", "xlsx", "txt", "md", "csv", "json")
TEXT_KINDS = {"txt", "md", "csv", "json"}
# A zip entry smaller than this may be compressed at any ratio: it cannot expand to much.
RATIO_CHECK_FROM_BYTES = 1024 * 1024
# Counting a PDF's pages at upload must not hold the request for as long as indexing may take.
PAGE_COUNT_SECONDS = 10


@dataclass(frozen=True)
class FileLimits:
    max_uncompressed_bytes: int
    max_zip_entries: int
    max_compression_ratio: int
    max_pdf_pages: int
    max_text_chars: int
    extraction_memory_bytes: int
    extraction_seconds: float


class RejectedFile(ValueError):
    """The file cannot be accepted; the message is shown to the user. `over_limit`: refused for its size."""

    def __init__(self, message: str, *, over_limit: bool = False):
        super().__init__(message)
        self.over_limit = over_limit


class ExtractionFailed(ValueError):
    """The file was accepted but no usable text came out of it; the message is shown to the user."""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _too_much_text(limits: FileLimits) -> str:
    return f"The file holds more than {limits.max_text_chars:,} characters of text (the limit)."


def _declared_entries(content: bytes) -> int | None:
    """The entry count in the end-of-central-directory record (or its ZIP64 form), read before zipfile lists,
    and allocates, every entry."""
    at = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if at < 0 or at + 22 > len(content):
        return None
    entries = int.from_bytes(content[at + 10 : at + 12], "little")
    zip64 = content.rfind(b"PK\x06\x06", 0, at)
    if entries == 0xFFFF and zip64 >= 0:
        entries = int.from_bytes(content[zip64 + 32 : zip64 + 40], "little")
    return entries


def _zip_members(content: bytes, limits: FileLimits) -> set[str]:
    """The archive's member names once its central directory shows it within the limits; empty if no zip."""
    entries = _declared_entries(content)
    if entries is not None and entries > limits.max_zip_entries:
        raise RejectedFile(
            f"The archive has {entries:,} entries; the limit is {limits.max_zip_entries:,}.", over_limit=True
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return set()
    if len(members) > limits.max_zip_entries:
        raise RejectedFile(
            f"The archive has {len(members):,} entries; the limit is {limits.max_zip_entries:,}.", over_limit=True
        )
    expanded = sum(member.file_size for member in members)
    if expanded > limits.max_uncompressed_bytes:
        raise RejectedFile(
            f"Expands to {_mb(expanded)}; the limit is {_mb(limits.max_uncompressed_bytes)}.", over_limit=True
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECK_FROM_BYTES and ratio > limits.max_compression_ratio:
            raise RejectedFile(
                f"{member.filename} is compressed {ratio:,.0f} to 1; the limit is {limits.max_compression_ratio} to 1.",
                over_limit=True,
            )
    # zipfile stops each member at its declared size (a CRC error past it), so these figures bind extraction too.
    return {member.filename for member in members}


def _decode(content: bytes) -> str | None:
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def detect_kind(name: str, content: bytes, limits: FileLimits) -> str:
    """The file's kind, when its extension is supported, its content matches it and it is within the limits."""
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
            f"File is {len(content) / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB.",
            over_limit=True,
        )
    if extension == "pdf":
        if not content.startswith(b"%PDF-"):
            raise RejectedFile("Content is not a PDF document.")
        try:
            pages = run_sandboxed("pages", "pdf", content, limits, seconds=PAGE_COUNT_SECONDS)
        except ExtractionFailed as exc:
            raise RejectedFile(str(exc)) from exc
        if pages > limits.max_pdf_pages:
            raise RejectedFile(f"The PDF has {pages:,} pages; the limit is {limits.max_pdf_pages:,}.", over_limit=True)
    elif extension == "docx":
        if "word/document.xml" not in _zip_members(content, limits):
            raise RejectedFile("Content is not a Word (.docx) document.")
    elif extension == "xlsx":
        if "xl/workbook.xml" not in _zip_members(content, limits):
            raise RejectedFile("Content is not an Excel (.xlsx) workbook.")
    else:
        text = _decode(content)
        if text is None:
            raise RejectedFile("Content is not UTF-8 text (binary data?).")
        if len(text) > limits.max_text_chars:
            raise RejectedFile(_too_much_text(limits), over_limit=True)
        if extension == "json":
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise RejectedFile(f"Content is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
            except RecursionError:
                raise RejectedFile("The JSON is nested too deeply to read.") from None
    return extension


class _Text:
    """Extracted text, refused as soon as it grows past the limit (not once it is all in memory)."""

    def __init__(self, limits: FileLimits):
        self.parts, self.size, self.limits = [], 0, limits

    def add(self, text: str) -> None:
        self.size += len(text) + 2
        if self.size > self.limits.max_text_chars:
            raise ExtractionFailed(_too_much_text(self.limits))
        self.parts.append(text)

    def joined(self, separator: str) -> str:
        return separator.join(self.parts)


def _pdf_reader(content):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise ExtractionFailed("The PDF is password-protected.")
    return reader


def _pdf_pages(content) -> int:
    from pypdf.errors import PdfReadError

    try:
        return len(_pdf_reader(content).pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        if isinstance(exc, ExtractionFailed):
            raise
        raise ExtractionFailed(f"The PDF cannot be read ({exc}).") from exc


def _pdf_text(content, limits: FileLimits):
    from pypdf.errors import PdfReadError

    text = _Text(limits)
    try:
        reader = _pdf_reader(content)
        if len(reader.pages) > limits.max_pdf_pages:
            raise ExtractionFailed(f"The PDF has {len(reader.pages):,} pages; the limit is {limits.max_pdf_pages:,}.")
        for page in reader.pages:
            text.add(page.extract_text() or "")
    except (PdfReadError, ValueError, KeyError) as exc:
        if isinstance(exc, ExtractionFailed):
            raise
        raise ExtractionFailed(f"The PDF cannot be read ({exc}).") from exc
    return text.joined("\n\n")


def _docx_text(content, limits: FileLimits):
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionFailed(f"The Word document cannot be read ({exc}).") from exc
    text = _Text(limits)
    for paragraph in document.paragraphs:
        text.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            text.add(" | ".join(cell.text.strip() for cell in row.cells))
    return text.joined("\n\n")


def _xlsx_text(content, limits: FileLimits):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionFailed(f"The workbook cannot be read ({exc}).") from exc
    text = _Text(limits)
    try:
        for sheet in workbook.worksheets:
            text.add(f"Sheet {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                cells = [str(value) for value in row if value is not None]
                if cells:
                    text.add(" | ".join(cells))
            text.add("")
    finally:
        workbook.close()
    return text.joined("\n")


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


def extract_text(kind: str, content: bytes, limits: FileLimits) -> str:
    """The file's text, in this process: call `run_sandboxed("text", ...)` for a file from outside."""
    if kind == "pdf":
        text = _pdf_text(content, limits)
    elif kind == "docx":
        text = _docx_text(content, limits)
    elif kind == "xlsx":
        text = _xlsx_text(content, limits)
    else:
        decoded = _decode(content) or ""
        if kind == "csv":
            text = _csv_text(decoded)
        elif kind == "json":
            text = "\n".join(_json_lines(json.loads(decoded)))
        else:
            text = decoded
        if len(text) > limits.max_text_chars:
            raise ExtractionFailed(_too_much_text(limits))
    if not text.strip():
        raise ExtractionFailed("No text could be extracted (a scanned document or an empty sheet?).")
    return text


# The child process ---------------------------------------------------------------------------


def run_sandboxed(task: str, kind: str, content: bytes, limits: FileLimits, *, seconds: float | None = None):
    """`task` ("text": extract_text, "pages": a PDF's page count) in a child process limited to
    `limits.extraction_memory_bytes` of address space and `seconds` (default `limits.extraction_seconds`).
    Every way it can fail is an ExtractionFailed with a reason for the user."""
    seconds = min(seconds or limits.extraction_seconds, limits.extraction_seconds)
    command = [sys.executable, "-I", __file__, task, kind, json.dumps(asdict(limits))]
    try:
        done = subprocess.run(command, input=content, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise ExtractionFailed(
            f"Reading the file took longer than {seconds:g} s (the limit); it was stopped."
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        logger.warning("The %s extraction child exited %s: %s", kind, done.returncode, done.stderr[-2000:])
        raise ExtractionFailed(
            f"Reading the file stopped (exit status {done.returncode}): it needs more than "
            f"{_mb(limits.extraction_memory_bytes)} of memory (the limit), or it is damaged."
        )
    if "failed" in answer:
        raise ExtractionFailed(answer["failed"])
    return answer["result"]


def _child(task: str, kind: str, limits_json: str) -> dict:
    limits = FileLimits(**json.loads(limits_json))
    memory = limits.extraction_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    content = sys.stdin.buffer.read()
    try:
        return {"result": _pdf_pages(content) if task == "pages" else extract_text(kind, content, limits)}
    except ExtractionFailed as exc:
        return {"failed": str(exc)}
    except MemoryError:
        return {"failed": f"Reading the file needs more than {_mb(memory)} of memory (the limit)."}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_child(*sys.argv[1:4])))
