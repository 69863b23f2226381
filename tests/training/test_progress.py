"""Progress bars for data build, train and eval: shown on a terminal, absent elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from training.progress import progress_display, step, track


def _terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=120)


def test_without_a_display_track_and_step_change_nothing():
    with step("nothing shown"):
        assert list(track(iter(range(5)), "plain")) == [0, 1, 2, 3, 4]
    with progress_display(Console(file=io.StringIO(), force_terminal=False)):  # not a terminal: no display
        assert list(track([1, 2], "plain")) == [1, 2]


def test_a_terminal_shows_bars_with_counts_and_steps():
    console = _terminal()
    with progress_display(console):
        assert list(track(["a", "b", "c"], "scoring rows")) == ["a", "b", "c"]
        with step("fitting the model"):
            pass
    shown = console.file.getvalue()
    assert "scoring rows" in shown and "3/3" in shown and "fitting the model" in shown


def test_training_and_evaluation_report_their_steps(tmp_path):
    from tests.training.test_train import tiny_config, tiny_table
    from training.config import load_config
    from training.evaluate import compare
    from training.train import train

    data = tiny_table(tmp_path / "data.csv")
    console = _terminal()
    with progress_display(console):
        train(load_config(tiny_config(tmp_path)), data, tmp_path / "bundle", log=lambda line: None)
        compare([tmp_path / "bundle"], data, None)
    shown = console.file.getvalue()
    for part in ("parsing messages", "fitting the text model", "fitting the policy on validation", "scoring with bundle"):
        assert part in shown, part
