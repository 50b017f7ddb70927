"""Uploaded logos: PNG, JPEG or WebP only (never SVG, which can carry script), within LOGO_MAX_BYTES and
LOGO_MAX_PIXELS, checked by decoding them with Pillow. They are served from the tenant's own host
(`/brand/logo/<digest>`), so the pages' CSP allows images from 'self' and data: only."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from config.errors import DomainError, TooLarge

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CheckedLogo:
    content: bytes
    content_type: str
    digest: str


def _refused(problem: str, error_code: str = "invalid_logo") -> DomainError:
    return DomainError(f"logo: {problem}", error_code=error_code, errors={"logo": [problem]})


def checked_logo(upload) -> CheckedLogo:
    """The upload (a file) as a logo we serve, or a 4xx naming the `logo` and the problem. Never reads more than one
    byte past the limit."""
    content = upload.read(settings.LOGO_MAX_BYTES + 1)
    if len(content) > settings.LOGO_MAX_BYTES:
        limit = f"{settings.LOGO_MAX_BYTES // 1024} KB"
        raise TooLarge(f"logo: larger than {limit}.", errors={"logo": [f"At most {limit}."]})
    wrong_type = "Upload a PNG, JPEG or WebP image (SVG is not accepted)."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(FORMATS)) as image:
                kind = image.format
                width, height = image.size
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refused(wrong_type, "unsupported_logo") from None
    except (OSError, SyntaxError, ValueError):
        raise _refused("The image is damaged or cut short.") from None
    if width * height > settings.LOGO_MAX_PIXELS:
        raise _refused(f"At most {settings.LOGO_MAX_PIXELS} pixels ({width}×{height} given).")
    return CheckedLogo(content=content, content_type=FORMATS[kind], digest=hashlib.sha256(content).hexdigest())
