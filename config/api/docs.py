"""Swagger UI (/api/docs/) under the strict Content-Security-Policy: drf-spectacular's split view serves the start-up
script as a file of its own instead of inline, and the page's one inline <style> is allowed by its hash only."""

import base64
import hashlib
import re

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from config.middleware import content_security_policy

_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def _allow_its_inline_styles(response):
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(style).digest()).decode()}'"
        for style in _STYLE.findall(response.content)
    ]
    response["Content-Security-Policy"] = content_security_policy(style_src=hashes)


class ApiDocsView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:  # the page, not its start-up script
            response.add_post_render_callback(_allow_its_inline_styles)
        return response
