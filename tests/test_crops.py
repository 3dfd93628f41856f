"""`extract --crops`: the review queue's cells as images, linked from the JSON evidence."""
import json

from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import app

from .conftest import SHARED, needs_shared


@needs_shared
def test_review_queue_cells_are_cropped_and_linked(tmp_path):
    source = SHARED / "reports/pdf/hongze_district_2023.pdf"
    result = CliRunner().invoke(app, ["extract", str(source), "--out", str(tmp_path / "out"),
                                      "--crops", str(tmp_path / "crops"), "-q"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out/hongze_district_2023.json").read_text(encoding="utf-8"))
    flagged = {f: v for f, v in doc["fields"].items() if v["status"] != "ok"}
    assert flagged and all("crop" in v["evidence"] for v in flagged.values())
    assert all("crop" not in v["evidence"] for f, v in doc["fields"].items() if f not in flagged)
    crop = Image.open(flagged["appeals.review.upheld"]["evidence"]["crop"])
    # a single table cell at 200 dpi: wider than tall, far smaller than the page
    assert 40 < crop.width < 300 and 30 < crop.height < 150
