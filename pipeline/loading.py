"""Loading what lives as long as the process (models, dictionaries) cheaply.

`no_gc`: the garbage collector paused while such objects are built.  Each model or dictionary is
a few hundred thousand objects; the collections their creation triggers walk them again and
again and find nothing to free (measured: ~20 % of a cold `govreport extract`).

`load_audited`: a skops file in one read.  skops audits every type in the file before it
constructs anything, so loading with the trusted names straight away is as safe as asking
`get_untrusted_types` first, and reads (and audits) a file of tens of megabytes once instead of
twice.  Only a refused or unreadable file is read a second time, to say why.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from pathlib import Path

_paused = 0
_was_enabled = True
_lock = threading.Lock()


@contextmanager
def no_gc():
    """No automatic collection inside (nested and concurrent uses count: the collector comes
    back when the last one ends, and only if it was on before the first)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


class UntrustedTypes(Exception):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


class NotSkops(Exception):
    """Not a skops archive at all (the reason is skops's own)."""


def load_audited(path: str | Path, trusted: list[str]):
    """The object in `path`, or UntrustedTypes (the types beyond skops's defaults and `trusted`),
    NotSkops, or whatever constructing the object raised."""
    with no_gc():  # importing skops (and sklearn with it) too
        import skops.io as sio
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            return sio.load(path, trusted=list(trusted))
        except UntrustedTypesFoundException:
            pass
        except Exception:
            try:
                sio.get_untrusted_types(file=path)
            except Exception as unreadable:
                raise NotSkops(str(unreadable)) from None
            raise
    raise UntrustedTypes(sorted(set(sio.get_untrusted_types(file=path)) - set(trusted)))
