"""`--engine dask` on a LocalCluster of worker processes gives exactly the local engine's results."""

from __future__ import annotations

import pandas as pd
import pytest

from detector.batch.scan import ScanOptions, scan

distributed = pytest.importorskip("dask.distributed", reason="needs the dask extra: pip install 'sincere[dask]'")


def test_dask_local_cluster_matches_local_engine(write_mbox, tmp_path):
    mbox = write_mbox(40)
    local = scan(ScanOptions(path=mbox, out=tmp_path / "local.parquet", every=7))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = scan(ScanOptions(path=mbox, out=tmp_path / "dask.parquet", every=7, runner="dask",
                                  scheduler=cluster.scheduler_address))
    assert local.counts == remote.counts and remote.total == 40
    expected, got = pd.read_parquet(tmp_path / "local.parquet"), pd.read_parquet(tmp_path / "dask.parquet")
    pd.testing.assert_frame_equal(expected, got)
    assert set(got["verdict"]) == {"personal", "smile"}


def test_local_cluster_workers_run_without_the_profiler(tmp_path):
    """Dask's profiler keeps a call tree per second in each worker: memory that grew with scan length."""
    from detector.batch.dask_runner import DaskRunner

    with DaskRunner(None, f"sqlite://{tmp_path / 'campaigns.db'}", "run", None, workers=1) as runner:
        profiling = runner.client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
    assert list(profiling.values()) == [False]


def test_dask_workers_apply_the_users_sender_rules_as_the_local_engine_does(write_mbox, tmp_path):
    from detector.sender_rules import SenderList

    mbox = write_mbox(10)
    rules = SenderList.of(deny=["alex@vendor.example"])  # every message of the export is from this sender
    local = scan(ScanOptions(path=mbox, out=tmp_path / "local.jsonl", every=4, sender_rules=rules))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = scan(ScanOptions(path=mbox, out=tmp_path / "dask.jsonl", every=4, runner="dask",
                                  scheduler=cluster.scheduler_address, sender_rules=rules))
    assert local.counts == remote.counts == {"smile": 10}
    assert (tmp_path / "local.jsonl").read_text() == (tmp_path / "dask.jsonl").read_text()
