"""A synthetic bulk-download ZIP of N records: the sample's records repeated under new ids.

    python bench/make_bulk_zip.py ctg-studies-sample.zip 100000 /tmp/ctg-100k.zip

Record k is the sample's record k mod 1,023 with every occurrence of its NCT id replaced by
NCT9xxxxxxx (k in the last seven digits), named after it, DEFLATE level 1. Write it under
/tmp and never commit it: at the sample's average of 77 KB a record, 100,000 records are
about 7.7 GB of JSON.
"""

from __future__ import annotations

import json
import sys
import zipfile


def main(source: str, count: str, target: str) -> int:
    with zipfile.ZipFile(source) as archive:
        records = [archive.read(m) for m in archive.infolist() if m.filename.endswith(".json")]
    ids = [
        json.loads(body)["protocolSection"]["identificationModule"]["nctId"].encode()
        for body in records
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for k in range(int(count)):
            body, old = records[k % len(records)], ids[k % len(records)]
            new = f"NCT9{k:07d}"
            body = body.replace(old, new.encode())
            out.writestr(f"{new}.json", body)
    print(f"wrote {count} records to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
