"""Batch inbox scoring (`sincere scan`): export readers, the frame-scoring unit, checkpoints, report.

Needs the `batch` extra (pandas, pyarrow, matplotlib); `--engine dask` needs the `dask` extra.
"""
