"""Extraction from several threads and processes at once gives what a serial run gives.

Each run starts in a fresh interpreter with an empty cache directory, so the first documents
of every thread and process meet the cold start together: jieba building its global
dictionary and user dictionary, the classifier loading, the OCR engine building its
recognition thread pool.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THREADS = 4
PROCESSES = 2


def ruled_table_image(path: Path) -> None:
    """A small ruled table of printed digits: OCR detection plus several cell re-reads."""
    import cv2
    import numpy as np

    img = np.full((330, 760), 255, np.uint8)
    xs, ys = [20, 260, 420, 580, 740], [20, 95, 170, 245, 320]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    numbers = [["2019", "12", "7", "19"], ["2020", "305", "41", "346"], ["2021", "88", "0", "88"],
               ["2022", "1024", "16", "1040"]]
    for r, row in enumerate(numbers):
        for c, text in enumerate(row):
            cv2.putText(img, text, (xs[c] + 18, ys[r] + 52), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
    cv2.imwrite(str(path), img)


def read_all(paths: list[str]) -> dict:
    """What a document comes out as: the JSON contract and, for OCR pages, every box read."""
    from pipeline.extract import extract_document, load_document

    doc = load_document(Path(paths[0]))
    result = extract_document(doc).as_dict()
    boxes = [[(b.text, b.score) for b in line.boxes] for page in doc.pages if page.path == "ocr"
             for line in page.lines]
    return {"result": result, "ocr_boxes": boxes}


def run(mode: str, paths: list[str]) -> list:
    """In this (fresh) process: every path once serially, or every path twice from THREADS
    threads released together."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    if mode == "serial":
        return [read_all([p]) for p in paths]
    jobs = paths * 2
    barrier = threading.Barrier(THREADS)

    def job(p):
        try:
            barrier.wait(timeout=30)  # the first documents start at the same instant
        except threading.BrokenBarrierError:
            pass
        return read_all([p])

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(job, jobs))
    return results


def fresh(mode: str, paths: list[str], cache: Path) -> subprocess.Popen:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "GOVREPORT_OCR_THREADS": "2"}
    code = f"import json, sys; from tests.test_parallel import run; print(json.dumps(run({mode!r}, {paths!r})))"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def collect(proc: subprocess.Popen) -> list:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    pytest.importorskip("cv2")
    from pipeline.ocr import OcrUnavailable, get_engine

    try:
        get_engine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))
    from pipeline import synth

    folder = tmp_path_factory.mktemp("inputs")
    ruled_table_image(folder / "table.png")
    text = REPO / "samples" / "xixia_2020_text.txt"
    # the sample's own table as a Word-exported HTML page: a second reader and layout
    from pipeline.extract import extract_file

    r = extract_file(text)
    gold = {"template": r.template, "hybrid": r.hybrid, "agency": r.agency, "year": r.year,
            "fields": {k: v.value for k, v in r.fields.items()}}
    page = synth.variants(gold, 1, ["word_html"])[0]
    (folder / "word.html").write_text(page.text, encoding="utf-8")
    return [str(text), str(folder / "word.html"), str(folder / "table.png")]


def test_threads_and_processes_give_the_serial_results(inputs, tmp_path, monkeypatch):
    # one fresh process with threads, and fresh processes sharing one cold cache directory, all at once
    shared_cache = tmp_path / "cache_shared"
    procs = [fresh("threads", inputs, tmp_path / "cache_threads")]
    procs += [fresh("serial", inputs, shared_cache) for _ in range(PROCESSES)]
    monkeypatch.setenv("GOVREPORT_OCR_THREADS", "2")
    serial = json.loads(json.dumps(run("serial", inputs)))  # meanwhile, here, one after another
    threaded, *separate = [collect(p) for p in procs]

    assert serial[0]["result"]["template"] and serial[1]["result"]["template"]
    assert any("1024" in text for line in serial[2]["ocr_boxes"] for text, _ in line)
    assert threaded == serial + serial
    for results in separate:
        assert results == serial


SLOW_FIRST_LOAD = """
import sys, threading, time
import jieba
calls = []
real = jieba.load_userdict
def slow(path):  # widen the window in which other threads could see a half-loaded dictionary
    calls.append(threading.get_ident())
    time.sleep(0.5)
    real(path)
jieba.load_userdict = slow
from pipeline.nlp import get_nlp, words
barrier = threading.Barrier(4)
seen = []
def first_use():
    barrier.wait()
    seen.append((id(get_nlp()), words("属于三类内部事务信息")))
threads = [threading.Thread(target=first_use) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(calls), len(set(seen)))
"""


def test_tokenizer_first_use_from_many_threads_loads_the_dictionary_once(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", SLOW_FIRST_LOAD], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loads, distinct = map(int, proc.stdout.split())
    assert (loads, distinct) == (1, 1)  # one pipeline, one dictionary load, the same words everywhere


def test_ocr_engine_first_reads_from_many_threads_build_one_pool(monkeypatch):
    import concurrent.futures
    import threading
    import time

    import numpy as np

    from pipeline.ocr.engines import OcrUnavailable, RapidOcrEngine

    built = []
    real = concurrent.futures.ThreadPoolExecutor

    class SlowToBuild(real):
        def __init__(self, *a, **kw):
            built.append(self)
            time.sleep(0.3)  # widen the window in which a second thread could build another
            super().__init__(*a, **kw)

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", SlowToBuild)
    try:
        engine = RapidOcrEngine(threads=2)  # a fresh engine: its pool is not built yet
    except OcrUnavailable as exc:
        pytest.skip(str(exc))
    crop = np.full((48, 120, 3), 255, np.uint8)
    barrier = threading.Barrier(4)

    def first_read():
        barrier.wait()
        engine.recognize_crops([crop, crop])

    threads = [threading.Thread(target=first_read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and engine._pool is built[0]
    for pool in built:
        pool.shutdown()
