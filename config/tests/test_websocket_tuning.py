"""The changes to daphne's WebSocket layer keep its behaviour: frames unmask to the same bytes."""
import os

import autobahn.websocket.protocol
import pytest

import config.asgi  # noqa: F401  (installs the tuning, as every server process does)
from config.websocket_tuning import SMALL_FRAME_BYTES, SmallFrameMasker

native = autobahn.websocket.protocol.create_xor_masker.native


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
