"""Imported once by the local executor's fork server, so that every worker forked from it
starts with the tokenizer and classifier loaded (and shares their memory pages)."""
from .batch import warm_up

try:
    warm_up()
except Exception:  # noqa: BLE001 - each worker calls warm_up() again and reports the error
    pass
