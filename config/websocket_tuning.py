"""What we change in daphne's WebSocket layer (autobahn), and why: every live call's audio passes through it
50 times a second each way, and these two costs are paid per frame whatever the application does.

The second matters most under load. autobahn unmasks frames with native code called through CFFI, which
releases the GIL around its calls into C; each release lets a pool thread busy with a turn (the engine, the
ORM) take the interpreter, and the event loop then waits up to the switch interval to get it back. Beside one
busy thread on another core, autobahn spent ~500-700 µs per media frame instead of ~25-40
(`bench/websocket_frames.py`).

Both replace module-level names autobahn looks up at call time; `install()` runs once, from `config.asgi`.
Revisit them when autobahn is upgraded (its version is pinned in requirements/constraints.txt).
"""
import autobahn.twisted.websocket
import autobahn.websocket.protocol

# Frames up to this size are unmasked here; larger ones by autobahn's own native masker.
SMALL_FRAME_BYTES = 4096


def _plain(value, *args, **kwargs):
    return value


class SmallFrameMasker:
    """RFC 6455 unmasking as one XOR of two big integers.

    autobahn's native masker builds two CFFI objects and calls into C per frame, giving up the GIL each time
    (see above); about 4 µs for a 300-byte media frame alone, against 1 µs here, which keeps the GIL. `pointer` is how many bytes were processed, as autobahn's maskers count: a frame's
    payload may come in several pieces, and each piece continues the mask where the last one stopped.
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
        length = len(data)
        shift = self._ptr & 3
        key = (self._mask[shift:] + self._mask[:shift]) * (length // 4 + 1)
        self._ptr += length
        return (int.from_bytes(data, "little") ^ int.from_bytes(key[:length], "little")).to_bytes(length, "little")


def _masker_for(native):
    def create_xor_masker(mask, length=None):
        if length is not None and length <= SMALL_FRAME_BYTES:
            return SmallFrameMasker(mask)
        return native(mask, length)

    create_xor_masker.native = native
    return create_xor_masker


def quiet_debug_arguments() -> None:
    """autobahn styles the arguments of a debug log line with click for every frame it receives or sends,
    whether or not debug logging is on. Unstyled values read the same in a debug log and cost nothing."""
    for module in (autobahn.twisted.websocket, autobahn.websocket.protocol):
        module.hltype = module.hlval = _plain


def unmask_small_frames_here() -> None:
    protocol = autobahn.websocket.protocol
    if not hasattr(protocol.create_xor_masker, "native"):
        protocol.create_xor_masker = _masker_for(protocol.create_xor_masker)


def install() -> None:
    quiet_debug_arguments()
    unmask_small_frames_here()
