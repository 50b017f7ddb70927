"""What we change in daphne's WebSocket layer (autobahn), and why: every live call's audio passes through it
50 times a second each way, and these costs are paid per frame whatever the application does.

The largest is autobahn's frame parser: a state machine that runs a dozen hooks per frame (frame begin, data,
end; message begin, frame, end; the UTF-8 validator's reset and run; an observer event with a Deferred), built
for fragmented and compressed messages of any size. A media frame is none of those: one small, masked,
unfragmented text frame, whole in the buffer. `take_whole_small_frames` delivers such a frame in one step,
with the same checks (masking, minimal length encoding, size limits, UTF-8), and leaves every other case,
and every frame it would reject, to autobahn's own parser.

Unmasking matters most under load. autobahn unmasks frames with native code called through CFFI, which
releases the GIL around its calls into C; each release lets a pool thread busy with a turn (the engine, the
ORM) take the interpreter, and the event loop then waits up to the switch interval to get it back. Beside one
busy thread on another core, autobahn spent ~500-700 µs per media frame instead of ~25-40
(`bench/websocket_frames.py`).

Before any of it, Twisted's reactor wraps every socket read in `callWithLogger` (a log prefix and a copied
context dict per call, ~2 µs) for its legacy log, which daphne sends nowhere; `read_without_log_context`
calls the read directly (the reactor's `_readOrWrite` logs a failed read itself).

Last, daphne hands every message to the application through an asyncio queue: `put_nowait`, a task woken up
and resumed, a new future for the next `receive()`; about 13% of the server's CPU at 200 live calls. An
application that handles a frame without awaiting anything (the media stream's audio, marks and keypad
digits) can take text frames straight from daphne instead (`receive_directly`), while it waits for its next
message and nothing is queued before this one: the same order, without the queue. The way out has the same
detour, a coroutine per message sent (`handle_reply`), which `send_directly` skips.

What goes out waits too: Twisted buffers every write until the reactor's next pass finds the socket writable,
so each message sent costs registering the socket for writing and unregistering it (two `epoll_ctl` calls and a
callback), and reaches the caller one pass of the event loop later; under load, a pass of every call's frames.
`write_through` sends a write at once when nothing is buffered before it (as asyncio's own transports do) and
buffers only what the socket does not take. TCP_NODELAY is on (autobahn sets it), so small writes are not held.

All of these replace names autobahn, Twisted and daphne look up at call time; `install()` runs once, from
`config.asgi`.
Revisit them when autobahn, Twisted or daphne is upgraded (their versions are pinned in
requirements/constraints.txt).
"""

import functools
import time

import autobahn.twisted.websocket
import autobahn.websocket.protocol
import twisted.internet.asyncioreactor
import twisted.internet.tcp
from daphne.ws_protocol import WebSocketProtocol

# Frames up to this size are unmasked here; larger ones by autobahn's own native masker.
SMALL_FRAME_BYTES = 4096


def _plain(value, *args, **kwargs):
    return value


def _replace_once(owner, name: str, replacement_for) -> None:
    """`owner.name` becomes `replacement_for(original)`, which keeps the original as `replaced`; installing twice
    changes nothing."""
    original = getattr(owner, name)
    if not hasattr(original, "replaced"):
        replacement = replacement_for(original)
        replacement.replaced = original
        setattr(owner, name, replacement)


class SmallFrameMasker:
    """RFC 6455 unmasking as one XOR of two big integers.

    autobahn's native masker builds two CFFI objects and calls into C per frame, giving up the GIL each time
    (see above); about 4 µs for a 300-byte media frame alone, against 1 µs here, which keeps the GIL.
    `pointer` is how many bytes were processed, as autobahn's maskers count: a frame's payload may come in
    several pieces, and each piece continues the mask where the last one stopped.
    """

    __slots__ = ("_mask", "_ptr")

    def __init__(self, mask: bytes):
        self._mask = bytes(mask)
        self._ptr = 0

    def pointer(self) -> int:
        return self._ptr

    def reset(self) -> None:
        self._ptr = 0

    def process(self, data: bytes) -> bytes:
        shift = self._ptr & 3
        self._ptr += len(data)
        return _unmask(self._mask[shift:] + self._mask[:shift], data)


def _unmask(mask: bytes, data: bytes) -> bytes:
    length = len(data)
    key = mask * (length // 4 + 1)
    return (int.from_bytes(data, "little") ^ int.from_bytes(key[:length], "little")).to_bytes(length, "little")


def _masker_for(native):
    def create_xor_masker(mask, length=None):
        if length is not None and length <= SMALL_FRAME_BYTES:
            return SmallFrameMasker(mask)
        return native(mask, length)

    return create_xor_masker


def quiet_debug_arguments() -> None:
    """autobahn styles the arguments of a debug log line with click for every frame it receives or sends,
    whether or not debug logging is on. Unstyled values read the same in a debug log and cost nothing."""
    for module in (autobahn.twisted.websocket, autobahn.websocket.protocol):
        module.hltype = module.hlval = _plain


def unmask_small_frames_here() -> None:
    _replace_once(autobahn.websocket.protocol, "create_xor_masker", _masker_for)


TEXT_FRAME = 0x81  # FIN, no extension bits, opcode 1 (text)


def _whole_small_frame(self) -> tuple[int, int] | None:
    """(header length, payload length) of the masked, unfragmented, uncompressed text frame at the start of the
    buffer, if it is there whole, small, within the limits, and nothing else is under way; otherwise None."""
    data = self.data
    if (
        len(data) < 6
        or data[0] != TEXT_FRAME
        or not data[1] & 0x80
        or self.current_frame is not None
        or self.inside_message
        or self.state != self.STATE_OPEN
        or self.failedByMe
        or not self.applyMask
        or self.logFrames
        or self.trackedTimings
        or (self._listeners and self._listeners.get("message"))
    ):
        return None
    length = data[1] & 0x7F
    if length == 126:
        length = int.from_bytes(data[2:4], "big")
        header = 8
        if length < 126:  # not the minimal encoding: autobahn's parser fails the connection
            return None
    elif length < 126:
        header = 6
    else:
        return None
    if (
        length > SMALL_FRAME_BYTES
        or len(data) < header + length
        or 0 < self.maxFramePayloadSize < length
        or 0 < self.maxMessagePayloadSize < length
    ):
        return None
    return header, length


def _process_data_for(parser):
    def processData(self) -> bool:
        frame = _whole_small_frame(self)
        if frame is None:
            return parser(self)
        header, length = frame
        data = self.data
        payload = _unmask(data[header - 4 : header], data[header : header + length])
        if self.utf8validateIncoming:
            try:
                payload.decode("utf-8")
            except UnicodeDecodeError:
                return parser(self)  # which fails the connection as the protocol requires (1007)
        self.data = data[header + length :]
        stats = self.trafficStats
        stats.incomingOctetsWebSocketLevel += length
        stats.incomingOctetsAppLevel += length
        stats.incomingWebSocketFrames += 1
        stats.incomingWebSocketMessages += 1
        if self.autoPingTimeoutCall and self.autoPingRestartOnAnyTraffic:
            self._cancelAutoPingTimeoutCall()
        self._onMessage(payload, False)
        return len(self.data) > 0

    return processData


def take_whole_small_frames() -> None:
    _replace_once(autobahn.websocket.protocol.WebSocketServerProtocol, "processData", _process_data_for)


def _call_directly(selectable, func, *args, **kwargs):
    return func(*args, **kwargs)


def read_without_log_context() -> None:
    twisted.internet.asyncioreactor.callWithLogger = _call_directly


def receive_directly(send, receiver) -> None:
    """`receiver(payload: bytes) -> bool` gets the text frames of the daphne connection behind `send` (the ASGI
    `send` daphne gave the application) while nothing is queued for the application; it returns False for a
    frame it leaves to the queue. None stops it. Elsewhere than under daphne (Channels' test communicator),
    this does nothing and every message comes through `receive()`."""
    if isinstance(send, functools.partial) and send.args and isinstance(send.args[0], WebSocketProtocol):
        send.args[0].direct_receiver = receiver


def send_directly(send):
    """A plain function `(text) -> None` that sends a text frame at once through the daphne connection behind `send`
    (as daphne's own `handle_reply` does, without a coroutine per message), or None elsewhere than under daphne.
    Nothing goes out once the connection is gone."""
    if not (isinstance(send, functools.partial) and send.args and isinstance(send.args[0], WebSocketProtocol)):
        return None
    server, connection = getattr(send.func, "__self__", None), send.args[0]
    connections = getattr(server, "connections", None)
    if connections is None:
        return None

    def send_text(text: str) -> None:
        state = connections.get(connection)
        if state is not None and not state.get("disconnected"):
            connection.sendMessage(text.encode(), False)

    return send_text


def _on_message_for(queued):
    def onMessage(self, payload, isBinary):
        receiver = self.direct_receiver
        if (
            receiver is not None
            and not isBinary
            and not self.muted
            and self.application_queue.empty()
            and receiver(payload)
        ):
            self.last_ping = time.time()  # as daphne's own onMessage: the connection is alive
            return
        queued(self, payload, isBinary)

    return onMessage


def deliver_directly() -> None:
    WebSocketProtocol.direct_receiver = None
    _replace_once(WebSocketProtocol, "onMessage", _on_message_for)


def _write_through_for(buffered):
    def write(self, data):
        if (
            type(data) is bytes
            and data
            and not self.TLS
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnected
            and not self._tempDataBuffer
            and self.offset == len(self.dataBuffer)
        ):
            sent = self.writeSomeData(data)
            # Not an int: the connection is lost, which the reactor finds out when it writes what is buffered.
            if type(sent) is int:
                data = data[sent:]
        buffered(self, data)  # what is left, if anything, into Twisted's buffer

    return write


def write_through() -> None:
    _replace_once(twisted.internet.tcp.Server, "write", _write_through_for)


def install() -> None:
    read_without_log_context()
    write_through()
    quiet_debug_arguments()
    unmask_small_frames_here()
    take_whole_small_frames()
    deliver_directly()
