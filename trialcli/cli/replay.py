"""Piped pages replayed from the cache: the same bytes, without computing them again.

A page of `show` or `ae` depends only on the study files it names, the catalog's folders,
trialcli's code and settings, the command's arguments, the working folder, the
environment and the terminal (Rich asks every standard stream for its size). When output
goes to a pipe, a command's whole output is recorded with all of those as its key; the
next run with the same key prints the recorded text instead of loading and drawing the
study. On a terminal (the pager, colours) nothing is recorded or replayed. A run that
wrote to standard error, wrote bytes past the text stream, or failed is never recorded.
A study named other than by its exact id or a path (an acronym, `-`) is never replayed:
finding it reads the other studies.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ParamSpec, TextIO, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")


def replayable(
    refs: Callable[[dict[str, Any]], Iterable[str]],
    *,
    unless: Callable[[dict[str, Any]], bool],
    whole_catalog: bool = False,
    paths: Callable[[dict[str, Any]], Iterable[str]] = lambda params: (),
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Replay a command's piped output when nothing it depends on changed.

    `refs` gives the studies a call names; `unless` says when a call does more than print
    (writes a figure) and is never replayed. With `whole_catalog` the page depends on every
    study file of the catalog (the key holds the stamp of each), and studies may be named
    in any way. `paths` gives the other files a call reads (a RevMan file).
    """

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            ctx = kwargs.get("ctx")
            page = None
            if hasattr(ctx, "find_root") and not unless(kwargs):
                named, read = list(refs(kwargs)), [Path(p) for p in paths(kwargs)]
                page = _Page.find(ctx, command.__name__, kwargs, named, whole_catalog, read)
            if page is None:
                return command(*args, **kwargs)
            text = page.recorded()
            if text is not None:
                sys.stdout.write(text)
                return None  # type: ignore[return-value]  # the commands return None
            return page.record(lambda: command(*args, **kwargs))

        return run

    return decorate


class _Page:
    def __init__(self, cache: Any, name: str, key: str) -> None:
        self.cache, self.name, self.key = cache, name, key

    @classmethod
    def find(
        cls,
        ctx: Any,
        command: str,
        params: dict[str, Any],
        refs: list[str],
        whole: bool,
        read: list[Path],
    ) -> _Page | None:
        from trialcli.cache import StudyCache, stamp_of
        from trialcli.catalog import STDIN, Catalog

        root = ctx.find_root().params
        if root.get("no_cache") or _terminal() or not (refs or whole or read):
            return None
        cache = StudyCache.default(lambda message: None)  # the command itself warns
        if cache is None:
            return None
        try:
            catalog = Catalog.discover(list(root.get("data_dir") or []))
            index: dict[str, list[Path]] | None = None
            listed: list[Path] | None = None
            if whole or any(ref != STDIN and not _path_like(ref) for ref in refs):
                listed = catalog.files()
                # The command finds its studies in the same listing, not a second one.
                ctx.meta[LISTED] = (catalog.folders, tuple(listed), dict(catalog.statuses))
                index = {}
                for path in listed:
                    index.setdefault(path.stem, []).append(path)
            files: list[Path] = [*read, *(listed or [] if whole else [])]
            for ref in refs:
                if ref == STDIN:
                    return None
                if _path_like(ref):
                    files.append(Path(ref))
                    continue
                if whole:
                    continue  # every file's stamp is in the key: found the same way again
                assert index is not None
                if len(index.get(ref, ())) != 1:
                    return None  # an acronym, a mistake or a clash: found the long way
                files.append(index[ref][0])
            stamps = [list(stamp_of(os.stat(p))) for p in [*catalog.folders, *files]]
        except Exception:  # whatever it is, the command itself says so
            return None
        if any(_racy(stamp) for stamp in stamps):
            return None
        what = {k: repr(v) for k, v in sorted(params.items()) if k != "ctx"}
        name = json.dumps([command, what, [os.path.realpath(p) for p in files]])
        key = json.dumps(
            {
                "root": {k: repr(v) for k, v in sorted(root.items())},
                "cwd": os.getcwd(),
                "env": sorted(os.environ.items()),
                "streams": _streams(),
                "stamps": stamps,
            }
        )
        return cls(cache, name, hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest())

    def recorded(self) -> str | None:
        text: str | None = self.cache.read_page(self.name, self.key)
        return text

    def record(self, call: Callable[[], R]) -> R:
        out, err = _Tee(sys.stdout), _Tee(sys.stderr)
        sys.stdout, sys.stderr = cast(TextIO, out), cast(TextIO, err)
        try:
            result = call()
        finally:
            sys.stdout, sys.stderr = out.stream, err.stream
        if out.clean and err.clean and not err.parts:
            self.cache.save_page(self.name, self.key, "".join(out.parts))
        return result


# Where `find` leaves the catalog's listing for the command (see trialcli.cli.base._catalog).
LISTED = "trialcli.listed"


def _path_like(ref: str) -> bool:
    from trialcli.catalog import SUFFIXES

    return ref.endswith(SUFFIXES) or os.sep in ref or bool(os.altsep and os.altsep in ref)


def _racy(stamp: list[int]) -> bool:
    import time

    from trialcli.cache import RACY_NS

    return time.time_ns() - stamp[1] < RACY_NS


def _terminal() -> bool:
    try:
        return sys.stdout is None or sys.stdout.isatty()
    except (AttributeError, ValueError):
        return True


def _streams() -> list[Any]:
    found: list[Any] = []
    for descriptor in (0, 1, 2):
        try:
            size = os.get_terminal_size(descriptor)
            found.append([size.columns, size.lines])
        except (AttributeError, ValueError, OSError):
            found.append(None)
        try:
            found.append(os.isatty(descriptor))
        except OSError:
            found.append(None)
    return found


class _Tee:
    """A text stream that keeps a copy of what is written; writes past it spoil the copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.clean = True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            self.clean = False
        else:
            self.parts.append(text)
        return self.stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    @property
    def buffer(self) -> Any:
        self.clean = False  # bytes written beside the text: not recorded
        return self.stream.buffer

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
