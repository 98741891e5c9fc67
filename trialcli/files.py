"""Reading and writing the files the user names: a file that cannot be read is worded the same
by every command; a write is all or nothing, never over their work by accident, and only
ever in place of a regular file."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from trialcli.errors import Problem, StudyFileError, TrialcliError


def unreadable(path: Path, error: OSError) -> StudyFileError:
    """Why `path` cannot be read, in the words every command uses (exit code 1)."""
    if isinstance(error, FileNotFoundError):
        message = "no such file"
    elif isinstance(error, PermissionError):
        message = "permission denied"
    elif isinstance(error, IsADirectoryError):
        message = "is a folder, not a study file"
    else:
        message = error.strerror or str(error)
    return StudyFileError([Problem(str(path), message)])


def ensure_readable(path: Path) -> None:
    """Refuse a file that cannot be opened and read, as reading it in full would; only a
    regular file is read (opened without blocking: a FIFO would wait for a writer)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            mode = os.fstat(handle).st_mode
            if stat.S_ISDIR(mode):
                raise StudyFileError([Problem(str(path), "is a folder, not a study file")])
            if not stat.S_ISREG(mode):
                message = "is not a regular file (a FIFO, device or socket)"
                raise StudyFileError([Problem(str(path), message)])
            os.read(handle, 1)
        finally:
            os.close(handle)
    except OSError as error:
        raise unreadable(path, error) from None


def status_of(path: Path) -> os.stat_result | None:
    """The file's status, or None when there is nothing there.

    Any other failure (a folder on the way that cannot be searched, a name too long, a
    loop of symbolic links) is the user's to fix, so it becomes an error message.
    """
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise TrialcliError(f"cannot use '{path}': {error.strerror or error}") from None


def is_folder(path: Path) -> bool:
    status = status_of(path)
    return status is not None and stat.S_ISDIR(status.st_mode)


def output_path(raw: str, name: str | None) -> Path:
    """The file to write for `-o raw`: a trailing slash names a folder to write `name` in."""
    if not raw.endswith(tuple(s for s in (os.sep, os.altsep, "/") if s)):
        return Path(raw)
    if name is None:
        raise TrialcliError(f"'{raw}' names a folder; give a file name")
    if not is_folder(Path(raw)):
        raise TrialcliError(f"'{raw}' names a folder (it ends in '/'), and there is no such folder")
    return Path(raw) / name


def check_target(path: Path, *, force: bool) -> None:
    """Refuse a target before any work: a folder, an existing file without `force`, or
    (even with `force`) a device, FIFO or socket, which a regular file must never replace."""
    status = status_of(path)
    if status is None:
        if not is_folder(path.parent):
            raise TrialcliError(f"cannot write '{path}': the folder '{path.parent}' does not exist")
    elif stat.S_ISDIR(status.st_mode):
        raise TrialcliError(f"'{path}' is a folder; give a file name")
    elif not force:
        raise TrialcliError(f"'{path}' already exists; use --force to replace it")
    elif not stat.S_ISREG(status.st_mode):
        raise TrialcliError(
            f"'{path}' is not a regular file (a device, FIFO or socket); "
            "--force replaces regular files only"
        )


def write_atomically(path: Path, text: str | bytes, *, force: bool = False) -> None:
    """Write `text` (or a figure's bytes) to `path`: the one writer's promises (see write_with)."""

    def produce(temporary: Path) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with open(temporary, "wb") as out:
            out.write(data)

    write_with(path, produce, force=force)


def write_with(path: Path, produce: Callable[[Path], None], *, force: bool = False) -> None:
    """Let `produce` fill a temporary file beside `path`, then give it the name `path`.

    The file either appears whole or not at all. Without `force` the final name is taken
    by a hard link, which fails if the name exists: of writers racing for one name, only
    one wins and the others are told (no check-then-rename). With `force` only a regular
    file is replaced, never a device, FIFO, socket or folder. A new file gets the mode
    the umask gives a plain new file; a replaced one keeps its mode.
    """
    import tempfile  # only when writing: `validate` and `list` import this module too

    check_target(path, force=force)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        os.close(handle)
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    try:
        produce(Path(temporary))
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private; give it the mode a plain new file would have.
        os.chmod(temporary, _mode_for(path))
        if force:
            check_target(path, force=True)  # a FIFO put there meanwhile is still refused
            os.replace(temporary, path)
        else:
            _link(temporary, path)
    except FileExistsError:
        raise TrialcliError(f"'{path}' already exists; use --force to replace it") from None
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def publish_new(temporary: Path, path: Path) -> None:
    """Give a finished file built beside `path` (an SQLite store) the name `path`, only if
    the name is still free, with the mode the umask gives a plain new file."""
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        _link(str(temporary), path)
    except FileExistsError:
        raise TrialcliError(
            f"'{path}' already exists: another writer made it meanwhile; run again to update it"
        ) from None
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def write_folder(
    path: Path, produce: Callable[[Path], None], *, force: bool = False, marker: str
) -> None:
    """Let `produce` fill a temporary folder beside `path`, then give it the name `path`.

    The folder carries the file `marker` (MARKER_NAME): with `force` only a folder that has
    it — an earlier export by trialcli — is replaced, never any other folder or file, and
    the two are swapped in one step where the system can (Linux's renameat2), so an
    interrupted replacement leaves the old export or the new one, never neither.
    """
    import shutil
    import tempfile

    existing = _lstatus(path)
    if existing is not None and not (force and _is_export(path, existing, marker)):
        if not force:
            raise TrialcliError(f"'{path}' already exists; use --force to replace an export")
        raise TrialcliError(
            f"'{path}' is not a folder trialcli exported (no {MARKER_NAME} in it); "
            "--force replaces only an earlier export"
        )
    if not is_folder(path.parent):
        raise TrialcliError(f"cannot write '{path}': the folder '{path.parent}' does not exist")
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    try:
        produce(temporary)
        (temporary / MARKER_NAME).write_text(marker, encoding="utf-8")
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes it private
        if existing is None:
            _rename_folder_noreplace(temporary, path)
        elif not _exchange(temporary, path):
            # No atomic swap here: the old export steps aside for the shortest moment.
            aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            os.rmdir(aside)
            os.rename(path, aside)
            os.rename(temporary, path)
            os.rename(aside, temporary)
    except FileExistsError:
        raise TrialcliError(f"'{path}' already exists; use --force to replace an export") from None
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # the new folder unused, or the old one


MARKER_NAME = ".trialcli-export"


def _lstatus(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise TrialcliError(f"cannot use '{path}': {error.strerror or error}") from None


def _is_export(path: Path, status: os.stat_result, marker: str) -> bool:
    """A real folder (not a link to one) holding the marker an export writes."""
    if not stat.S_ISDIR(status.st_mode):
        return False
    try:
        return read_bounded(path / MARKER_NAME, 4096).decode("utf-8", "replace") == marker
    except TrialcliError:
        return False


def _rename_folder_noreplace(temporary: Path, path: Path) -> None:
    """`temporary` becomes `path` only if nothing is there: the empty folder made
    exclusively first is the claim on the name, which a racing export cannot also win."""
    os.mkdir(path)  # FileExistsError when another writer got there first
    try:
        os.rename(temporary, path)  # a folder may replace an empty folder
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(path)
        raise


def _exchange(first: Path, second: Path) -> bool:
    """Swap two names in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_cwd, exchange = -100, 2
    done = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), exchange)
    if done == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False  # the file system cannot swap: fall back
    raise OSError(error, os.strerror(error), str(second))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_to_stdout(data: bytes, *, binary: bool) -> None:
    """`-` as the target: the bytes to standard output, a binary file never to a terminal."""
    import sys

    stream = sys.stdout
    if stream is None:
        raise TrialcliError("cannot write output: standard output is closed")
    if binary and stream.isatty():
        raise TrialcliError("will not write a binary file to a terminal; redirect it: > FILE")
    stream.flush()
    stream.buffer.write(data)
    stream.buffer.flush()


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes.

    The one bounded reader: opened without blocking (a FIFO would wait for a writer), a
    device such as a link to /dev/zero refused from its status (it would never end), and
    never more than `limit` + 1 bytes read, whatever the size the file claims.
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise TrialcliError(f"{path}: is a folder, not a {what}") from None
    except OSError as error:
        raise TrialcliError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            raise TrialcliError(f"{path}: is a folder, not a {what}")
        if not stat.S_ISREG(status.st_mode):
            raise TrialcliError(f"{path}: is not a regular file (a FIFO, device or socket)")
        if status.st_size > limit:
            size = f"{status.st_size:,} bytes"
            raise TrialcliError(f"{path}: {size} is over the {limit:,}-byte limit")
        with open(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise TrialcliError(f"cannot read {path}: {error.strerror or error}") from None
    finally:
        os.close(handle)
    if len(data) > limit:
        raise TrialcliError(f"{path}: grew past the {limit:,}-byte limit while it was read")
    return data


def _link(temporary: str, path: Path) -> None:
    """Give the written file its final name only if that name is free, atomically."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: create the name exclusively instead.
        with open(path, "xb") as out:
            try:
                with open(temporary, "rb") as written:
                    out.write(written.read())
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                os.unlink(path)
                raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()
