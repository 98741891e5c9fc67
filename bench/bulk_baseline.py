"""The least work an import can do: each ZIP member read with json.loads and written with
PyYAML's C dumper, one after another. The baseline of `import ZIP --into DIR`.

    python bench/bulk_baseline.py ctg-studies.zip OUTDIR
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import yaml


def main(source: str, into: str) -> int:
    folder = Path(into)
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            record = json.loads(archive.read(member))
            text = yaml.dump(record, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
            (folder / (Path(member.filename).stem + ".yaml")).write_text(text, encoding="utf-8")
    print(f"wrote {len(archive.infolist())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
