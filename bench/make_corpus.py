"""Write N valid synthetic studies into DIR, for benchmarks over many files.

    python bench/make_corpus.py 10000 /tmp/corpus

Each study is a bundled study varied: its own id (the file is named after it), acronym
and title, another population description, counts of people scaled by a whole factor
(so sums and "n of N" stay consistent), other source years and other stated verdicts.
Files are as large as the bundled ones (20-35 KB). The corpus is synthetic: never use it
as data. It is not committed; write it to a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "data").glob("*.yaml"))

WORDS = ("alder", "aspen", "birch", "cedar", "elm", "hazel", "holly", "larch", "linden")
WORDS += ("maple", "rowan", "spruce", "willow", "amber", "coral", "ivory", "jade", "opal")
POPULATIONS = (
    "RRMS, previously untreated",
    "RRMS, relapsed on prior therapy",
    "Early, active RRMS",
    "Highly active RRMS despite treatment",
    "RRMS, aged 18 to 55, EDSS 0 to 5",
    "Relapsing MS, treatment-naive, onset within 5 years",
)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Keys whose whole-number values count people.
PEOPLE = {"value", "n", "N", "affected", "at_risk", "deaths", "randomized", "analysed"}


def scaled(data: Any, factor: int, key: str | None = None) -> Any:
    """`data` with every count of people multiplied by `factor`."""
    if isinstance(data, dict):
        return {k: scaled(v, factor, k) for k, v in data.items()}
    if isinstance(data, list):
        return [scaled(v, factor, key) for v in data]
    if key in PEOPLE and isinstance(data, int) and not isinstance(data, bool):
        return data * factor
    return data


def shifted_year(date: Any, years: int) -> Any:
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return f"{int(date[:4]) + years:04d}{date[4:]}"
    if isinstance(date, dt.date):
        return date.replace(year=date.year + years, day=min(date.day, 28))
    return date


def variant(base: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    study = scaled(base, rng.randint(1, 3))
    word = rng.choice(WORDS)
    study["id"] = f"{word}-{number:05d}"
    study["acronym"] = f"{word.upper()}-{number}"
    study["title"] = f"Synthetic variant {number} ({word}) of: {base['title']}"
    study["population"]["description"] = rng.choice(POPULATIONS)
    years = rng.randint(-6, 6)
    for source in study["sources"]:
        if "date" in source:
            source["date"] = shifted_year(source["date"], years)
    for endpoint in study.get("endpoints", []):
        for comparison in endpoint.get("comparisons", []):
            if "met" in comparison:
                comparison["met"] = rng.random() < 0.7
    return study


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="how many studies")
    parser.add_argument("folder", type=Path, help="where to write them (created if needed)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    bases = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in BUNDLED]
    args.folder.mkdir(parents=True, exist_ok=True)
    for number in range(args.count):
        study = variant(bases[number % len(bases)], number, rng)
        text = yaml.dump(study, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=100)
        (args.folder / f"{study['id']}.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {args.count} studies to {args.folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
