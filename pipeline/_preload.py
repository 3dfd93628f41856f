"""Imported once by the local executor's fork server, so that every worker forked from it
starts with the tokenizer and classifier loaded (and shares their memory pages)."""
from .executors import _die_with_parent

# The fork server notices the driver's death only between requests, and loading the models
# takes seconds: a driver killed meanwhile would leave it loading for nobody.
_die_with_parent()

from .batch import warm_up  # noqa: E402

try:
    warm_up()
except Exception:  # noqa: BLE001 - each worker calls warm_up() again and reports the error
    pass
