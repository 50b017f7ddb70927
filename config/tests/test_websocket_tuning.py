"""The changes to daphne's WebSocket layer keep its behaviour: frames unmask to the same bytes, a frame
taken in one step reaches the application (or fails the connection) exactly as through autobahn's parser, and
a frame the application takes directly skips daphne's queue only when nothing waits in it, and a write goes
out at once only when nothing waits to go before it."""

import asyncio
import os
import socket
import struct
from functools import partial

import autobahn.websocket.protocol
import pytest
import twisted.internet.tcp
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet.protocol import Protocol
from twisted.internet.testing import StringTransport

import config.asgi  # noqa: F401  (installs the tuning, as every server process does)
from config.websocket_tuning import SMALL_FRAME_BYTES, SmallFrameMasker, receive_directly, send_directly

native = autobahn.websocket.protocol.create_xor_masker.replaced


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 127, 128, 330, SMALL_FRAME_BYTES])
def test_a_small_frame_unmasks_to_what_autobahns_own_masker_gives(length):
    mask, payload = os.urandom(4), os.urandom(length)

    assert SmallFrameMasker(mask).process(payload) == native(mask, length).process(payload)


def test_a_payload_arriving_in_pieces_continues_the_mask_where_the_last_piece_stopped():
    mask, payload = os.urandom(4), os.urandom(330)
    masker = SmallFrameMasker(mask)

    pieces = [masker.process(payload[start:end]) for start, end in ((0, 7), (7, 8), (8, 201), (201, 330))]

    assert b"".join(pieces) == native(mask, 330).process(payload)
    assert masker.pointer() == 330


def test_a_reset_masker_starts_the_mask_again():
    mask, payload = os.urandom(4), os.urandom(10)
    masker = SmallFrameMasker(mask)
    masker.process(b"abc")

    masker.reset()

    assert masker.pointer() == 0
    assert masker.process(payload) == native(mask, 10).process(payload)


def test_daphne_unmasks_small_frames_here_and_large_ones_natively():
    create = autobahn.websocket.protocol.create_xor_masker
    mask = os.urandom(4)

    assert isinstance(create(mask, 330), SmallFrameMasker)
    assert not isinstance(create(mask, SMALL_FRAME_BYTES + 1), SmallFrameMasker)
    assert not isinstance(create(mask), SmallFrameMasker)


HANDSHAKE = (
    b"GET /ws/twilio/media/acme/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class Line(StringTransport):
    """A connection the server may drop, as it does when it fails one."""

    def unregisterProducer(self):
        self.producer = None

    def abortConnection(self):
        self.loseConnection()


class Recorder(WebSocketServerProtocol):
    def onConnect(self, request):
        self.messages = []

    def onMessage(self, payload, isBinary):
        self.messages.append((payload, isBinary))


class ThroughAutobahnsParser(Recorder):
    processData = WebSocketServerProtocol.processData.replaced


def frame(payload: bytes, *, first_byte: int = 0x81, masked: bool = True, length_code: int | None = None) -> bytes:
    """A client's frame (RFC 6455 5.2): masked unless told otherwise, with the shortest length encoding unless
    `length_code` forces one (126: 16 bits)."""
    length = len(payload)
    code = length_code if length_code is not None else (length if length < 126 else 126 if length < 65536 else 127)
    header = bytes([first_byte, (0x80 if masked else 0) | code])
    if code == 126:
        header += struct.pack("!H", length)
    elif code == 127:
        header += struct.pack("!Q", length)
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


def outcome(protocol_class, *chunks: bytes, **options):
    """What the application received after the client sent `chunks`, and why the server failed the connection
    (None if it did not)."""
    factory = WebSocketServerFactory("ws://localhost")
    factory.protocol = protocol_class
    factory.setProtocolOptions(**options)
    protocol = factory.buildProtocol(None)
    protocol.makeConnection(Line())
    protocol.dataReceived(HANDSHAKE)
    for chunk in chunks:
        protocol.dataReceived(chunk)
    return protocol.messages, protocol.wasNotCleanReason if protocol.failedByMe else None


def both(*chunks: bytes, **options):
    """The outcome taken in one step and through autobahn's parser, which must be the same."""
    fast = outcome(Recorder, *chunks, **options)
    assert fast == outcome(ThroughAutobahnsParser, *chunks, **options)
    return fast


def json_text(length: int) -> bytes:
    return b'{"event":"media","p":"' + b"x" * max(0, length - 24) + b'"}'


@pytest.mark.parametrize("length", [24, 125, 126, 330, SMALL_FRAME_BYTES, SMALL_FRAME_BYTES + 1, 70000])
def test_a_text_frame_reaches_the_application_as_autobahns_parser_delivers_it(length):
    text = json_text(length)

    messages, failure = both(frame(text))

    assert messages == [(text, False)] and failure is None


def test_frames_arriving_together_each_reach_the_application_once():
    texts = [json_text(300 + n) for n in range(3)]

    messages, _ = both(b"".join(frame(text) for text in texts))

    assert messages == [(text, False) for text in texts]


def test_a_frame_arriving_in_pieces_reaches_the_application_once_whole():
    text = json_text(330)
    data = frame(text)

    messages, _ = both(data[:1], data[1:5], data[5:200], data[200:])

    assert messages == [(text, False)]


def test_a_fragmented_message_is_put_together_by_autobahn():
    messages, _ = both(frame(b'{"event":', first_byte=0x01) + frame(b'"media"}', first_byte=0x80))

    assert messages == [(b'{"event":"media"}', False)]


def test_a_binary_frame_reaches_the_application_as_binary():
    messages, _ = both(frame(b"\x00\xff", first_byte=0x82))

    assert messages == [(b"\x00\xff", True)]


def test_invalid_utf8_in_a_text_frame_fails_the_connection():
    messages, failure = both(frame(b'{"event":"\xff"}'))

    assert messages == [] and "invalid UTF-8" in failure


def test_an_unmasked_frame_from_the_client_fails_the_connection():
    messages, failure = both(frame(b'{"event":"media"}', masked=False))

    assert messages == [] and "unmasked client-to-server frame" in failure


def test_a_length_not_in_its_shortest_encoding_fails_the_connection():
    messages, failure = both(frame(b'{"event":"media"}', length_code=126))

    assert messages == [] and "minimal length encoding" in failure


def test_a_frame_over_the_servers_frame_size_limit_fails_the_connection():
    messages, failure = both(frame(json_text(330)), maxFramePayloadSize=300)

    assert messages == [] and "exceeds payload limit" in failure


class CountingHooks(Recorder):
    def onConnect(self, request):
        super().onConnect(request)
        self.hooks = 0

    def onMessageBegin(self, isBinary):
        self.hooks += 1
        super().onMessageBegin(isBinary)


def test_a_whole_small_text_frame_is_taken_in_one_step_without_autobahns_per_frame_hooks():
    factory = WebSocketServerFactory("ws://localhost")
    factory.protocol = CountingHooks
    protocol = factory.buildProtocol(None)
    protocol.makeConnection(Line())
    protocol.dataReceived(HANDSHAKE)

    protocol.dataReceived(frame(json_text(330)))
    protocol.dataReceived(frame(json_text(SMALL_FRAME_BYTES + 1)))

    assert len(protocol.messages) == 2 and protocol.hooks == 1


def test_the_reactor_hands_a_socket_read_its_result_without_a_log_context():
    import twisted.internet.asyncioreactor as reactor

    reads = []

    def read(selectable, is_read):
        reads.append((selectable, is_read))
        return "connection lost"

    assert reactor.callWithLogger("selectable", read, "selectable", True) == "connection lost"
    assert reads == [("selectable", True)]


def test_an_exception_from_a_socket_read_reaches_the_event_loop_to_be_logged():
    import twisted.internet.asyncioreactor as reactor

    def read(selectable, is_read):
        raise ValueError("broken read")

    with pytest.raises(ValueError):
        reactor.callWithLogger("selectable", read, "selectable", True)


class DirectReceiver:
    """An application taking frames straight from daphne: media it handles, anything else it leaves."""

    def __init__(self):
        self.taken = []

    def __call__(self, payload: bytes) -> bool:
        if b'"media"' not in payload:
            return False
        self.taken.append(payload)
        return True


def daphne_connection(receiver):
    """daphne's protocol for one WebSocket, as far as a received message concerns it."""
    connection = WebSocketProtocol.__new__(WebSocketProtocol)
    connection.muted, connection.client_addr, connection.last_ping = False, ["127.0.0.1", 1], 0.0
    connection.application_queue = asyncio.Queue()
    receive_directly(partial(object, connection), receiver)
    return connection


def queued(connection) -> list:
    return [connection.application_queue.get_nowait() for _ in range(connection.application_queue.qsize())]


MEDIA = b'{"event":"media","media":{"payload":""}}'
START = b'{"event":"start","start":{}}'


def test_a_frame_the_application_takes_directly_skips_daphnes_queue():
    receiver = DirectReceiver()
    connection = daphne_connection(receiver)
    connection.onMessage(MEDIA, False)
    assert receiver.taken == [MEDIA] and queued(connection) == []
    assert connection.last_ping > 0


def test_a_frame_the_application_leaves_goes_through_daphnes_queue():
    connection = daphne_connection(DirectReceiver())
    connection.onMessage(START, False)
    assert queued(connection) == [{"type": "websocket.receive", "text": START.decode()}]


def test_frames_behind_a_queued_message_wait_behind_it_in_the_queue():
    receiver = DirectReceiver()
    connection = daphne_connection(receiver)
    connection.onMessage(START, False)
    connection.onMessage(MEDIA, False)
    assert receiver.taken == []
    assert [message["text"] for message in queued(connection)] == [START.decode(), MEDIA.decode()]


def test_binary_frames_always_go_through_daphnes_queue():
    receiver = DirectReceiver()
    connection = daphne_connection(receiver)
    connection.onMessage(MEDIA, True)
    assert receiver.taken == [] and queued(connection) == [{"type": "websocket.receive", "bytes": MEDIA}]


def test_without_a_direct_receiver_every_frame_goes_through_daphnes_queue():
    connection = daphne_connection(None)
    connection.onMessage(MEDIA, False)
    assert len(queued(connection)) == 1


def test_a_send_that_is_not_daphnes_is_left_alone():
    async def send(message):
        return None

    receive_directly(send, DirectReceiver())  # Channels' test communicator: nothing to hook, no error


class Reactor:
    """What a TCP connection asks of the reactor: here, only whether it wants to be told when it may write."""

    def __init__(self):
        self.writers = set()

    def addReader(self, reader):
        pass

    def addWriter(self, writer):
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)


@pytest.fixture
def tcp_connection():
    """A server-side Twisted TCP connection over a real socket pair, and the socket of its peer."""
    ours, peer = socket.socketpair()
    reactor = Reactor()
    connection = twisted.internet.tcp.Server(ours, Protocol(), ("127.0.0.1", 1), None, 1, reactor)
    peer.setblocking(False)
    yield connection, peer, reactor
    ours.close()
    peer.close()


def test_a_write_with_nothing_buffered_goes_out_at_once(tcp_connection):
    connection, peer, reactor = tcp_connection
    connection.write(b"first frame")
    assert peer.recv(100) == b"first frame"
    assert reactor.writers == set() and connection._tempDataBuffer == []


def test_a_write_behind_buffered_data_waits_behind_it(tcp_connection):
    connection, peer, reactor = tcp_connection
    connection._tempDataBuffer.append(b"earlier")
    connection._tempDataLen = len(b"earlier")
    connection.write(b"later")
    with pytest.raises(BlockingIOError):
        peer.recv(100)
    assert connection._tempDataBuffer == [b"earlier", b"later"] and reactor.writers == {connection}


def test_what_the_socket_does_not_take_is_buffered_for_the_reactor(tcp_connection):
    connection, peer, reactor = tcp_connection
    data = os.urandom(8 * 1024 * 1024)
    connection.write(data)
    buffered = b"".join(connection._tempDataBuffer)
    assert 0 < len(buffered) < len(data) and data.endswith(buffered)
    assert reactor.writers == {connection}


def test_a_write_to_a_lost_connection_is_left_for_the_reactor_to_find_out(tcp_connection):
    connection, peer, reactor = tcp_connection
    peer.close()
    connection.write(b"nobody listens")
    assert connection._tempDataBuffer == [b"nobody listens"] and reactor.writers == {connection}


def test_after_the_connection_is_closed_nothing_is_written(tcp_connection):
    connection, peer, reactor = tcp_connection
    connection.connected = False
    connection.write(b"too late")
    with pytest.raises(BlockingIOError):
        peer.recv(100)
    assert connection._tempDataBuffer == []


class DaphneServer:
    """daphne's server, as far as a reply concerns it: its connections and the `send` it gives applications."""

    def __init__(self):
        self.connections = {}

    async def handle_reply(self, protocol, message):
        raise AssertionError("a direct send does not go through the coroutine")


class SentConnection(WebSocketProtocol):
    def __init__(self):
        self.sent = []

    def sendMessage(self, payload, isBinary=False, *args, **kwargs):
        self.sent.append((payload, isBinary))


def test_a_message_sent_directly_goes_out_at_once_as_a_text_frame():
    server, connection = DaphneServer(), SentConnection()
    server.connections[connection] = {}
    send_text = send_directly(partial(server.handle_reply, connection))
    send_text('{"event":"mark"}')
    assert connection.sent == [(b'{"event":"mark"}', False)]


def test_nothing_is_sent_directly_once_daphne_has_let_the_connection_go():
    server, connection = DaphneServer(), SentConnection()
    send_text = send_directly(partial(server.handle_reply, connection))
    server.connections[connection] = {"disconnected": 1.0}
    send_text("late")
    del server.connections[connection]
    send_text("later")
    assert connection.sent == []


def test_there_is_no_direct_way_out_elsewhere_than_under_daphne():
    async def send(message):
        return None

    assert send_directly(send) is None
