"""Measure issue 13's targets (bulk import, list --search, export), each beside its baseline.

    python bench/catalog.py --zip ctg-studies-sample.zip --studies 10000 --corpus /tmp/corpus

- `import ZIP --into DIR` (empty DIR, cold cache) vs bench/bulk_baseline.py (json.loads +
  PyYAML's C dumper, one record after another), with the peak memory of the import;
- `list --search TEXT --phase 3` over the corpus, warm cache, vs bench/floor.py;
- `export --to sqlite` of the corpus vs `validate` of it, both with a cold cache.

Same method as bench/run.py (ABBA, medians, whole processes; see bench/README.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from run import BENCH, BUNDLED, PYTHON, Pair, Run, alternate, corpus, environment, machine, median
from run import run as run_process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, required=True, help="the bulk-download ZIP")
    parser.add_argument("--studies", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--corpus", type=Path, help="corpus folder, kept between runs")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each pair")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="trialcli-bench-catalog-"))
    trialcli = [PYTHON, "-c", "import sys; from trialcli.cli import app; sys.exit(app())"]
    counter = iter(range(1_000_000))
    pairs: list[Pair] = []
    print(f"Machine: {machine()}", file=sys.stderr)

    def fresh(name: str) -> Path:
        folder = work / f"{name}-{next(counter)}"
        folder.mkdir()
        return folder

    def cold_env() -> dict[str, str]:
        return environment(work / f"cold-cache-{next(counter)}")

    def bulk() -> Run:
        into = fresh("import")
        command = [*trialcli, "import", str(args.zip), "--into", str(into)]
        # Exit 1 when some records fail (21 of the sample do): that is its answer, not a crash.
        result = run_process(command, cold_env(), sample_memory=True, allowed=(0, 1))
        shutil.rmtree(into, ignore_errors=True)
        return result

    def baseline() -> Run:
        into = fresh("baseline")
        result = run_process(
            [PYTHON, str(BENCH / "bulk_baseline.py"), str(args.zip), str(into)], cold_env()
        )
        shutil.rmtree(into, ignore_errors=True)
        return result

    print(f"import {args.zip.name}", file=sys.stderr)
    ours, base = alternate(args.repeat, bulk, baseline)
    pairs.append(
        Pair(
            f"import {args.zip.name} --into DIR",
            "trialcli import ZIP --into DIR",
            "bench/bulk_baseline.py ZIP DIR",
            2.0,
            ours,
            base,
        )
    )
    memory = max(max(r.max_rss_mb, r.peak_pss_mb) for r in ours)

    folder = corpus(args.corpus or work / "corpus", args.studies)
    warm = environment(work / "warm-cache")
    search = [*trialcli, "--data-dir", str(folder), "list", "--search", "care ms", "--phase", "3"]
    run_process(search, warm)  # fills the cache
    print(f"list --search, {args.studies} studies, warm", file=sys.stderr)
    floor = [PYTHON, str(BENCH / "floor.py"), str(BUNDLED)]
    ours_list, base_list = alternate(
        args.repeat, lambda: run_process(search, warm), lambda: run_process(floor, warm)
    )
    pairs.append(
        Pair(
            f"list --search --phase, {args.studies} studies, warm",
            "trialcli --data-dir CORPUS list --search 'care ms' --phase 3",
            "bench/floor.py",
            3.0,
            ours_list,
            base_list,
        )
    )

    def export() -> Run:
        target = work / f"export-{next(counter)}.db"
        command = [*trialcli, "--data-dir", str(folder), "export", str(target)]
        result = run_process(command, cold_env(), sample_memory=True)
        target.unlink()
        return result

    def validate() -> Run:
        return run_process([*trialcli, "validate", str(folder)], cold_env())

    print(f"export --to sqlite, {args.studies} studies, cold", file=sys.stderr)
    ours_export, base_validate = alternate(args.repeat, export, validate)
    pairs.append(
        Pair(
            f"export --to sqlite, {args.studies} studies, cold",
            "trialcli --data-dir CORPUS export FILE.db",
            "trialcli validate CORPUS",
            1.5,
            ours_export,
            base_validate,
        )
    )

    print()
    print(f"Machine: {machine()}")
    print()
    print("| target | trialcli | baseline | median, trialcli | median, baseline | ratio | limit |")
    print("|---|---|---|---|---|---|---|")
    for pair in pairs:
        verdict = " ✔" if pair.ratio <= pair.limit else " ✘"
        print(
            f"| {pair.target} | `{pair.command}` | `{pair.baseline}` "
            f"| {median(pair.ours):.2f} s | {median(pair.base):.2f} s "
            f"| {pair.ratio:.2f}{verdict} | ≤ {pair.limit:g} |"
        )
    print()
    print(
        f"Peak memory of the imports: {memory:.0f} MB (largest of ru_maxrss and the tree's PSS);"
        " limit 300 MB" + (" ✔" if memory <= 300 else " ✘")
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
