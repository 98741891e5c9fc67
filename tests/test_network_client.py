"""The one network client (importers/client.py) against hostile servers on 127.0.0.1:
every request kind — a record fetch and each page of a search — has one overall deadline,
page and study caps, and every failure of the server is a message, never a traceback."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trialcli.errors import TrialcliError
from trialcli.importers import client, query
from trialcli.importers.ctgov import URL_ENV, fetch
from trialcli.importers.query import Query

RECORD = json.loads((Path(__file__).parent / "fixtures" / "ctgov" / "NCT02422186.json").read_text())

Answer = Callable[[socket.socket, str], None]


def ok(body: bytes, extra: str = "") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    return head.encode() + body


def page(studies: list[object], token: str | None) -> bytes:
    data: dict[str, object] = {"studies": studies}
    if token is not None:
        data["nextPageToken"] = token
    return ok(json.dumps(data).encode())


class RawServer:
    """Answers each request with what `answer` sends on the bare socket."""

    def __init__(self) -> None:
        self.answer: Answer = lambda connection, path: connection.sendall(page([], None))
        self.requests: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ")[1].decode()
            self.requests.append(path)
            with contextlib.suppress(OSError):  # the client gave up
                self.answer(connection, path)

    def close(self) -> None:
        self.stopped = True
        self.listener.close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RawServer]:
    found = RawServer()
    monkeypatch.setenv(URL_ENV, found.url)
    monkeypatch.setattr(query, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(query, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(query, "TIMEOUT_SECONDS", 1.0)
    try:
        yield found
    finally:
        found.close()


def search() -> list[dict[str, object]]:
    return list(query.studies(Query(cond="multiple sclerosis")))


def test_a_repeated_page_token_stops_the_search_with_a_message(server: RawServer) -> None:
    server.answer = lambda c, path: c.sendall(page([RECORD], "same-token"))
    with pytest.raises(TrialcliError, match="page 2 repeats an earlier page token"):
        search()
    assert len(server.requests) == 2


def test_an_empty_page_pointing_to_another_stops_the_search(server: RawServer) -> None:
    server.answer = lambda c, path: c.sendall(page([], f"token-{len(server.requests)}"))
    with pytest.raises(TrialcliError, match="page 1 is empty yet points to another"):
        search()


def test_a_search_stops_at_its_page_limit(
    server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "MAX_PAGES", 3)
    server.answer = lambda c, path: c.sendall(page([RECORD], f"token-{len(server.requests)}"))
    found: list[object] = []
    with pytest.raises(TrialcliError, match="stopped after 3 pages, its limit"):
        for study in query.studies(Query(cond="ms")):
            found.append(study)
    assert len(found) == 3  # the studies before the limit were handed on


def test_a_search_page_that_trickles_meets_the_overall_deadline(server: RawServer) -> None:
    body = page([RECORD], None)

    def trickle(connection: socket.socket, path: str) -> None:
        for byte in body:
            connection.sendall(bytes([byte]))
            time.sleep(0.05)  # each read is quick; the whole never ends in time

    server.answer = trickle
    with pytest.raises(TrialcliError, match="no answer within 1 seconds"):
        search()


@pytest.mark.parametrize("value", ["-5", "nan", "NaN", "inf", "-inf", "soon"])
def test_a_nonsense_retry_after_falls_back_to_the_clients_backoff(
    server: RawServer, value: str
) -> None:
    def busy_then_ok(connection: socket.socket, path: str) -> None:
        if len(server.requests) == 1:
            connection.sendall(
                f"HTTP/1.1 429 Too Many\r\nRetry-After: {value}\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode()
            )
        else:
            connection.sendall(page([RECORD], None))

    server.answer = busy_then_ok
    assert len(search()) == 1
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"NOT-HTTP garbage\r\n\r\n", "is not valid HTTP"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", "header line too long"),
        (b"", "is not valid HTTP"),  # the connection closed without a word
    ],
)
def test_a_broken_answer_is_a_message_for_a_search_and_a_fetch(
    server: RawServer, answer: bytes, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.answer = lambda c, path: c.sendall(answer)
    with pytest.raises(TrialcliError, match=f"the search failed: .*{words}"):
        search()
    monkeypatch.setenv(URL_ENV, f"{server.url}/studies/")
    with pytest.raises(TrialcliError, match=f"could not fetch NCT02422186: .*{words}"):
        fetch.fetch_record("NCT02422186", timeout=1.0)


def test_a_page_nested_100000_deep_is_a_message(server: RawServer) -> None:
    body = b'{"studies": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    server.answer = lambda c, path: c.sendall(ok(body))
    with pytest.raises(TrialcliError, match="nested more deeply than any registry record"):
        search()


def test_a_page_with_a_5000_digit_number_is_a_message(server: RawServer) -> None:
    body = b'{"studies": [], "count": ' + b"9" * 5000 + b"}"
    server.answer = lambda c, path: c.sendall(ok(body))
    with pytest.raises(TrialcliError, match="a number longer than any registry value"):
        search()


def test_retry_after_is_capped_and_nonsense_ignored() -> None:
    from email.message import Message

    def header(value: str) -> Message:
        message = Message()
        message["Retry-After"] = value
        return message

    assert client.retry_after(header("3")) == 3.0
    assert client.retry_after(header("100000")) == client.MAX_RETRY_AFTER_SECONDS
    assert client.retry_after(header("-1")) is None
    assert client.retry_after(header("nan")) is None
    assert client.retry_after(None) is None
