"""The one network client: every request trialcli makes (a record, a page of a search)
goes through `get`, so each has one overall deadline, a size cap, and every way a server
can fail — a status, a bad status line, an endless header, a trickle — is a message."""

from __future__ import annotations

import http.client
import math
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message

from trialcli import __version__
from trialcli.errors import TrialcliError

# The whole of one request, not each read: a server sending a byte every two seconds
# cannot keep a request alive past it.
TIMEOUT_SECONDS = 30.0
# The longest a server's Retry-After is waited for; more (or a nonsense value) is capped.
MAX_RETRY_AFTER_SECONDS = 120.0


class RequestFailed(TrialcliError):
    """A request that got no usable answer; `status` and `retry_after` when the server
    answered with an error status."""

    def __init__(
        self, reason: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Answer:
    body: bytes | None = None
    error: BaseException | None = None


def get(url: str, *, limit: int, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The body of a GET of `url`: at most `limit` bytes, all of it within `timeout`."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"trialcli/{__version__}"}
    )
    answers: list[_Answer] = []

    def download() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answers.append(_Answer(body=response.read(limit + 1)))
        except BaseException as error:  # handed to the waiting thread below
            answers.append(_Answer(error=error))

    # The worker is a daemon: past the deadline it is left behind, never waited for.
    worker = threading.Thread(target=download, daemon=True)
    worker.start()
    worker.join(timeout)
    if not answers:
        raise RequestFailed(_no_answer(timeout))
    answer = answers[0]
    if answer.body is not None:
        if len(answer.body) > limit:
            raise RequestFailed(f"an answer over the {limit:,}-byte limit")
        return answer.body
    raise _failure(answer.error, timeout)


def _failure(error: BaseException | None, timeout: float) -> BaseException:
    if isinstance(error, urllib.error.HTTPError):
        reason = error.reason if isinstance(error.reason, str) else "error"
        after = retry_after(error.headers)
        return RequestFailed(f"HTTP {error.code} ({reason})", error.code, after)
    if isinstance(error, urllib.error.URLError):
        return RequestFailed(_reason(error.reason, timeout))
    if isinstance(error, http.client.LineTooLong):
        return RequestFailed("the server sent a header line too long to read")
    if isinstance(error, http.client.HTTPException):
        # BadStatusLine, too many headers, an incomplete body…
        detail = str(error).strip() or type(error).__name__
        return RequestFailed(f"the server's answer is not valid HTTP ({detail[:80]})")
    if isinstance(error, (OSError, ValueError)):
        return RequestFailed(_reason(error, timeout))
    return error or RequestFailed("no answer")


def retry_after(headers: Message | None) -> float | None:
    """The seconds a server asks to wait, if it names a usable number: a negative, NaN
    or infinite value is ignored (the client's own back-off applies), a long one capped."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value else math.nan
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def _no_answer(timeout: float) -> str:
    return f"no answer within {timeout:g} seconds (offline?)"


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return _no_answer(timeout)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
