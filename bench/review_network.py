"""Issue 26's last row: `review` of a 4 MB RevMan file and `network` of 40 studies, each
against bench/floor.py (on data/care-ms-ii.yaml), in the same run.

    python bench/review_network.py [--repeat 5] [--copies 25]

- The large review: CD011381 (tests/fixtures/revman) with its studies and their data rows
  repeated `--copies` times under new ids (`STD-x-c2`, …): about 4 MB and 1,000 studies at
  25 copies. Its stated totals no longer match the data, which `review` reports.
- The network: CD011381's 38 studies imported (`import REVIEW.rm5 --into DIR`), plus copies
  of some under new ids, until 40 have `relapses-over-12-months`; `network -e
  relapses-over-12-months --better lower` over them.

Same method as bench/run.py: ABBA, medians, whole processes; warm cache.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from run import BENCH, BUNDLED, PYTHON, ROOT, alternate, environment, machine
from run import run as run_process

TRIALCLI = [PYTHON, "-c", "import sys; from trialcli.cli import app; sys.exit(app())"]
SOURCE = ROOT / "tests" / "fixtures" / "revman" / "CD011381StatsDataOnly.rm5"
ENDPOINT = "relapses-over-12-months"
DATA_LINE = re.compile(r'^\s*<[A-Z_]+_DATA [^\n]*STUDY_ID="([^"]+)"[^\n]*/>\s*$', re.M)
STUDY = re.compile(r"<STUDY [^>]*?(?:/>|>.*?</STUDY>)", re.S)


def large_review(copies: int, target: Path) -> Path:
    text = SOURCE.read_text(encoding="utf-8")

    def data(match: re.Match[str]) -> str:
        line = match.group(0)
        extra = [
            line.replace(f'STUDY_ID="{match.group(1)}"', f'STUDY_ID="{match.group(1)}-c{c}"')
            for c in range(2, copies + 1)
        ]
        return "\n".join([line, *extra])

    def study(match: re.Match[str]) -> str:
        block = match.group(0)
        found = re.search(r'ID="([^"]+)" NAME="([^"]+)"', block)
        if found is None:
            return block
        ident, name = found.groups()
        extra = [
            block.replace(f'ID="{ident}" NAME="{name}"', f'ID="{ident}-c{c}" NAME="{name} c{c}"')
            for c in range(2, copies + 1)
        ]
        return "\n".join([block, *extra])

    text = STUDY.sub(study, DATA_LINE.sub(data, text))
    target.write_text(text, encoding="utf-8")
    return target


def network_catalog(folder: Path, env: dict[str, str]) -> Path:
    run_process([*TRIALCLI, "import", str(SOURCE), "--into", str(folder)], env, allowed=(0, 1))
    having = sorted(p for p in folder.glob("*.yaml") if f"code: {ENDPOINT}" in p.read_text())
    count, copy = len(having), 0
    while count < 40:
        path = having[copy % len(having)]
        new = f"{path.stem}-copy{copy // len(having) + 2}"
        text = path.read_text(encoding="utf-8").replace(f"id: {path.stem}\n", f"id: {new}\n", 1)
        (folder / f"{new}.yaml").write_text(text, encoding="utf-8")
        count, copy = count + 1, copy + 1
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=25)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    work = Path(tempfile.mkdtemp(prefix="trialcli-bench-review-"))
    env = environment(work / "cache")
    review = large_review(args.copies, work / "large.rm5")
    studies = review.read_text(encoding="utf-8").count("<STUDY ")
    folder = network_catalog(work / "network", env)
    import time

    time.sleep(2.5)  # let the files settle (see bench/README.md)
    floor = [PYTHON, str(BENCH / "floor.py"), str(BUNDLED)]
    network = ["network", "-e", ENDPOINT, "--better", "lower"]
    rows = [
        (
            f"review of {review.stat().st_size / 1e6:.1f} MB, {studies} studies",
            ["review", str(review)],
        ),
        ("network of 40 studies", ["--data-dir", str(folder), *network]),
        ("review, --no-cache (computed)", ["--no-cache", "review", str(review)]),
        ("network, --no-cache (computed)", ["--no-cache", "--data-dir", str(folder), *network]),
    ]
    print(f"Machine: {machine()}")
    print("| row | trialcli | floor | ratio wall | ratio CPU | goal | load |")
    print("|---|---|---|---|---|---|---|")
    for name, words in rows:
        command = [*TRIALCLI, *words]
        run_process(command, env, allowed=(0, 1))  # warm
        before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        ours, base = alternate(
            args.repeat,
            functools.partial(run_process, command, env, allowed=(0, 1)),
            lambda: run_process(floor, env),
        )
        wall = [statistics.median(r.seconds for r in side) for side in (ours, base)]
        cpu = [statistics.median(r.cpu_seconds for r in side) for side in (ours, base)]
        print(
            f"| {name} | {wall[0] * 1000:.0f} ms | {wall[1] * 1000:.0f} ms | "
            f"**{wall[0] / wall[1]:.2f}** | {cpu[0] / cpu[1]:.2f} | ≤ 2 | {before} |"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
