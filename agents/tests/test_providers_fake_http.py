"""The fake HTTP server other tests use to stand in for external APIs."""

import httpx2

from agents.tests.fake_http import FakeHTTP, openai_chat_completion


def test_serves_scripted_json_and_records_the_request(fake_http):
    fake_http.add("POST", "/v1/things", json={"ok": True}, status=201)

    response = httpx2.post(fake_http.url + "/v1/things?page=2", json={"name": "x"}, headers={"X-Key": "k"})

    assert (response.status_code, response.json()) == (201, {"ok": True})
    (request,) = fake_http.requests
    assert (request.method, request.path, request.query) == ("POST", "/v1/things", {"page": ["2"]})
    assert request.headers["x-key"] == "k"
    assert request.json == {"name": "x"}


def test_responses_for_one_route_are_served_in_order_and_the_last_repeats(fake_http):
    fake_http.add("GET", "/n", json=1)
    fake_http.add("GET", "/n", json=2)

    assert [httpx2.get(fake_http.url + "/n").json() for _ in range(3)] == [1, 2, 2]


def test_raw_bytes_are_served_as_is(fake_http):
    fake_http.add("GET", "/audio", body=b"\x00\x01", headers={"Content-Type": "audio/pcm"})

    response = httpx2.get(fake_http.url + "/audio")

    assert (response.content, response.headers["content-type"]) == (b"\x00\x01", "audio/pcm")


def test_an_unscripted_route_is_a_recorded_404(fake_http):
    assert httpx2.delete(fake_http.url + "/nothing").status_code == 404
    assert fake_http.requests_to("DELETE", "/nothing")


def test_servers_run_side_by_side_on_their_own_ports():
    with FakeHTTP() as first, FakeHTTP() as second:
        first.add("GET", "/", json="first")
        second.add("GET", "/", json="second")

        assert httpx2.get(first.url + "/").json() == "first"
        assert httpx2.get(second.url + "/").json() == "second"
        assert first.url != second.url


def test_chat_completion_helper_has_the_real_shape_with_tool_calls():
    completion = openai_chat_completion(tool_calls=[("book", {"day": "monday"})])

    choice = completion["choices"][0]
    assert completion["object"] == "chat.completion"
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"][0]["function"] == {"name": "book", "arguments": '{"day": "monday"}'}
