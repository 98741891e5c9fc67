"""Reading and writing the files the user names: a file that cannot be read is worded the same
by every command; a write is all or nothing, and never over their work by accident."""

from __future__ import annotations

import contextlib
import os
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
    """Refuse a file that cannot be opened and read, as reading it in full would."""
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise unreadable(path, error) from None


def write_atomically(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` to `path` through a temporary file in the same folder.

    The file either appears whole or not at all; an existing file is replaced only with
    `force`, and stays as it was when anything goes wrong.
    """
    import tempfile  # only when writing: `validate` and `list` import this module too

    if path.is_dir():
        raise TrialcliError(f"'{path}' is a folder; give a file name")
    if path.exists() and not force:
        raise TrialcliError(f"'{path}' already exists; use --force to replace it")
    folder = path.parent
    if not folder.is_dir():
        raise TrialcliError(f"cannot write '{path}': the folder '{folder}' does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private; give it the mode a plain new file would have.
        os.chmod(temporary, _mode_for(path))
        if not force and path.exists():
            # Someone created the file while we wrote: theirs wins.
            raise TrialcliError(f"'{path}' already exists; use --force to replace it")
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise TrialcliError(f"cannot write '{path}': {error.strerror or error}") from None
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
