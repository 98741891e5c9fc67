"""Work on every core, in order, reading ahead only a few batches so memory stays flat."""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def ordered_map(
    work: Callable[[list[T]], list[R]], items: Iterable[T], workers: int, batch: int = 16
) -> Iterator[R]:
    """`work` over batches of `items` in worker processes; results in the items' order.

    Workers ignore Ctrl-C: the caller handles it, stops feeding work, and the batches
    already running end before this returns.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A forked worker would write out whatever this process has buffered.
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup)
    pending: deque[Future[list[R]]] = deque()
    try:
        chunk: list[T] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == batch:
                pending.append(pool.submit(work, chunk))
                chunk = []
            while len(pending) > 2 * workers:
                yield from pending.popleft().result()
        if chunk:
            pending.append(pool.submit(work, chunk))
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_setup() -> None:
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Parsing and converting make no cyclic garbage; the collector's passes only cost time.
    gc.disable()
