"""Hostile knowledge-base files built in the test, small on the wire and fast to make."""

import io
import struct
import zipfile

from agents.tests.factories import docx_bytes


def with_member(archive: bytes, name: str, content: bytes) -> bytes:
    """The archive with `name` replaced by (or added as) `content`, deflated."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, content)
    return out.getvalue()


def docx_expanding_to(size: int) -> bytes:
    """A real .docx whose word/document.xml is `size` bytes of one repeated paragraph (a decompression bomb)."""
    paragraph = b"<w:p><w:r><w:t>lol</w:t></w:r></w:p>"
    body = paragraph * (size // len(paragraph))
    xml = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    return with_member(docx_bytes("x"), "word/document.xml", xml + body + b"</w:body></w:document>")


def xlsx_expanding_to(workbook: bytes, size: int) -> bytes:
    """The workbook with its first sheet grown to `size` bytes of identical rows."""
    row = b'<row><c t="inlineStr"><is><t>lol</t></is></c></row>'
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    sheet += row * (size // len(row)) + b"</sheetData></worksheet>"
    return with_member(workbook, "xl/worksheets/sheet1.xml", sheet)


def zip_with_entries(count: int, first: str = "word/document.xml") -> bytes:
    """A valid (ZIP64 when needed) archive of `count` empty stored entries, written by hand: zipfile takes
    seconds for 100,000 entries."""
    local, central, offset = [], [], 0
    for index in range(count):
        name = (first if index == 0 else f"{index:x}").encode()
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central.append(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 45, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, offset)
            + name
        )
        local.append(header)
        offset += len(header)
    directory = b"".join(central)
    end = offset + len(directory)
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    record = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(directory), offset, 0)
    return b"".join(local) + directory + zip64 + locator + record
