"""The Ray executor (extra `ray`) on a local Ray instance stores what the local process pool
stores: same documents, fields, checks and paths, zip members included."""
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.batch import run_batch

pytest.importorskip("ray")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import make_archive  # noqa: E402


def stored(db: Path) -> dict:
    conn = sqlite3.connect(db)
    out = {
        "documents": sorted(conn.execute("SELECT sha256, status, template, hybrid, year, agency, error, pages_json, "
                                         "model_versions_json, result_z FROM documents")),
        "fields": sorted(conn.execute("SELECT * FROM fields")),
        "checks": sorted(conn.execute("SELECT * FROM checks")),
        "sources": sorted(conn.execute("SELECT path, sha256, size FROM sources")),
    }
    conn.close()
    return out


def test_ray_executor_stores_what_the_local_executor_stores(tmp_path):
    folder = tmp_path / "archive"
    synthetic = make_archive.make_synthetic(tmp_path / "synthetic", 2, seed=3)
    folder.mkdir()
    (folder / "xixia.txt").write_bytes((REPO / "samples/xixia_2020_text.txt").read_bytes())
    (folder / synthetic[0].name).write_bytes(synthetic[0].read_bytes())
    with zipfile.ZipFile(folder / "bundle.zip", "w") as zf:  # a member travels to the actor as bytes
        zf.write(synthetic[1], f"inner/{synthetic[1].name}")
        zf.write(folder / "xixia.txt", "inner/copy.txt")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\0" * 200)

    local = run_batch([folder], tmp_path / "local.sqlite", workers=1)
    on_ray = run_batch([folder], tmp_path / "ray.sqlite", executor="ray", workers=2)

    assert on_ray.executor == "ray" and on_ray.workers == 2
    assert on_ray.statuses == local.statuses and sum(local.statuses.values()) == 4
    assert stored(tmp_path / "ray.sqlite") == stored(tmp_path / "local.sqlite")
