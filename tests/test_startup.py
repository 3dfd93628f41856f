"""Start-up cost: what the light commands import, and the garbage-collector pause while models load."""
import gc
import subprocess
import sys
import threading

from pipeline.loading import no_gc

HEAVY = ("sklearn", "scipy", "spacy", "jieba", "skops", "pandas", "pyarrow", "cv2", "onnxruntime")


def _imported_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {m.split(".")[0] for m in out} & set(HEAVY)


def test_the_batch_driver_and_the_help_import_no_model_library():
    # the driver only names the models (paths, formats, hashes): loading is the workers' job, and
    # an import here would delay the fork server that loads them
    assert _imported_after("import pipeline.batch, pipeline.executors, pipeline.batch_console; "
                           "pipeline.batch.model_versions()") == set()
    assert _imported_after("import pipeline.cli") == set()


def test_no_gc_restores_the_collector_after_nested_and_concurrent_uses():
    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other():
        with no_gc():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    with no_gc():
        t.start()
        inside.wait(5)
        with no_gc():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still loading
    leave.set()
    t.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
