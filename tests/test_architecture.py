"""The package's rooms and their joints: no import circle, and no import upward.

Every module of trialcli is read (not imported) and each `import` in it, at any depth
(inside functions and `if TYPE_CHECKING:` too: a lazy or type-only import is still a
joint), is checked against the floors below. A module may import its own floor and the
floors under it, never one above; and no set of modules may import each other in a
circle. docs/architecture.md draws the same floors and says why they are where they are.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "trialcli"

# Lowest first. A module belongs to the first floor one of whose names it is or is under.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    (
        "shared",
        (
            "trialcli",  # the package itself: its version
            "trialcli.errors",
            "trialcli.files",
            "trialcli.written",
            "trialcli.streams",
            "trialcli.settings",
            "trialcli.parallel",
            "trialcli.endpoint_codes",
            "trialcli.formats",
        ),
    ),
    (
        "format",
        (
            "trialcli.model",
            # How the format's numbers and fields are worded: they read the model's types.
            "trialcli.formatting",
            "trialcli.messages",
            "trialcli.crosscheck",
            "trialcli.schema",
            "trialcli.loader",
            "trialcli.writer",
            "trialcli.skeleton",
        ),
    ),
    ("sources", ("trialcli.cache", "trialcli.catalog", "trialcli.store", "trialcli.importers")),
    ("operations", ("trialcli.stats", "trialcli.ops")),
    ("checking", ("trialcli.checking",)),
    ("output", ("trialcli.render", "trialcli.figures", "trialcli.export")),
    (
        "cli",
        ("trialcli.cli", "trialcli.arguments", "trialcli.completion", "trialcli.__main__"),
    ),
]

# Joints other work is fixing, each named with why it is here; keep this list short.
ALLOWED: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The trialcli modules `name` imports, anywhere in its text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from trialcli.ops import audit` imports the module trialcli.ops.audit.
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    return {m for m in found if m in known and m != name}


@functools.cache
def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def floor_of(name: str) -> int:
    best: tuple[int, int] | None = None  # (length of the matching name, floor)
    for number, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            matches = name == prefix or name.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    assert best is not None, f"{name} is on no floor: add it to FLOORS"
    return best[1]


def test_every_module_is_on_a_floor() -> None:
    for name in modules():
        floor_of(name)


def test_no_module_imports_a_floor_above_its_own() -> None:
    upward = sorted(
        f"{name} ({FLOORS[floor_of(name)][0]}) imports {target} ({FLOORS[floor_of(target)][0]})"
        for name, targets in graph().items()
        for target in targets
        if floor_of(target) > floor_of(name) and (name, target) not in ALLOWED
    )
    assert upward == []


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_modules_import_each_other_in_a_circle() -> None:
    edges = {
        name: targets - {t for n, t in ALLOWED if n == name} for name, targets in graph().items()
    }
    # A package importing its own modules in __init__ is how it offers them, not a circle.
    edges = {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in edges.items()
    }
    assert circles(edges) == []


def room_of(module: str) -> str:
    """The package a module is in; a module directly under trialcli is a room of its own."""
    package = module.rpartition(".")[0]
    return module if package in ("", "trialcli") else package


def private_imports() -> list[str]:
    """`from module import _name` from another room (package): one room reaching into the
    insides of another. Within one package (cli/*.py and cli/base.py) they are its own."""
    found = []
    for name, path in modules().items():
        room = room_of(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module.startswith("trialcli.") and room_of(node.module) != room:
                found += [
                    f"{name} imports {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and a.name != "__version__"
                ]
    return sorted(found)


def test_no_module_imports_the_private_names_of_another() -> None:
    assert private_imports() == []


def imports_rich(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rich"):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("rich") for a in node.names):
            return True
    return False


def test_figures_take_their_words_from_rich_free_modules() -> None:
    # A figure says what the terminal says through a shared text module (forest_text,
    # flow_text, network_text), never by importing the terminal's Rich renderer.
    found = modules()
    joints = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.startswith("trialcli.figures")
        for target in targets
        if target.startswith("trialcli.render") and imports_rich(found[target])
    )
    assert joints == []
    assert imports_rich(found["trialcli.render.network"])
    assert "trialcli.render.network_text" in graph()["trialcli.figures.network"]


def test_the_walk_finds_what_it_looks_for() -> None:
    # A walk that found nothing would pass the tests above whatever the code did.
    found = graph()
    assert "trialcli.loader" in found["trialcli.checking"]
    assert "trialcli.ops.audit" in found["trialcli.checking"]
    assert "trialcli.catalog" in found["trialcli.checking"]
    assert floor_of("trialcli.checking") > floor_of("trialcli.ops.audit")
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
