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
# Called with (items done, items to do) while work goes on: one shape for every progress bar.
Progress = Callable[[int, int], None]


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def ordered_map(
    work: Callable[[list[T]], list[R]],
    items: Iterable[T],
    workers: int,
    batch: int = 16,
    weight: Callable[[T], int] | None = None,
    budget: int | None = None,
) -> Iterator[R]:
    """`work` over batches of `items` in worker processes; results in the items' order.

    Read-ahead is bounded by count (2 × workers + 1 batches) and, given `weight` and
    `budget`, by size: the items handed out and not yet answered weigh at most `budget`
    (bytes, for records), whatever the number of cores; one item heavier than that still
    goes, alone. Workers ignore Ctrl-C: the caller handles it, stops feeding work, and
    the batches already running end before this returns.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A forked worker would write out whatever this process has buffered.
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup)
    pending: deque[tuple[Future[list[R]], int]] = deque()
    weigh = weight or (lambda item: 0)
    limit = budget if budget is not None else -1
    held = 0  # the weight of what is handed out or waiting in `chunk`
    try:
        chunk: list[T] = []
        chunk_weight = 0
        for item in items:
            size = weigh(item)
            # Room first: wait for the oldest answers while this item would overflow.
            while limit >= 0 and held + size > limit and (pending or chunk):
                if pending:
                    done, done_weight = pending.popleft()
                    held -= done_weight
                    yield from done.result()
                else:  # what waits in the chunk is sent on to make way
                    pending.append((pool.submit(work, chunk), chunk_weight))
                    chunk, chunk_weight = [], 0
            chunk.append(item)
            chunk_weight += size
            held += size
            if len(chunk) == batch:
                pending.append((pool.submit(work, chunk), chunk_weight))
                chunk, chunk_weight = [], 0
            while len(pending) > 2 * workers:
                done, done_weight = pending.popleft()
                held -= done_weight
                yield from done.result()
        if chunk:
            pending.append((pool.submit(work, chunk), chunk_weight))
        while pending:
            yield from pending.popleft()[0].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_setup() -> None:
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Parsing and converting make no cyclic garbage; the collector's passes only cost time.
    gc.disable()
