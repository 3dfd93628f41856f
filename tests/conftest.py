import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# The suite is a gate: the same examples every run, so a run fails for the change it tests and
# not for the draw.  HYPOTHESIS_PROFILE=explore draws new examples (add what it finds as @example).
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def read_against_truth(path: Path):
    """A fixture input extracted beside its truth (`path` with `.json`): the fields read, the
    truth's fields, and the ids of those read wrong."""
    from pipeline.extract import extract_file

    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    fields = extract_file(path).fields
    return fields, truth, [f for f, v in truth.items() if v is not None and fields[f].value != v]


def gold_files() -> list[Path]:
    """Hand-verified gold: the shared set and the real documents from the wild."""
    return sorted([*(SHARED / "gold").glob("*/*.json"), *(SHARED / "wild/gold").glob("*.json")])


def gold_for(path: Path) -> dict | None:
    """Gold file for an input: seeds by stem, report dumps by the report name inside the stem."""
    for gold in gold_files():
        if gold.stem == path.stem or gold.stem in path.stem:
            return json.loads(gold.read_text(encoding="utf-8"))
    return None


def gold_inputs() -> list[Path]:
    if not SHARED.exists():
        return []
    return sorted([*(SHARED / "seeds").glob("*.txt"), *(SHARED / "reports/text").glob("*.txt"),
                   *(SHARED / "reports/pdf").glob("*.pdf"), *(SHARED / "wild").glob("*.txt")])


needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared not checked out beside the repo")
