"""Reading and writing the files the user names: a file that cannot be read is worded the same
by every command; a write is all or nothing, never over their work by accident, and only
ever in place of a regular file."""

from __future__ import annotations

import contextlib
import os
import stat
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
    """Write `text` (or a figure's bytes) to `path` through a temporary file in the same folder.

    The file either appears whole or not at all. Without `force` the final name is taken
    by a hard link, which fails if the name exists: of writers racing for one name, only
    one wins and the others are told. With `force` only a regular file is replaced.
    """
    import tempfile  # only when writing: `validate` and `list` import this module too

    check_target(path, force=force)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary:
                binary.write(text)
                binary.flush()
                os.fsync(binary.fileno())
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
        # mkstemp makes the file private; give it the mode a plain new file would have.
        os.chmod(temporary, _mode_for(path))
        if force:
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
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
