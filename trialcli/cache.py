"""A cache of checked study files, so that unchanged files are not parsed again.

It lives in `$XDG_CACHE_HOME/trialcli` (else `~/.cache/trialcli`) and holds two kinds of
file, each JSON after a one-line header:

* one index per folder of study files: for each file, what `list` and `validate` need
  (the study id, its list row, its problems);
* one file per study looked up by id: the validated study, which `show` validates again
  with pydantic instead of parsing the YAML (several times faster).

Nothing in it is trusted. A file is used only when its header names the same format,
the same trialcli code and settings and the same key, and its HMAC matches: a keyed
checksum whose key (`key`, 32 random bytes) only the user can read, so a cache rewritten
by anyone else, checksum and all, is ignored. An entry is used only when the study
file's stamp (size, modification and change times, inode) is the one recorded. Anything
else is ignored and rebuilt. Only regular files of at most MAX_CACHE_BYTES owned by the
user are read, never through a symbolic link; a cache folder that is a symbolic link,
belongs to someone else or that others can write is not used at all (with a warning).
Writing is atomic and best effort: a read-only or full disk means no caching, never a
failed command.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialcli import __version__, settings
from trialcli.settings import cache_root
from trialcli.written import Written

if TYPE_CHECKING:
    from trialcli.model import Study

# Bump when the layout of cached data changes.
CACHE_FORMAT = 2
KEY_FILE, KEY_BYTES = "key", 32
# A file changed this recently may change again within the same timestamp tick (2 s on
# FAT), unseen by its stamp; it is checked again next time rather than cached.
RACY_NS = 2_000_000_000
# Marks a Written number in cached study data; no key of a study can look like this.
_WRITTEN_KEY = "~written"

Stamp = tuple[int, int, int, int]


def stamp_of(status: os.stat_result) -> Stamp:
    """What must be unchanged for a cached result to still describe the file."""
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _code_stamp() -> str:
    """The code and settings that produced a result: any change to them invalidates it.

    The version alone is not enough in a checkout, where the code changes between
    releases; the size and modification time of every module are. Settings are the
    TRIALCLI_* variables (such as the file size limit), except the list of folders.
    """
    package = Path(__file__).resolve().parent
    parts = [str(CACHE_FORMAT), __version__, *settings.result_settings()]
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(n for n in names if n.endswith(".py")):
            status = os.stat(os.path.join(folder, name))
            where = os.path.relpath(os.path.join(folder, name), package)
            parts.append(f"{where}:{status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


FOLDERS, WARNINGS = "folders", "warnings"
# An index entry's checksum of the file's bytes, for a file recorded a moment after it
# was written (see StudyCache.remember_written).
DIGEST = "sha256"


class StudyCache:
    """Folder indexes and looked-up studies under one root folder, for one command run.

    Indexes are read once, when a file of their folder is first asked about, and written
    back by `save` when something in them changed.
    """

    def __init__(self, root: Path, warn: Callable[[str], None] | None = None) -> None:
        self.root = root
        self._warn = warn or (lambda message: None)
        self._secret: bytes | None = None
        self._usable: bool | None = None
        self._safe_folders: dict[Path, bool] = {}
        self._code: str | None = None
        self._folders: dict[Path, Path] = {}
        self._indexes: dict[tuple[str, Path], dict[str, dict[str, Any]]] = {}
        self._changed: set[tuple[str, Path]] = set()

    @classmethod
    def default(cls, warn: Callable[[str], None] | None = None) -> StudyCache | None:
        """The user's cache; None when there is no home folder to hold it.

        `warn` is told (once) when the cache folder is not safe to use.
        """
        try:
            return cls(cache_root(), warn)
        except RuntimeError:  # Path.home() found no home folder
            return None

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = _code_stamp()
        return self._code

    # --- what list and validate need, per file, in one index per folder ---------------
    # Consistency warnings, with the position of every number involved, are large and only
    # `validate` shows them: they live in an index of their own, which `list` never reads.

    def record(
        self, path: Path, stamp: Stamp | None, *, warnings: bool = True
    ) -> dict[str, Any] | None:
        """What was recorded about this file when it had this stamp; else None."""
        entry = self._index(FOLDERS, path.parent).get(path.name)
        if stamp is None or entry is None or entry.get("stamp") != list(stamp):
            return None
        if DIGEST in entry and not self._same_bytes(path, stamp, entry):
            return None
        if not warnings:
            return entry
        extra = self._index(WARNINGS, path.parent).get(path.name)
        if extra is None or extra.get("stamp") != list(stamp):
            return None
        problems = [*entry.get("problems", ()), *extra.get("problems", ())]
        problems.sort(key=lambda p: (p.get("line") or 0, p.get("column") or 0))
        return {**entry, "problems": problems}

    def remember(
        self,
        path: Path,
        stamp: Stamp | None,
        record: Mapping[str, Any],
        *,
        digest: str | None = None,
    ) -> None:
        """Record what was found in a file; a file changed a moment ago is not recorded,
        unless the checksum of its bytes (`digest`) is given to check it by."""
        if stamp is None or (_racy(stamp) and digest is None):
            for kind in (FOLDERS, WARNINGS):
                if self._index(kind, path.parent).pop(path.name, None) is not None:
                    self._changed.add((kind, self._folder(path.parent)))
            return
        problems = list(record.get("problems", ()))
        warnings = [p for p in problems if p.get("severity") == "warning"]
        others = [p for p in problems if p.get("severity") != "warning"]
        self._index(FOLDERS, path.parent)[path.name] = {
            **record,
            "problems": others,
            "stamp": list(stamp),
            **({DIGEST: digest} if digest is not None and _racy(stamp) else {}),
        }
        self._index(WARNINGS, path.parent)[path.name] = {
            "problems": warnings,
            "stamp": list(stamp),
        }
        for kind in (FOLDERS, WARNINGS):
            self._changed.add((kind, self._folder(path.parent)))

    def remember_written(self, path: Path, data: bytes, record: Mapping[str, Any]) -> None:
        """Record a file this run has just written with `data`: as it was changed a moment
        ago, its stamp alone cannot vouch for it, so its checksum is kept too, and the first
        run that finds the file with that stamp and those bytes drops it (`record`)."""
        try:
            stamp = stamp_of(os.stat(path))
        except OSError:
            return
        if stamp[0] != len(data):
            return  # already replaced by someone else
        self.remember(path, stamp, record, digest=hashlib.sha256(data).hexdigest())

    def _same_bytes(self, path: Path, stamp: Stamp, entry: dict[str, Any]) -> bool:
        """Whether a file recorded with a checksum still holds those bytes; once its stamp
        is old enough to vouch for it, the checksum is dropped."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(stamp[0] + 1)
        except OSError:
            return False
        if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(entry[DIGEST])):
            return False
        if not _racy(stamp):
            del entry[DIGEST]
            self._changed.add((FOLDERS, self._folder(path.parent)))
        return True

    def keep_only(self, folder: Path, names: set[str]) -> None:
        """Forget the files of `folder` that are not in `names` (they are gone).

        The warnings index is pruned only when this run read it: `list` never reads it.
        """
        for kind in (FOLDERS, WARNINGS):
            if kind == WARNINGS and (kind, self._folder(folder)) not in self._indexes:
                continue
            index = self._index(kind, folder)
            gone = [name for name in index if name not in names]
            for name in gone:
                del index[name]
            if gone:
                self._changed.add((kind, self._folder(folder)))

    def save(self) -> None:
        for kind, folder in sorted(self._changed):
            self._write(kind, str(folder), {"files": self._indexes[(kind, folder)]})
        self._changed.clear()

    def _folder(self, folder: Path) -> Path:
        if folder not in self._folders:
            # Not Path.resolve, which raises on a loop of symbolic links.
            self._folders[folder] = Path(os.path.realpath(folder))
        return self._folders[folder]

    def _index(self, kind: str, folder: Path) -> dict[str, dict[str, Any]]:
        key = (kind, self._folder(folder))
        if key not in self._indexes:
            data = self._read(kind, str(key[1]))
            entries = data.get("files") if isinstance(data, dict) else None
            self._indexes[key] = {
                name: entry
                for name, entry in (entries.items() if isinstance(entries, dict) else ())
                if isinstance(entry, dict)
            }
        return self._indexes[key]

    # --- studies looked up by id ------------------------------------------------------

    def study_data(self, path: Path, stamp: Stamp) -> dict[str, Any] | None:
        """The data of a study saved with this stamp, for validating again; else None."""
        data = self._read("studies", str(path), revive=True)
        if not isinstance(data, dict) or data.get("stamp") != list(stamp):
            return None
        study = data.get("study")
        return study if isinstance(study, dict) else None

    def save_study(self, path: Path, stamp: Stamp, study: Study) -> None:
        if not _racy(stamp):
            data = {"stamp": list(stamp), "study": _tag_written(study.model_dump())}
            self._write("studies", str(path), data)

    # --- pages replayed (trialcli.cli.replay) -----------------------------------------

    def read_page(self, name: str, key: str) -> str | None:
        """The output recorded for this command (`name`) under this key; else None."""
        data = self._read("pages", name)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        text = data.get("text")
        return text if isinstance(text, str) else None

    def save_page(self, name: str, key: str, text: str) -> None:
        """Record a command's output; one page per command, its last key replacing others."""
        self._write("pages", name, {"key": key, "text": text})

    # --- files ------------------------------------------------------------------------

    def _file(self, kind: str, key: str) -> Path:
        name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.root / kind / f"{name}.json"

    def _header(self, kind: str, key: str, payload: bytes, secret: bytes) -> dict[str, Any]:
        # The HMAC covers where the data belongs too: no file can stand in for another.
        signed = hmac.new(secret, f"{CACHE_FORMAT}\0{kind}\0{key}\0".encode(), "sha256")
        signed.update(payload)
        return {"format": CACHE_FORMAT, "code": self.code, "key": key, "hmac": signed.hexdigest()}

    def _read(self, kind: str, key: str, revive: bool = False) -> Any:
        secret = self._key()
        if secret is None or not self._safe_folder(self.root / kind, create=False):
            return None
        try:
            raw = _read_own_file(self._file(kind, key))
            if raw is None:
                return None
            head, _, payload = raw.partition(b"\n")
            found, wanted = json.loads(head), self._header(kind, key, payload, secret)
            if not isinstance(found, dict) or set(found) != set(wanted):
                return None
            if any(found[k] != wanted[k] for k in wanted if k != "hmac"):
                return None
            if not hmac.compare_digest(str(found["hmac"]), wanted["hmac"]):
                return None
            return json.loads(payload, object_hook=_revive if revive else None)
        except (OSError, ValueError, TypeError, RecursionError):
            return None  # absent, unreadable, corrupt or stale: ignored, rebuilt later

    def _write(self, kind: str, key: str, data: Any) -> None:
        import tempfile

        secret = self._key()
        if secret is None or not self._safe_folder(self.root / kind, create=True):
            return
        target = self._file(kind, key)
        temporary: str | None = None
        try:
            payload = json.dumps(data, separators=(",", ":")).encode()
            if len(payload) > settings.MAX_CACHE_BYTES:
                return  # it would not be read back
            head = json.dumps(self._header(kind, key, payload, secret)).encode()
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                # Written in parts: an index can be tens of megabytes, so no joined copy.
                out.write(head)
                out.write(b"\n")
                out.write(payload)
            os.replace(temporary, target)
        except (OSError, ValueError, TypeError):
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)  # caching is best effort: no file, no error

    # --- the folder and its key ------------------------------------------------------

    def _key(self) -> bytes | None:
        """The secret that signs this cache; None when the cache is not to be used."""
        if self._usable is None:
            self._usable = self._open()
        return self._secret if self._usable else None

    def _open(self) -> bool:
        try:
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self.root.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            return False  # a read-only home: no cache, quietly
        if not self._safe_folder(self.root, create=False):
            return False
        try:
            self._secret = _read_key(self.root / KEY_FILE) or _new_key(self.root / KEY_FILE)
        except UnsafeCache as error:
            self._warn(f"not using the cache in '{self.root}': {error}")
            return False
        except OSError:
            return False
        return self._secret is not None

    def _safe_folder(self, folder: Path, *, create: bool) -> bool:
        """Whether `folder` is the user's own, private to writes; warned about once if not."""
        if folder not in self._safe_folders:
            if create:
                with contextlib.suppress(OSError):
                    folder.mkdir(mode=0o700)
            try:
                _check_folder(folder)
                self._safe_folders[folder] = True
            except FileNotFoundError:
                return False  # nothing cached there yet
            except UnsafeCache as error:
                self._warn(f"not using the cache in '{folder}': {error}")
                self._safe_folders[folder] = False
            except OSError:
                self._safe_folders[folder] = False
        return self._safe_folders[folder]


class UnsafeCache(Exception):
    """A cache folder or key that someone other than the user could have written."""


_OWN_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _owner() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None


def _check_folder(folder: Path) -> None:
    status = os.lstat(folder)
    if stat.S_ISLNK(status.st_mode):
        raise UnsafeCache("it is a symbolic link")
    if not stat.S_ISDIR(status.st_mode):
        raise UnsafeCache("it is not a folder")
    if _owner() is not None and status.st_uid != _owner():
        raise UnsafeCache("it belongs to another user")
    if status.st_mode & 0o022:
        raise UnsafeCache("other users can write to it")


def _read_own_file(path: Path, limit: int | None = None) -> bytes | None:
    """A regular file of the user's, of at most `limit` bytes (MAX_CACHE_BYTES), never
    through a symbolic link; else None. Opened without blocking: a FIFO cannot hang the run.
    """
    limit = settings.MAX_CACHE_BYTES if limit is None else limit
    try:
        handle = os.open(path, _OWN_FILE_FLAGS)
    except OSError:
        return None  # absent, or a symbolic link (O_NOFOLLOW)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        if _owner() is not None and status.st_uid != _owner():
            return None
        with open(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
        return data if len(data) <= limit else None
    finally:
        os.close(handle)


def _read_key(path: Path) -> bytes | None:
    """The cache's secret; None when there is none yet."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(status.st_mode) or (_owner() is not None and status.st_uid != _owner()):
        raise UnsafeCache(f"its key '{path.name}' is not a file of yours")
    if status.st_mode & 0o077:
        raise UnsafeCache(f"other users can read its key '{path.name}'")
    secret = _read_own_file(path, KEY_BYTES)
    if secret is None or len(secret) != KEY_BYTES:
        raise UnsafeCache(f"its key '{path.name}' is damaged; delete it to start afresh")
    return secret


def _new_key(path: Path) -> bytes | None:
    """Create the secret: written privately, then named at once, so a reader sees it whole.

    When another run created it first, theirs is used.
    """
    import secrets
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another run was first: its key is the one
        except OSError:
            # No hard links here. Replacing a key a racing run just made only costs
            # that run what it cached.
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return _read_key(path)


def _racy(stamp: Stamp) -> bool:
    return time.time_ns() - stamp[1] < RACY_NS


def _tag_written(value: Any) -> Any:
    """JSON-ready data in which each Written number keeps its decimals."""
    if isinstance(value, Written):
        return {_WRITTEN_KEY: [float(value), value.places]}
    if isinstance(value, dict):
        return {key: _tag_written(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag_written(item) for item in value]
    return value


def _revive(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1 and _WRITTEN_KEY in mapping:
        value, places = mapping[_WRITTEN_KEY]
        return Written(float(value), int(places))
    return mapping
