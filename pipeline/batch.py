"""Archive processing: walk folders and zip files, identify documents by sha256, extract each
new one on a pool of workers, and store every result in the archive store in its own
transaction.

    discover(paths)  -> Found per file (zip members as `archive.zip!inner/path`), hashed
    plan(...)        -> which documents still need extracting; duplicates grouped by sha256
    process(task)    -> the worker side: one document's JSON contract, time, model versions
    run_batch(...)   -> the whole batch; resumable, since stored documents are skipped

Only the driver process writes the store, so a batch killed at any instant leaves every
document either wholly stored or absent; rerunning the same command resumes.
"""
from __future__ import annotations

import errno
import gc
import hashlib
import io
import json
import os
import stat
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import store
from .store import Source

# the extensions reports are saved under; a file under any other name is read when its content is
# a document form (`readers.detect.sniff`): crawlers save pages as .shtml, .jsp, .aspx or no extension
SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml", ".js", ".json",
             ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
SNIFF_BYTES = 64 << 10
ARCHIVES = (".zip",)
# operating-system litter, never documents
IGNORED_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a file or zip member may cost before it is refused (decompression bombs)."""

    max_file_bytes: int = 1 << 30  # a scanned report of several hundred pages stays far below
    max_ratio: float = 100.0  # uncompressed / compressed, for members larger than ratio_min_bytes
    ratio_min_bytes: int = 16 << 20
    max_members: int = 100_000
    max_archive_bytes: int = 32 << 30  # sum of the declared member sizes of one zip
    max_depth: int = 3  # zip inside zip inside zip


class ArchiveError(Exception):
    """A zip (member) that is refused: corrupt, encrypted, too large, too deeply nested."""


@dataclass
class Found:
    """One path met while walking: a file or a zip member, hashed, or the reason it cannot be."""

    display: str  # absolute path; zip members as `/abs/archive.zip!inner/path`
    path: str  # the file on disk (the outermost zip for members)
    members: tuple[str, ...] = ()  # zip member names, outermost first
    size: int | None = None
    mtime: float | None = None
    sha256: str | None = None
    error: str | None = None  # recorded as a failed document without extraction

    @property
    def key(self) -> str:
        return self.sha256 or store.path_key(self.display)

    @property
    def source(self) -> Source:
        return Source(self.display, self.size, self.mtime)


@dataclass
class Task:
    """One document for a worker.  `data` is shipped along when the worker may not share the
    file system (Ray); local workers read `path` (and members) themselves."""

    key: str
    display: str
    path: str
    members: tuple[str, ...] = ()
    size: int = 0
    data: bytes | None = None
    sources: list[Source] = field(default_factory=list)


# --- discovery -------------------------------------------------------------------------------

def _ignored(name: str) -> bool:
    return name.startswith(".") or name in IGNORED_NAMES


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


def unsupported_error(name: str, form: str | None = None) -> str:
    suffix = _suffix(name) or "(no extension)"
    return (f"unsupported file type {suffix}{f' ({form})' if form else ''}: govreport reads reports saved as "
            f"{' '.join(SUPPORTED)}, the same forms under other names, and {' '.join(ARCHIVES)} archives")


def admission_error(name: str, head: bytes) -> str | None:
    """None when the file may hold a report: a report's extension, or content in a document form
    (plain text only without an extension: a .csv or .log is no report)."""
    suffix = _suffix(name)
    if suffix in SUPPORTED:
        return None
    from .readers import ReaderError
    from .readers.detect import sniff

    if len(head) == SNIFF_BYTES and b"\n" in head:
        head = head[:head.rfind(b"\n") + 1]  # never a multi-byte character cut in two
    try:
        found = sniff(head, suffix)
    except ReaderError:
        return unsupported_error(name, "binary data")
    if found.kind == "unsupported" or (found.kind in ("text", "markdown") and suffix):
        return unsupported_error(name, found.form)
    return None


def _hash_stream(fh, limit: int) -> tuple[str, bytes]:
    """The sha256 of a stream and its first SNIFF_BYTES."""
    digest, total, head = hashlib.sha256(), 0, b""
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return digest.hexdigest(), head
        if not head:
            head = chunk[:SNIFF_BYTES]
        total += len(chunk)
        if total > limit:
            raise ArchiveError(f"larger than {limit >> 20} MiB")
        digest.update(chunk)


def _os_error(display: str, exc: OSError, path: str) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: the link resolves to itself"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"broken symbolic link (target {os.readlink(path)!r} does not exist)"
    return f"cannot read: {exc.strerror or exc}"


def discover(paths: Iterable[str | Path], limits: Limits = Limits()) -> Iterator[Found]:
    """Every file under `paths` (folders walked, symlinks followed once, zips opened), in a
    stable order."""
    for root in paths:
        root = os.path.abspath(os.fspath(root))
        if os.path.isdir(root):
            yield from _walk(root, limits)
        else:
            yield from _file(root, limits)


def _walk(root: str, limits: Limits) -> Iterator[Found]:
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen:  # a symlink back up the tree: walked already
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d))
        for name in sorted(filenames):
            if not _ignored(name):
                yield from _file(os.path.join(dirpath, name), limits)


def _file(path: str, limits: Limits) -> Iterator[Found]:
    try:
        st = os.stat(path)
    except OSError as exc:
        yield Found(path, path, error=_os_error(path, exc, path))
        return
    if not stat.S_ISREG(st.st_mode):
        yield Found(path, path, error="not a regular file (a device, pipe or socket)")
        return
    found = Found(path, path, size=st.st_size, mtime=st.st_mtime)
    if st.st_size > limits.max_file_bytes:
        found.error = f"file too large: {st.st_size >> 20} MiB (limit {limits.max_file_bytes >> 20} MiB)"
        yield found
        return
    try:
        with open(path, "rb") as fh:
            found.sha256, head = _hash_stream(fh, limits.max_file_bytes)
    except OSError as exc:
        found.error = _os_error(path, exc, path)
        yield found
        return
    suffix = _suffix(path)
    if suffix in ARCHIVES:
        try:
            with open(path, "rb") as fh:
                yield from _zip(found, fh, (), limits)
        except OSError as exc:
            found.error = _os_error(path, exc, path)
            yield found
        return
    found.error = admission_error(path, head)
    yield found


def _zip_refusal(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted zip member: cannot read without the password"
    if info.file_size > limits.max_file_bytes:
        return (f"zip bomb: member declares {info.file_size >> 20} MiB uncompressed "
                f"(limit {limits.max_file_bytes >> 20} MiB); not extracted")
    if info.file_size > limits.ratio_min_bytes:
        ratio = info.file_size / max(1, info.compress_size)
        if ratio > limits.max_ratio:
            return (f"zip bomb: member expands {info.compress_size:,} bytes to {info.file_size:,} "
                    f"(ratio {ratio:,.0f}:1, limit {limits.max_ratio:g}:1); not extracted")
    return None


def _zip(container: Found, fh, chain: tuple[str, ...], limits: Limits) -> Iterator[Found]:
    """The members of a zip; a zip that cannot be opened at all is itself a failed document."""
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError) as exc:
        container.error = f"corrupt zip archive ({type(exc).__name__}: {exc})"
        yield container
        return
    declared = sum(i.file_size for i in infos)
    if len(infos) > limits.max_members or declared > limits.max_archive_bytes:
        container.error = (f"zip bomb: {len(infos):,} members declaring {declared >> 20:,} MiB in total "
                           f"(limits {limits.max_members:,} members, {limits.max_archive_bytes >> 20:,} MiB); "
                           "not extracted")
        yield container
        return
    with zf:
        for info in sorted(infos, key=lambda i: i.filename):
            parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
            if info.is_dir() or not parts or any(_ignored(p) for p in parts):
                continue
            members = chain + (info.filename,)
            found = Found(f"{container.display}!{info.filename}", container.path, members, size=info.file_size,
                          mtime=time.mktime(info.date_time + (0, 0, -1)) if info.date_time[0] >= 1980 else None)
            found.error = _zip_refusal(info, limits)
            suffix = _suffix(info.filename)
            if found.error is None and suffix in ARCHIVES and len(members) >= limits.max_depth:
                found.error = f"zip nested deeper than {limits.max_depth} levels; not extracted"
            if found.error is not None:
                yield found
                continue
            try:
                with zf.open(info) as member:
                    if suffix in ARCHIVES:
                        data = _read_limited(member, limits.max_file_bytes)
                        found.sha256 = hashlib.sha256(data).hexdigest()
                        yield from _zip(found, io.BytesIO(data), members, limits)
                        continue
                    found.sha256, head = _hash_stream(member, limits.max_file_bytes)
            except ArchiveError as exc:
                found.error = f"zip bomb: member {exc} when decompressed; not extracted"
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                found.error = f"corrupt zip member ({type(exc).__name__}: {exc})"
            if found.error is None:
                found.error = admission_error(info.filename, head)
            yield found


def _read_limited(fh, limit: int) -> bytes:
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"larger than {limit >> 20} MiB")
    return data


def read_member(path: str, members: tuple[str, ...], limits: Limits = Limits()) -> bytes:
    """The bytes of a (nested) zip member, under the same limits as discovery."""
    if not members:
        raise ValueError("not a zip member")
    with open(path, "rb") as fh:
        container = fh
        for name in members:
            with zipfile.ZipFile(container) as zf:
                info = zf.getinfo(name)
                refusal = _zip_refusal(info, limits)
                if refusal:
                    raise ArchiveError(refusal)
                with zf.open(info) as member:
                    data = _read_limited(member, limits.max_file_bytes)
            container = io.BytesIO(data)
    return data


# --- model versions ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _static_versions() -> dict[str, str]:
    from importlib import resources

    from . import __version__
    from .classify.model import DEFAULT_PATH, FORMAT
    from .classify.value_prior import DEFAULT_PATH as VALUE_PRIOR, FORMAT as VALUE_PRIOR_FORMAT
    from .trust import DEFAULT_PATH as CALIBRATOR, FORMAT as CALIBRATOR_FORMAT

    schema = hashlib.sha256()
    for name in ("template_2019.yaml", "template_2021.yaml"):
        schema.update(resources.files("pipeline.schema").joinpath(name).read_bytes())
    if DEFAULT_PATH.is_file():
        digest = hashlib.sha256(DEFAULT_PATH.read_bytes()).hexdigest()[:12]
        classifier = f"{DEFAULT_PATH.name} sha256:{digest} format {FORMAT}"
    else:
        classifier = "keyword baseline (no trained model)"
    out = {"govreport": __version__, "schema": schema.hexdigest()[:12], "label_classifier": classifier}
    if CALIBRATOR.is_file():  # a refitted calibrator (train --calibrator --from-db) changes confidences
        digest = hashlib.sha256(CALIBRATOR.read_bytes()).hexdigest()[:12]
        out["confidence_calibrator"] = f"{CALIBRATOR.name} sha256:{digest} format {CALIBRATOR_FORMAT}"
    if VALUE_PRIOR.is_file():  # a value prior (train --from-db) changes which open reading is shown
        digest = hashlib.sha256(VALUE_PRIOR.read_bytes()).hexdigest()[:12]
        out["value_prior"] = f"{VALUE_PRIOR.name} sha256:{digest} format {VALUE_PRIOR_FORMAT}"
    return out


@lru_cache(maxsize=1)
def _ocr_version() -> str:
    """Engine package version and model file names, read without loading the engine."""
    import importlib.util
    from importlib.metadata import PackageNotFoundError, version

    name = (os.environ.get("GOVREPORT_OCR_ENGINE") or "rapidocr").lower()
    if name != "rapidocr":
        return name
    try:
        spec = importlib.util.find_spec("rapidocr")
        models = Path(spec.origin).parent / "models" if spec and spec.origin else None
        files = sorted(p.name for p in models.glob("*.onnx")) if models else []
        return f"rapidocr {version('rapidocr')}; " + ", ".join(f for f in files if "det" in f or "rec" in f)
    except (PackageNotFoundError, ValueError):
        return "rapidocr (not installed)"


def model_versions(pages: list[dict] | None = None) -> dict[str, str]:
    """What read a document: code, schema and classifier always; the OCR engine when a page
    went through OCR (pages=None: everything this installation would use)."""
    out = dict(_static_versions())
    if pages is None or any(p.get("path") == "ocr" for p in pages):
        out["ocr"] = _ocr_version()
    return out


def outdated(stored: dict, current: dict) -> bool:
    """A document read by other models than this installation has (keys it was read with)."""
    return any(current.get(k) != v for k, v in stored.items() if k in current)


# --- the worker side ---------------------------------------------------------------------------

_warm = False


def warm_up() -> None:
    """Load what every document needs once per worker process: tokenizer, classifier,
    confidence calibrator, schema (locally: in the fork server, before any worker is forked)."""
    global _warm
    if _warm:
        return
    from .extract import _headings, _vocabulary, calibrator, default_spotter
    from .nlp import get_nlp

    get_nlp()
    default_spotter()
    calibrator()
    _headings()
    _vocabulary()
    _static_versions()
    # Frozen before the workers are forked: their collections then never walk (nor write to,
    # copying the shared pages) these objects.
    gc.collect()
    gc.freeze()
    _warm = True


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in base)[-120:] or "member"


def process(task: Task, limits: Limits = Limits()) -> dict:
    """Extract one document; never raises.  Returns the outcome the driver stores, its rows
    already encoded (`store.prepare`): the driver, one process for all workers, only writes."""
    from .extract import extract_file
    from .model import Result

    start = time.perf_counter()
    try:
        if task.data is None and not task.members:
            result = extract_file(task.path)
        else:
            data = task.data if task.data is not None else read_member(task.path, task.members, limits)
            with tempfile.TemporaryDirectory(prefix="govreport-") as tmp:
                path = Path(tmp) / _safe_name(task.members[-1] if task.members else task.path)
                path.write_bytes(data)
                result = extract_file(path)
            result.sha256 = hashlib.sha256(data).hexdigest()
    except (OSError, ArchiveError, zipfile.BadZipFile, KeyError) as exc:
        result = Result(task.display, task.key, errors=[f"cannot read: {exc}"])
    except Exception as exc:  # a bug costs one document, never the batch
        result = Result(task.display, task.key, errors=[f"internal error ({type(exc).__name__}: {exc})"])
    result.source = task.display
    data = result.as_dict()
    return {"key": task.key, "display": task.display, "record": store.prepare(data),
            "seconds": time.perf_counter() - start, "model_versions": model_versions(data["pages"]),
            "worker": os.getpid()}


def failed_outcome(task: Task, error: str, seconds: float = 0.0) -> dict:
    """The outcome of a document whose worker died or timed out."""
    return {"key": task.key, "display": task.display, "seconds": seconds, "model_versions": {},
            "record": store.prepare({"source": task.display, "sha256": task.key, "template": None, "hybrid": False,
                                     "agency": None, "year": None, "fields": {}, "checks": [], "errors": [error],
                                     "pages": []})}


# --- planning --------------------------------------------------------------------------------

@dataclass
class Plan:
    tasks: list[Task]
    failed: list[list[Found]]  # refused while walking (unreadable, unsupported, zip bombs...), by key
    known: dict[str, list[Source]]  # already stored documents found (again) under these paths
    paths: int = 0
    duplicates: int = 0  # paths beyond the first of a document


def plan(found: Iterable[Found], stored: dict[str, tuple[str, dict]], retry_failed: bool = False,
         reextract: bool = False, current_versions: dict | None = None) -> Plan:
    """Group found paths by sha256; a document is extracted once, unless already stored (done,
    needs review, or failed without --retry-failed; --reextract: read by other models)."""
    groups: dict[str, list[Found]] = {}
    failed: list[Found] = []
    paths, keys = 0, set()
    for f in found:
        paths += 1
        keys.add(f.key)
        if f.error is not None:
            failed.append(f)
        else:
            groups.setdefault(f.sha256, []).append(f)
    tasks, known = [], {}
    for sha, members in groups.items():
        sources = [m.source for m in members]
        if sha in stored:
            status, versions = stored[sha]
            redo = (status == "failed" and retry_failed) or \
                (reextract and status != "failed" and outdated(versions, current_versions or model_versions()))
            if not redo:
                known[sha] = sources
                continue
        first = min(members, key=lambda m: (len(m.members), m.display))  # a plain file reads fastest
        tasks.append(Task(sha, first.display, first.path, first.members, first.size or 0, sources=sources))
    # biggest first: a large scan started last would leave the other workers idle at the end
    tasks.sort(key=lambda t: (-t.size, t.display))
    failed_groups: dict[str, list[Found]] = {}
    for f in failed:
        # a refused file whose content is stored already (a path that only failed before) stays
        # as stored; a path-keyed failure (nothing readable) is always tried again
        if f.sha256 and f.sha256 in stored and not (retry_failed and stored[f.sha256][0] == "failed"):
            known.setdefault(f.sha256, []).append(f.source)
            continue
        failed_groups.setdefault(f.key, []).append(f)
    return Plan(tasks, list(failed_groups.values()), known, paths, paths - len(keys))


# --- the driver ----------------------------------------------------------------------------------

@dataclass
class BatchSummary:
    paths: int = 0
    documents: int = 0  # distinct documents found
    skipped: int = 0  # already stored
    duplicates: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: {s: 0 for s in store.STATUSES})
    kept: int = 0  # failed re-extractions that left a stored document as it was
    pages: int = 0
    extract_seconds: float = 0.0
    wall_seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    queue: int = 0
    workers: int = 0
    executor: str = ""
    interrupted: bool = False

    @property
    def extracted(self) -> int:
        return sum(self.statuses.values())

    def as_dict(self) -> dict:
        return {"paths": self.paths, "documents": self.documents, "skipped": self.skipped,
                "duplicates": self.duplicates, "statuses": self.statuses, "kept": self.kept,
                "pages": self.pages, "extract_seconds": round(self.extract_seconds, 3),
                "wall_seconds": round(self.wall_seconds, 3), "failures": len(self.failures),
                "review_queue": self.queue, "workers": self.workers, "executor": self.executor,
                "interrupted": self.interrupted}


class Reporter:
    """Progress callbacks; the CLI's Rich reporter fills these in."""

    def discovering(self, found: Found) -> None: ...
    def planned(self, plan: Plan) -> None: ...
    def stored(self, display: str, pages: int, status: str, what: str) -> None: ...
    def close(self) -> None: ...


def _store_failed(conn, group: list[Found], run_id: int, versions: dict) -> str:
    first = group[0]
    result = {"source": first.display, "sha256": first.sha256 or "", "template": None, "hybrid": False,
              "agency": None, "year": None, "fields": {}, "checks": [], "errors": [first.error], "pages": []}
    return store.upsert_result(conn, result, [f.source for f in group], seconds=0.0, model_versions=versions,
                               run_id=run_id, key=first.key)


def make_executor(kind: str, workers: int | None, ray_address: str | None = None, **kw):
    from .executors import LocalExecutor, RayExecutor

    if kind == "local":
        return LocalExecutor(workers, **kw)
    if kind == "ray":
        return RayExecutor(workers, address=ray_address, **kw)
    raise ValueError(f"unknown executor {kind!r}: local or ray")


def run_batch(paths: list[str | Path], db: str | Path, workers: int | None = None, executor: str = "local",
              ray_address: str | None = None, retry_failed: bool = False, reextract: bool = False,
              timeout: float | None = None, limits: Limits = Limits(), reporter: Reporter | None = None,
              argv: list[str] | None = None) -> BatchSummary:
    """Extract every document under `paths` not yet in the store `db`."""
    reporter = reporter or Reporter()
    t0 = time.perf_counter()
    pool = None
    if executor == "local":
        # first of all: the workers' models load (seconds, on another core) while this process
        # opens the store and walks the archive; Ray starts only if needed
        pool = make_executor(executor, workers, ray_address, timeout=timeout, limits=limits)
        pool.prepare()
    summary = BatchSummary(executor=executor)
    try:
        conn = store.open_store(db)
        versions = model_versions()
        run_id = store.start_run(conn, argv if argv is not None else sys.argv, versions)
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    try:
        found = []
        for f in discover(paths, limits):
            reporter.discovering(f)
            found.append(f)
        the_plan = plan(found, store.stored_keys(conn), retry_failed, reextract, versions)
        summary.paths, summary.duplicates = the_plan.paths, the_plan.duplicates
        summary.skipped = len(the_plan.known)
        summary.documents = len(the_plan.tasks) + len(the_plan.failed) + len(the_plan.known)
        reporter.planned(the_plan)
        for sha, sources in the_plan.known.items():  # duplicates found again: paths only
            store.add_sources(conn, sha, sources)
        for group in the_plan.failed:
            f = group[0]
            what = _store_failed(conn, group, run_id, versions)
            _count(summary, "failed", what, f.display, f.error)
            reporter.stored(f.display, 0, "failed", what)
        if the_plan.tasks:
            sources = {t.key: t.sources for t in the_plan.tasks}
            pool = pool or make_executor(executor, workers, ray_address, timeout=timeout, limits=limits)
            summary.workers = pool.workers
            for outcome in pool.run(the_plan.tasks):
                _store_outcome(conn, outcome, sources[outcome["key"]], run_id, summary, reporter)
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        if pool is not None:
            pool.close()
        summary.wall_seconds = time.perf_counter() - t0
        summary.queue = store.queue_size(conn)
        store.finish_run(conn, run_id, summary.as_dict())
        conn.close()
        reporter.close()
    return summary


def _count(summary: BatchSummary, status: str, what: str, display: str, error: str | None) -> None:
    if what == "kept":
        summary.kept += 1
        summary.failures.append((display, f"{error} (the stored extraction was kept)"))
        return
    summary.statuses[status] += 1
    if status == "failed":
        summary.failures.append((display, error or ""))


def _store_outcome(conn, outcome: dict, task_sources: list[Source], run_id: int, summary: BatchSummary,
                   reporter: Reporter) -> None:
    rec: store.Prepared = outcome["record"]
    key = rec.sha256 or outcome["key"]
    if key != outcome["key"]:
        # the file changed between hashing and reading: store what was read under its own hash
        task_sources = [s for s in task_sources if s.path == outcome["display"]]
    what = store.upsert_result(conn, rec, task_sources, seconds=outcome["seconds"],
                               model_versions=outcome["model_versions"], run_id=run_id, key=key)
    summary.pages += rec.pages
    summary.extract_seconds += outcome["seconds"]
    _count(summary, rec.status, what, outcome["display"], "; ".join(rec.errors))
    reporter.stored(outcome["display"], rec.pages, rec.status, what)


def summary_json(summary: BatchSummary) -> str:
    return json.dumps(summary.as_dict(), ensure_ascii=False)
