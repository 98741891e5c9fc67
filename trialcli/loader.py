"""Reading study files: safe YAML only, duplicate keys refused, every problem located.

The happy path is fast: the C parser builds plain data and pydantic validates it. Only
when something is wrong is the file composed a second time, with positions, to turn
each problem's field path into `file:line:column`.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
import types
import typing
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, cast

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from trialcli.crosscheck import cross_check
from trialcli.errors import Problem, StudyFileError
from trialcli.files import unreadable
from trialcli.messages import error_message
from trialcli.model import Study
from trialcli.settings import MAX_BYTES_ENV, max_file_bytes
from trialcli.written import Written

# How a study piped in on standard input (given as `-`) is named in messages.
STDIN_NAME = "<stdin>"
# Nesting deeper than any study needs; stops crafted files from exhausting the stack.
MAX_DEPTH = 64

Loc = tuple[int | str, ...]


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A whole key or value written as <something>: a placeholder of `trialcli new` not filled in.
PLACEHOLDER = re.compile(r"^<[^<>\n]+>$")


class _StudyLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader that refuses duplicate keys, aliases and deep nesting.

    Dates stay text (the model decides what a date is), so the timestamp resolver is
    dropped.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            # A node seen twice came from an alias. Aliases make "billion laughs" files
            # possible and no study needs them.
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not allowed", node.start_mark
            )
        return super().construct_object(node, deep=deep)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """PyYAML's answer, sooner: the patterns to try are looked up, not rebuilt, per scalar."""
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if implicit[0]:
                for tag, pattern in _SCALAR_PATTERNS.get(value[:1], _ANY_START):
                    if pattern.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            found = getattr(node, "id", "value")
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found a {found}", node.start_mark
            )
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    value = loader.construct_yaml_float(node)
    return Written.from_text(value, node.value) if isinstance(value, float) else value


_StudyLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)

# For resolve: the implicit patterns by a scalar's first character, then those for any.
_ANY_START: list[Any] = list(_StudyLoader.yaml_implicit_resolvers.get(None, []))
_SCALAR_PATTERNS: dict[str, list[Any]] = {
    first: [*patterns, *_ANY_START]
    for first, patterns in _StudyLoader.yaml_implicit_resolvers.items()
    if first is not None
}

_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))
_PLAIN_SCALARS: dict[str, Any] = {
    f"tag:yaml.org,2002:{kind}": _StudyLoader.yaml_constructors[f"tag:yaml.org,2002:{kind}"]
    for kind in ("int", "float", "bool", "null")
}


class _NotPlain(Exception):
    """The document needs the full constructor: an alias, a duplicate key, an odd tag."""


def _plain_data(text: str) -> tuple[Any, yaml.Node | None]:
    """What `yaml.load(text, Loader=_StudyLoader)` returns, for the usual study file, faster;
    and the parsed nodes, whose marks give each field's line without parsing again.

    The C parser builds the nodes; this walks them in one tight pass instead of PyYAML's
    general constructor, which costs more than the parsing. Anything it does not expect
    raises, and the full loader then decides, so results and errors stay the same.
    """
    loader = _StudyLoader(text)
    try:
        root = loader.get_single_node()
        return (None, None) if root is None else (_plain(loader, root, set()), root)
    finally:
        loader.dispose()


def _plain(loader: Any, node: yaml.Node, seen: set[int]) -> Any:
    if id(node) in seen:  # a node met twice came from an alias
        raise _NotPlain
    seen.add(id(node))
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _STR:
            return node.value
        construct = _PLAIN_SCALARS.get(tag)
        if construct is None:
            raise _NotPlain
        return construct(loader, node)
    if kind is yaml.MappingNode and tag == _MAP:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _NotPlain
            key = _plain(loader, key_node, seen)
            if key in mapping:
                raise _NotPlain
            mapping[key] = _plain(loader, value_node, seen)
        return mapping
    if kind is yaml.SequenceNode and tag == _SEQ:
        return [_plain(loader, item, seen) for item in node.value]
    raise _NotPlain


def read_text(path: Path) -> str:
    """The file's text, refusing what is not a reasonably sized UTF-8 file."""
    file = str(path)
    try:
        # Not blocking: opening a FIFO would otherwise wait forever for a writer.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            status = os.fstat(handle)
            if stat.S_ISDIR(status.st_mode):
                raise StudyFileError([Problem(file, "is a folder, not a study file")])
            if not stat.S_ISREG(status.st_mode):
                raise StudyFileError(
                    [Problem(file, "is not a regular file (a FIFO, device or socket)")]
                )
            limit = max_file_bytes()
            if status.st_size > limit:
                raise StudyFileError(
                    [
                        Problem(
                            file,
                            f"file is {status.st_size:,} bytes, over the {limit:,}-byte limit "
                            f"(set {MAX_BYTES_ENV} to raise it)",
                        )
                    ]
                )
            with open(handle, "rb", closefd=False) as stream:
                data = stream.read(limit + 1)
        finally:
            os.close(handle)
    except OSError as error:
        raise unreadable(path, error) from None
    return _decoded(data, file)


def read_stdin() -> str:
    """A study file piped in (given as `-`), held to the same limits as a file."""
    limit = max_file_bytes()
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        message = f"input is over the {limit:,}-byte limit (set {MAX_BYTES_ENV} to raise it)"
        raise StudyFileError([Problem(STDIN_NAME, message)])
    if not data.strip():
        raise StudyFileError([Problem(STDIN_NAME, "nothing was piped in; expected a study file")])
    return _decoded(data, STDIN_NAME)


def _decoded(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise StudyFileError(
            [Problem(file, "is not valid UTF-8 text", line=line, column=column)]
        ) from None


def parse_yaml(text: str, file: str) -> Any:
    """Plain data from YAML text, or a StudyFileError located at the offending mark."""
    return _parse_with_nodes(text, file)[0]


def _parse_with_nodes(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    """`parse_yaml`, plus the parsed nodes when the fast path had them (else None)."""
    try:
        return _plain_data(text)
    except Exception:
        pass  # whatever it is, the full loader below meets it too, and words it
    try:
        return yaml.load(text, Loader=_StudyLoader), None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = (
            " ".join(str(part) for part in (error.context, error.problem) if part) or "invalid YAML"
        )
        if mark is not None and _has_tab_indent(text, mark.line):
            message += " (indent with spaces, not tabs)"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise StudyFileError([Problem(file, message, line=line, column=column)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = f"U+{error.character:04X}"
        message = f"contains the control character {character}, which YAML does not allow"
        raise StudyFileError([Problem(file, message, line, column)]) from None
    except yaml.YAMLError as error:
        raise StudyFileError([Problem(file, f"invalid YAML: {error}")]) from None
    except RecursionError:
        raise StudyFileError([Problem(file, "nesting is too deep")]) from None


def _has_tab_indent(text: str, line: int) -> bool:
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    content = lines[line]
    return "\t" in content[: len(content) - len(content.lstrip())]


def load_study(path: Path) -> Study:
    """The validated study in `path`; raises StudyFileError listing every problem."""
    return _valid(*check_study(path))


def load_text(text: str, file: str = STDIN_NAME) -> Study:
    """The validated study written in `text` (a file piped in); as `load_study`."""
    return _valid(*check_text(text, file))


def _valid(study: Study | None, problems: list[Problem]) -> Study:
    if study is None or any(p.severity == "error" for p in problems):
        raise StudyFileError(problems)
    return study


def check_study(path: Path) -> tuple[Study | None, list[Problem]]:
    """The study (when it validates) and every problem found in the file. The consistency
    audit's warnings are trialcli.checking's, above the format."""
    return check_text(read_text(path), str(path))


def check_text(text: str, file: str = STDIN_NAME) -> tuple[Study | None, list[Problem]]:
    """`check_study` for a study file's text (one piped in)."""
    found = validation(text, file)
    return found.study, found.problems


def validation(text: str, file: str = STDIN_NAME) -> Validation:
    """A study file's text parsed and validated, with what locates its fields."""
    data, nodes = _parse_with_nodes(text, file)
    return _validated(data, text, file, nodes)


def validate_data(
    data: Any, text: str, file: str, *, nodes: yaml.Node | None = None
) -> tuple[Study | None, list[Problem]]:
    """The study and its problems; `nodes`, when given, are `text` already parsed."""
    found = _validated(data, text, file, nodes)
    return found.study, found.problems


@dataclass(frozen=True)
class Validation:
    """A file validated: the study (when it validates), its problems in file order, and
    what locates a field path in the file (for problems found later, such as the audit's)."""

    file: str
    study: Study | None
    problems: list[Problem]
    located: Locator | None
    # Lines holding a `<placeholder>` of `trialcli new`: it explains every other complaint
    # about its line, so those are left out.
    placeholder_lines: frozenset[int] = frozenset()

    def adding(self, more: Iterable[Problem]) -> list[Problem]:
        """The problems with `more` merged in, by the same rules, in file order."""
        extra = [p for p in more if p.line is None or p.line not in self.placeholder_lines]
        return sorted([*self.problems, *extra], key=_position)


def _validated(data: Any, text: str, file: str, nodes: yaml.Node | None) -> Validation:
    if data is None:
        empty = Problem(file, "file is empty; expected a study (a mapping of fields)")
        return Validation(file, None, [empty], None)
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        message = f"expected a study (a mapping of fields) at the top level, found {found}"
        return Validation(file, None, [Problem(file, message, 1, 1)], None)
    if _depth(data) > MAX_DEPTH:
        deep = Problem(file, f"nesting is deeper than {MAX_DEPTH} levels")
        return Validation(file, None, [deep], None)
    located = Locator(text, nodes)
    unfilled = [
        Problem(
            file,
            f"placeholder {value} is not filled in; fill it in, or delete the line if the "
            "source does not report it",
            *located.position(loc, at_key=at_key),
            field=dotted(loc) or None,
        )
        for loc, value, at_key in _placeholders(data)
    ]
    study: Study | None
    try:
        study = Study.model_validate(data)
        problems = [
            Problem(file, message, *located.position(loc), field=dotted(loc))
            for loc, message in cross_check(study)
        ]
    except ValidationError as error:
        study = None
        problems = [_problem_from_pydantic(detail, file, located) for detail in error.errors()]
    lines = frozenset(p.line for p in unfilled if p.line is not None)
    base = Validation(file, study, unfilled, located, lines)
    return replace(base, problems=base.adding(problems))


def _placeholders(data: Any) -> list[tuple[Loc, str, bool]]:
    """Every `<placeholder>` key or value: (where, the placeholder, whether it is a key)."""
    found: list[tuple[Loc, str, bool]] = []
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and PLACEHOLDER.match(key):
                    found.append(((*loc, key), key, True))
                stack.append(((*loc, key), value))
        elif isinstance(item, list):
            stack.extend(((*loc, i), value) for i, value in enumerate(item))
        elif isinstance(item, str) and PLACEHOLDER.match(item):
            found.append((loc, item, False))
    return found


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)


def _depth(data: Any) -> int:
    # Iterative, so a crafted file cannot exhaust the stack here.
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def dotted(loc: Iterable[int | str]) -> str:
    """A field path as written in messages: `endpoints[0].results.ifn.n`."""
    text = ""
    for item in loc:
        if isinstance(item, int):
            text += f"[{item}]"
        elif item == "[key]":
            continue
        else:
            text += f".{item}" if text else str(item)
    return text


def _problem_from_pydantic(detail: ErrorDetails, file: str, located: Locator) -> Problem:
    loc: Loc = tuple(detail["loc"])
    kind = detail["type"]
    at_key = False
    if kind == "missing" and loc and isinstance(loc[-1], int):
        message = f"this list needs more items: item {loc[-1] + 1} is missing"
        loc = loc[:-1]
    elif kind == "missing":
        message = f"required field '{loc[-1]}' is missing"
        loc = loc[:-1]
    elif kind == "extra_forbidden":
        message = f"unknown field '{loc[-1]}'"
        suggestion = difflib.get_close_matches(str(loc[-1]), _field_names_at(loc[:-1]), n=1)
        if suggestion:
            message += f"; did you mean '{suggestion[0]}'?"
        at_key = True
    else:
        message = error_message(detail)
    if loc and loc[-1] == "[key]":
        loc, at_key = loc[:-1], True
    # Pydantic names union branches and function validators in the path; drop them.
    loc = tuple(item for item in loc if not (isinstance(item, str) and "[" in item))
    line, column = located.position(loc, at_key=at_key)
    return Problem(file, message, line, column, field=dotted(loc) or None)


def _field_names_at(loc: Loc) -> list[str]:
    """Field names of the model that `loc` points into, for "did you mean"."""
    model: type[BaseModel] | None = Study
    for item in loc:
        if model is None:
            return []
        if isinstance(item, str) and item in model.model_fields:
            model = _model_in(model.model_fields[item].annotation)
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        args = args[:1]
    elif isinstance(annotation, types.UnionType):
        args = tuple(a for a in args if a is not type(None))
    for arg in args:
        found = _model_in(arg)
        if found is not None:
            return found
    return None


class Locator:
    """Maps a field path to a line and column, composing the YAML lazily and once
    (or not at all, when the parse that gave the data kept its nodes)."""

    def __init__(self, text: str, nodes: yaml.Node | None = None) -> None:
        self._text = text
        self._root: yaml.Node | None = nodes
        self._composed = nodes is not None
        # Each mapping's keys, indexed on first use: scanning them for every problem made
        # a file with 20,000 unknown keys take 10 s.
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def position(self, loc: Loc, at_key: bool = False) -> tuple[int | None, int | None]:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=_BaseLoader)
            except yaml.YAMLError:
                self._root = None
        node = self._root
        if node is None:
            return None, None
        for step in loc:
            child = self._child(node, step, at_key and step == loc[-1])
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _child(self, node: yaml.Node, step: int | str, want_key: bool) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = {}
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode):
                        keys.setdefault(key_node.value, (key_node, value_node))
            found = keys.get(str(step))
            return None if found is None else found[0 if want_key else 1]
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            return cast(yaml.Node, node.value[step])
        return None
