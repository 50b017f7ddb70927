"""A tenant's webhook receiver as the docs tell one to be written, on a real HTTP server on 127.0.0.1: it checks the
signature, answers with the statuses it is scripted to (then 200), and acts once per event id (`effects`)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks import signing


@dataclass
class Received:
    headers: dict  # lower-cased names
    body: bytes
    signature_ok: bool


class Receiver:
    def __init__(self, secret: str = "", failures: tuple[int, ...] = ()):
        self.secret = secret
        self.failures = list(failures)
        self.received: list[Received] = []
        self.effects: list[str] = []  # event ids acted on
        self.clock = time.time  # a test on a clock of its own gives it here: signatures are checked against it
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, headers: dict, body: bytes) -> int:
        ok = signing.verify(self.secret, headers.get("webhook-signature", ""), body, now=int(self.clock()))
        with self._lock:
            self.received.append(Received(headers, body, ok))
            if not ok:
                return 401
            if self.failures:
                return self.failures.pop(0)
            if headers["webhook-id"] not in self.effects:
                self.effects.append(headers["webhook-id"])
            return 200

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._handle({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        return Handler
