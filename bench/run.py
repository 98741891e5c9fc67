"""Measure every performance target of trialcli, each beside its baseline, in one run.

    python bench/run.py                      # 2,000 corpus studies, a few minutes
    python bench/run.py --studies 10000      # the figures in bench/README.md

Each figure is a ratio of medians: trialcli and its baseline run alternately (ABBA), so
a shared, noisy machine slows both alike. Times are wall-clock times of a whole process,
as a person waits for them. Peak memory is the largest resident set of any process of
the run (getrusage of the child, which covers the workers it waited for) and the largest
total proportional set size of the whole process tree, sampled every 50 ms.

Runs from a checkout, from the repository root, as the installed `trialcli` script runs
(`from trialcli.cli import app; app()`), with the cache in a temporary folder (each cold
run gets an empty one).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
BUNDLED = ROOT / "data" / "care-ms-ii.yaml"
# A file changed this recently is not cached (trialcli.cache.RACY_NS): let the corpus settle.
SETTLE_SECONDS = 2.5


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system time of the process and the children it waited for
    max_rss_mb: float
    peak_pss_mb: float
    output: str


def run(
    command: Sequence[str],
    env: dict[str, str],
    sample_memory: bool = False,
    allowed: tuple[int, ...] = (0,),
) -> Run:
    """Run a command to completion: its wall time, peak memory and stdout's last line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    peak = [0.0]
    stop = threading.Event()
    sampler = None
    if sample_memory:
        sampler = threading.Thread(target=_sample_tree, args=(process.pid, peak, stop))
        sampler.start()
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        last = line.decode(errors="replace").rstrip() or last
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    if sampler is not None:
        sampler.join()
    if process.returncode not in allowed:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {last}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, peak[0], last)


def _sample_tree(root: int, peak: list[float], stop: threading.Event) -> None:
    while not stop.wait(0.05):
        total = sum(_pss_kb(pid) for pid in _tree(root))
        peak[0] = max(peak[0], total / 1024)


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Pair:
    target: str
    command: str
    baseline: str
    limit: float
    ours: list[Run]
    base: list[Run]

    @property
    def ratio(self) -> float:
        return median(self.ours) / median(self.base)

    @property
    def cpu_ratio(self) -> float:
        """The same ratio in CPU time, which other work on a busy machine disturbs less."""
        return statistics.median(r.cpu_seconds for r in self.ours) / statistics.median(
            r.cpu_seconds for r in self.base
        )


def median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def alternate(
    repeats: int, ours: Callable[[], Run], base: Callable[[], Run]
) -> tuple[list[Run], list[Run]]:
    """ABBA: each pair of rounds runs trialcli first once and the baseline first once."""
    mine: list[Run] = []
    theirs: list[Run] = []
    for round_ in range(repeats):
        if round_ % 2 == 0:
            mine.append(ours())
            theirs.append(base())
        else:
            theirs.append(base())
            mine.append(ours())
        print(
            f"    round {round_ + 1}/{repeats}: {mine[-1].seconds:.3f} s vs "
            f"{theirs[-1].seconds:.3f} s",
            file=sys.stderr,
        )
    return mine, theirs


def environment(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIALCLI_")}
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def corpus(folder: Path, studies: int) -> Path:
    """A folder of `studies` corpus studies: written unless it already holds them."""
    existing = len(list(folder.glob("*.yaml"))) if folder.is_dir() else 0
    if existing and existing != studies:
        raise SystemExit(f"{folder} holds {existing} studies, not {studies}: give another folder")
    if not existing:
        print(f"  writing {studies} studies to {folder}", file=sys.stderr)
        subprocess.run(
            [PYTHON, str(BENCH / "make_corpus.py"), str(studies), str(folder)], check=True
        )
        time.sleep(SETTLE_SECONDS)
    return folder


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{model}, {cores} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; load average {load}"
    )


def _scale(
    args: argparse.Namespace,
    folder: Path,
    trialcli: list[str],
    floor: list[str],
    warm: dict[str, str],
    work: Path,
) -> list[Pair]:
    """The corpus targets: the warm list and the cold validate."""
    pairs: list[Pair] = []

    def timed(command: list[str], env: dict[str, str], memory: bool = False) -> Callable[[], Run]:
        return lambda: run(command, env, memory)

    print(f"Scale: {args.studies} studies", file=sys.stderr)
    listing = [*trialcli, "--data-dir", str(folder), "list"]
    print("  filling the cache for warm runs", file=sys.stderr)
    run(listing, warm)
    for target, extra, limit in [
        (f"list, {args.studies} studies, warm cache", [], 5.0),
        (f"list --format csv, {args.studies} studies, warm (for reference)", ["-f", "csv"], 0),
    ]:
        print(f"  {target}", file=sys.stderr)
        ours, base = alternate(
            args.repeat_scale, timed([*listing, *extra], warm), timed(floor, warm)
        )
        name = f"trialcli --data-dir CORPUS list {' '.join(extra)}".rstrip()
        pairs.append(Pair(target, name, "bench/floor.py", limit, ours, base))

    print(f"  validate, {args.studies} studies, cold cache", file=sys.stderr)
    counter = iter(range(1_000_000))

    def cold() -> Run:
        result = run(
            [*trialcli, "validate", str(folder)],
            environment(work / f"cold-cache-{next(counter)}"),
            sample_memory=True,
        )
        if "all valid" not in result.output:
            raise SystemExit(f"the corpus did not validate: {result.output}")
        return result

    plain_load = timed([PYTHON, str(BENCH / "load_only.py"), str(folder)], warm)
    ours, base = alternate(args.repeat_cold, cold, plain_load)
    pairs.append(
        Pair(
            f"validate, {args.studies} studies, cold cache",
            "trialcli validate CORPUS",
            "bench/load_only.py CORPUS",
            1.0,
            ours,
            base,
        )
    )

    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--corpus", type=Path, help="corpus folder, kept between runs")
    parser.add_argument("--repeat", type=int, default=21, help="rounds of start-up timings")
    parser.add_argument("--repeat-scale", type=int, default=5, help="rounds of warm list")
    parser.add_argument("--repeat-cold", type=int, default=3, help="rounds of cold validate")
    parser.add_argument(
        "--start-up-only", action="store_true", help="only the start-up targets (no corpus)"
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="trialcli-bench-"))
    folder = None if args.start_up_only else corpus(args.corpus or work / "corpus", args.studies)
    print(f"Machine: {machine()}", file=sys.stderr)
    # What the installed `trialcli` script does (no runpy, unlike `python -m trialcli`).
    trialcli = [PYTHON, "-c", "import sys; from trialcli.cli import app; sys.exit(app())"]
    floor = [PYTHON, str(BENCH / "floor.py"), str(BUNDLED)]
    warm = environment(work / "warm-cache")
    pairs: list[Pair] = []

    def timed(command: list[str], env: dict[str, str], memory: bool = False) -> Callable[[], Run]:
        return lambda: run(command, env, memory)

    print("Start-up", file=sys.stderr)
    run([*trialcli, "show", "care-ms-ii"], warm)  # fills the cache, as any first use does
    for target, extra, limit in [
        ("show care-ms-ii, first screen (warm cache)", ["show", "care-ms-ii"], 1.10),
        ("show care-ms-ii --full (warm cache)", ["show", "care-ms-ii", "--full"], 1.20),
        ("--version", ["--version"], 0.6),
        ("show care-ms-ii --no-cache (for reference)", ["--no-cache", "show", "care-ms-ii"], 0),
        (
            "show care-ms-ii -f json: all but the page (for reference)",
            ["show", "care-ms-ii", "-f", "json"],
            0,
        ),
        ("list, the 3 bundled studies (for reference)", ["list"], 0),
    ]:
        print(f"  {target}", file=sys.stderr)
        ours, base = alternate(args.repeat, timed([*trialcli, *extra], warm), timed(floor, warm))
        pairs.append(
            Pair(target, "trialcli " + " ".join(extra), "bench/floor.py", limit, ours, base)
        )

    if folder is not None:
        pairs += _scale(args, folder, trialcli, floor, warm, work)

    print()
    print(f"Machine: {machine()}")
    if folder is not None:
        print(f"Corpus: {args.studies} studies from bench/make_corpus.py")
    print()
    print(
        "| target | trialcli | baseline | median, trialcli | median, baseline | ratio "
        "| CPU-time ratio | limit |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for pair in pairs:
        limit = f"≤ {pair.limit:g}" if pair.limit else "–"
        verdict = "" if not pair.limit else (" ✔" if pair.ratio <= pair.limit else " ✘")
        print(
            f"| {pair.target} | `{pair.command}` | `{pair.baseline}` "
            f"| {median(pair.ours) * 1000:.0f} ms | {median(pair.base) * 1000:.0f} ms "
            f"| {pair.ratio:.2f}{verdict} | {pair.cpu_ratio:.2f} | {limit} |"
        )
    if folder is not None:
        validate = pairs[-1].ours
        max_rss = max(r.max_rss_mb for r in validate)
        pss = max(r.peak_pss_mb for r in validate)
        print()
        print(
            f"Peak memory of the cold validate runs: {max_rss:.0f} MB largest process "
            f"(ru_maxrss), {pss:.0f} MB all processes together (PSS); limit 300 MB"
            + (" ✔" if max(max_rss, pss) <= 300 else " ✘")
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
