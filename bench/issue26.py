"""Measure every row of issue 26's table, each beside its floor in the same run.

    python bench/issue26.py --zip ctg-studies-sample.zip [--repeat 7] [--only NAME ...]

Rows (each a ratio of medians of whole processes, ABBA-alternated with its baseline,
wall and CPU time; the load average is printed before and after each row):

- full-care: `show care-ms-ii --full` (study cache warm, page computed: never replayed,
  as on a terminal; `--replayed` lets the piped page replay) vs bench/floor.py on
  data/care-ms-ii.yaml
- full-big: `show BIG --full` (the same) vs floor.py on BIG's study file, where BIG is
  largest imported record of the sample with many serious adverse-event terms (see
  README: the PIONEER 6 record itself is not in the sample or /work/shared)
- ae-big: `ae BIG` (the same) vs floor.py on the same file
- first-list: import the sample into an empty folder (cold cache), then time the first
  `list` over it vs floor.py
- import: `import ZIP --into DIR` vs bench/bulk_baseline.py (the least work)

Same method as bench/run.py (see bench/README.md). Corpora live in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from run import BENCH, BUNDLED, PYTHON, Pair, Run, alternate, environment, machine
from run import run as run_process

TRIALCLI = [PYTHON, "-c", "import sys; from trialcli.cli import app; sys.exit(app())"]
# The page computed, as on a terminal, which never replays (trialcli/cli/replay.py): the
# same process with the replay switched off, output still to a pipe.
COMPUTED = [
    PYTHON,
    "-c",
    "import sys; import trialcli.cli.replay as r; "
    "r._Page.find = classmethod(lambda *a, **k: None); "
    "from trialcli.cli import app; sys.exit(app())",
]
FLOOR = [PYTHON, str(BENCH / "floor.py")]
ROWS = ("full-care", "full-big", "ae-big", "first-list", "import")
LIMITS = {"full-care": 1.2, "full-big": 1.5, "ae-big": 1.2, "first-list": 3.0, "import": 1.0}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, required=True, help="the bulk-download sample ZIP")
    parser.add_argument("--big", default="nct03619213", help="the large record's study id")
    parser.add_argument("--catalog", type=Path, help="the sample already imported (else imported)")
    parser.add_argument("--repeat", type=int, default=7, help="rounds of each start-up pair")
    parser.add_argument("--repeat-import", type=int, default=3, help="rounds of import pairs")
    parser.add_argument("--only", nargs="*", choices=ROWS, default=list(ROWS))
    parser.add_argument(
        "--replayed", action="store_true", help="show and ae replayed from the cache (warm)"
    )
    args = parser.parse_args(argv)
    page = TRIALCLI if args.replayed else COMPUTED
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # see bench/README.md, "Measuring here"
    work = Path(tempfile.mkdtemp(prefix="trialcli-bench-26-"))
    counter = iter(range(1_000_000))
    print(f"Machine: {machine()}", file=sys.stderr)
    warm = environment(work / "warm-cache")
    pairs: list[tuple[Pair, str, str]] = []

    def timed(command: list[str], env: dict[str, str]) -> Callable[[], Run]:
        return lambda: run_process(command, env, allowed=(0, 1))

    def pair(name: str, ours: Callable[[], Run], base: Callable[[], Run], repeat: int) -> None:
        before = load()
        print(f"{name} (load {before})", file=sys.stderr)
        mine, theirs = alternate(repeat, ours, base)
        pairs.append((Pair(name, "", "", LIMITS[name], mine, theirs), before, load()))

    catalog: Path | None = args.catalog
    if catalog is None and {"full-big", "ae-big"} & set(args.only):
        catalog = work / "catalog"
        catalog.mkdir()
        print("importing the sample once, for the large record", file=sys.stderr)
        run_process(
            [*TRIALCLI, "import", str(args.zip), "--into", str(catalog)], warm, allowed=(0, 1)
        )
    for name in args.only:
        if name == "full-care":
            show = timed([*page, "show", "care-ms-ii", "--full"], warm)
            show()
            pair(name, show, timed([*FLOOR, str(BUNDLED)], warm), args.repeat)
        elif name in ("full-big", "ae-big"):
            assert catalog is not None
            big = catalog / f"{args.big.lower()}.yaml"
            words = ["show", str(big), "--full"] if name == "full-big" else ["ae", str(big)]
            ours = timed([*page, "--data-dir", str(catalog), *words], warm)
            ours()
            pair(name, ours, timed([*FLOOR, str(big)], warm), args.repeat)
        elif name == "first-list":

            def first_list() -> Run:
                into = work / f"first-{next(counter)}"
                into.mkdir()
                env = environment(work / f"cold-{next(counter)}")
                command = [*TRIALCLI, "import", str(args.zip), "--into", str(into)]
                run_process(command, env, allowed=(0, 1))
                result = run_process([*TRIALCLI, "--data-dir", str(into), "list"], env)
                shutil.rmtree(into, ignore_errors=True)
                return result

            pair(name, first_list, timed([*FLOOR, str(BUNDLED)], warm), args.repeat_import)
        else:

            def bulk() -> Run:
                into = work / f"import-{next(counter)}"
                into.mkdir()
                env = environment(work / f"cold-{next(counter)}")
                command = [*TRIALCLI, "import", str(args.zip), "--into", str(into)]
                result = run_process(command, env, sample_memory=True, allowed=(0, 1))
                shutil.rmtree(into, ignore_errors=True)
                return result

            def least() -> Run:
                into = work / f"base-{next(counter)}"
                into.mkdir()
                command = [PYTHON, str(BENCH / "bulk_baseline.py"), str(args.zip), str(into)]
                result = run_process(command, warm)
                shutil.rmtree(into, ignore_errors=True)
                return result

            pair(name, bulk, least, args.repeat_import)

    print(f"\nMachine: {machine()}\n")
    print("| row | trialcli (median) | floor (median) | ratio wall | ratio CPU | goal | load |")
    print("|---|---|---|---|---|---|---|")
    for p, before, after in pairs:
        ours = statistics.median(r.seconds for r in p.ours)
        base = statistics.median(r.seconds for r in p.base)
        mark = "✔" if p.ratio <= p.limit else "✘"
        print(
            f"| {p.target} | {ours * 1000:.0f} ms | {base * 1000:.0f} ms | **{p.ratio:.2f}** {mark}"
            f" | {p.cpu_ratio:.2f} | ≤ {p.limit} | {before} → {after} |"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
