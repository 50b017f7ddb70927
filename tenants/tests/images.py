"""Small images made in the test, as a browser would upload them."""

import io

from PIL import Image


def image(fmt="PNG", size=(8, 4), colour=(10, 125, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="8" height="4"/></svg>'
