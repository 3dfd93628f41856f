"""Trained row-label classifier: candidates -> features -> calibrated model -> joint decoding.

`ModelSpotter` (in `model`) plugs into extraction behind the same `spot` call as the
keyword baseline.  Build the data with scripts/build_training_data.py, train with
`govreport train`.
"""
