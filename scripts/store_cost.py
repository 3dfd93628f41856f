#!/usr/bin/env python3
"""What one batch worker spends per document, in CPU milliseconds (one process, warm): extraction,
`Result.as_dict`, `store.prepare` (the store's rows and compressed result), pickling the outcome
for the driver and unpickling it; and the bytes each document sends and stores.

    PYTHONPATH=CHECKOUT .venv/bin/python scripts/store_cost.py ARCHIVE [N]

ARCHIVE: a folder (scripts/make_archive.py ARCHIVE --no-bad --synthetic 100 --scans 0); the first
N files (default 100) in path order, zip files left out.  Run it with PYTHONPATH pointing at
another checkout (e.g. `git archive main | tar -x -C DIR`) to compare.
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import time
from pathlib import Path


def main() -> None:
    from pipeline import batch, store
    from pipeline.extract import extract_file

    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file() and p.suffix != ".zip")[:limit]
    batch.warm_up()
    extract_file(files[0])  # the first document pays for loading the models
    cpu = dict.fromkeys(("extract", "as_dict", "prepare", "pickle", "unpickle"), 0.0)
    size = dict.fromkeys(("stored result", "pickled outcome", "field JSON values", "signals", "evidence"), 0)

    def timed(stage, f, *args):
        c0 = time.process_time()
        out = f(*args)
        cpu[stage] += time.process_time() - c0
        return out

    for path in files:
        data = timed("as_dict", timed("extract", extract_file, path).as_dict)
        rec = timed("prepare", store.prepare, data)
        outcome = {"key": "", "display": str(path), "record": rec, "seconds": 0.0,
                   "model_versions": batch.model_versions(data["pages"]), "worker": 0}
        blob = timed("pickle", pickle.dumps, outcome, pickle.HIGHEST_PROTOCOL)
        timed("unpickle", pickle.loads, blob)
        # the result as the checkout stores it: result_z (compressed) or, before it, result_json
        size["stored result"] += len(getattr(rec, "result_z", None) or getattr(rec, "result_json", b""))
        size["pickled outcome"] += len(blob)
        size["field JSON values"] += sum(len(v.encode()) for f in rec.fields for v in f[4:7])
        for f in data["fields"].values():
            size["signals"] += len(json.dumps(f.get("signals", {}), ensure_ascii=False).encode())
            size["evidence"] += len(json.dumps(f.get("evidence", {}), ensure_ascii=False).encode())
    n = len(files)
    print(f"{n} documents, load average {os.getloadavg()[0]:.1f}; store.py of {Path(store.__file__).parent.parent}")
    print("CPU ms/doc: " + ", ".join(f"{k} {1000 * v / n:.1f}" for k, v in cpu.items())
          + f"; total {1000 * sum(cpu.values()) / n:.1f}")
    print("KB/doc: " + ", ".join(f"{k} {v / n / 1024:.0f}" for k, v in size.items()))


if __name__ == "__main__":
    main()
