"""A real HTTP server on 127.0.0.1 for faking external APIs at the HTTP boundary.

    with FakeHTTP() as server:                      # or the `fake_http` fixture in conftest.py
        server.add("POST", "/v1/chat/completions", json=openai_chat_completion("Hello!"))
        client = OpenAI(api_key="sk-test", base_url=server.url + "/v1")
        ...
        assert server.requests[0].json["model"] == "gpt-4o-mini"

Responses are scripted per method and path (query strings ignored for matching): several `add`s for
the same route are served in order and the last one keeps being served. Unscripted requests get a
404 and are recorded like every other request.
"""

import json as jsonlib
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict  # lower-cased names
    body: bytes

    @property
    def json(self):
        return jsonlib.loads(self.body)


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class FakeHTTP:
    def __init__(self):
        self.requests: list[Recorded] = []
        self._routes = defaultdict(list)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A handler held by `delay` must not keep the test waiting when the server shuts down.
        self._server.block_on_close = False
        # shutdown() waits for the serving loop's next poll: poll often so that tests stay fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(
        self,
        method: str,
        path: str,
        *,
        json=None,
        body: bytes = b"",
        status: int = 200,
        headers: dict | None = None,
        delay: float = 0.0,
    ) -> None:
        """Script one response; `json` is serialised with a JSON content type, `body` is sent as is."""
        headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Type", "application/octet-stream")
        with self._lock:
            self._routes[(method.upper(), path)].append(Scripted(status, body, headers, delay))

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.method == method.upper() and request.path == path]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()

    def _next(self, method, path):
        with self._lock:
            queue = self._routes.get((method, path))
            if not queue:
                return Scripted(
                    404,
                    jsonlib.dumps({"error": f"no scripted response for {method} {path}"}).encode(),
                    {"Content-Type": "application/json"},
                )
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake._lock:
                    fake.requests.append(
                        Recorded(
                            self.command,
                            parts.path,
                            parse_qs(parts.query),
                            {name.lower(): value for name, value in self.headers.items()},
                            body,
                        )
                    )
                response = fake._next(self.command, parts.path)
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up first, as timeout tests make it do.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format, *args):
                """Keep test output clean."""

        return Handler


def openai_chat_completion(
    content: str | None = None, *, tool_calls: list[tuple[str, dict]] = (), model: str = "gpt-4o-mini-2024-07-18"
) -> dict:
    """A `chat.completion` object as the OpenAI API returns it; `tool_calls` are (name, arguments) pairs."""
    calls = [
        {
            "id": f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": name, "arguments": jsonlib.dumps(arguments)},
        }
        for name, arguments in tool_calls
    ]
    message = {"role": "assistant", "content": content, "refusal": None, "annotations": []}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": 42,
            "completion_tokens": 12,
            "total_tokens": 54,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_0123456789",
    }


def openai_embeddings(vectors: list[list[float]], *, model: str = "text-embedding-3-small") -> dict:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": index, "embedding": vector} for index, vector in enumerate(vectors)],
        "model": model,
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }


def openai_error(message: str, *, type: str = "invalid_request_error", code: str | None = None) -> dict:
    """The body of an OpenAI API error response (send it with a 4xx/5xx status)."""
    return {"error": {"message": message, "type": type, "param": None, "code": code}}
