"""`sincere models list|use` and the one resolution order every shell loads its bundle by."""

import shutil

import pytest
from typer.testing import CliRunner

from detector.cli import app
from detector.cli.shared import load_detector
from detector.models.bundle import default_bundle_path
from detector.models.selection import STATE_FILE, config_dir, resolve_model, selected_model

runner = CliRunner()


@pytest.fixture(scope="module")
def copy_of_default(tmp_path_factory):
    """A second valid bundle: the shipped one copied elsewhere."""
    target = tmp_path_factory.mktemp("bundles") / "mine"
    shutil.copytree(default_bundle_path(), target)
    return target


def test_resolution_order_is_flag_then_env_then_choice_then_default(copy_of_default, monkeypatch, tmp_path):
    assert resolve_model().path is None and resolve_model().source == "shipped default"
    assert runner.invoke(app, ["models", "use", str(copy_of_default)]).exit_code == 0
    assert resolve_model() == resolve_model(None)
    assert resolve_model().path == copy_of_default.resolve() and resolve_model().source == "sincere models use"
    monkeypatch.setenv("SINCERE_MODEL", str(tmp_path / "env"))
    assert resolve_model().path == tmp_path / "env"
    assert resolve_model(tmp_path / "flag").path == tmp_path / "flag"


def test_scoring_uses_the_chosen_bundle(copy_of_default):
    runner.invoke(app, ["models", "use", str(copy_of_default)])
    assert load_detector(None).bundle.path == copy_of_default.resolve()
    runner.invoke(app, ["models", "use", "--default"])
    assert selected_model() is None
    assert load_detector(None).bundle.path == default_bundle_path()


def test_use_refuses_a_folder_that_is_not_a_valid_bundle(tmp_path, copy_of_default):
    done = runner.invoke(app, ["models", "use", str(tmp_path)])
    assert done.exit_code == 2 and "not a model bundle" in done.output
    tampered = tmp_path / "tampered"
    shutil.copytree(copy_of_default, tampered)
    (tampered / "policy.yaml").write_text((tampered / "policy.yaml").read_text() + "\n# edited\n")
    done = runner.invoke(app, ["models", "use", str(tampered)])
    assert done.exit_code == 2 and "does not match the manifest" in done.output
    assert selected_model() is None


def test_use_needs_a_folder_or_default():
    assert runner.invoke(app, ["models", "use"]).exit_code == 2
    assert runner.invoke(app, ["models", "use", "x", "--default"]).exit_code == 2


def test_a_chosen_bundle_that_disappears_fails_clearly_when_scoring(tmp_path, copy_of_default):
    gone = tmp_path / "gone"
    shutil.copytree(copy_of_default, gone)
    runner.invoke(app, ["models", "use", str(gone)])
    shutil.rmtree(gone)
    done = runner.invoke(app, ["score", "--text", "hello there", "--jsonl"])
    assert done.exit_code == 2 and "chosen by sincere models use" in done.output


def test_list_shows_default_chosen_and_found_bundles_and_marks_the_one_in_use(tmp_path, copy_of_default):
    runner.invoke(app, ["models", "use", str(copy_of_default)])
    found_dir = tmp_path / "found"
    shutil.copytree(copy_of_default, found_dir / "other")
    (found_dir / "not-a-bundle").mkdir()
    done = runner.invoke(app, ["models", "list", str(found_dir)], env={"COLUMNS": "400"})
    assert done.exit_code == 0, done.output
    lines = [line for line in done.output.splitlines() if "sincere-text" in line]
    assert len(lines) == 3
    marked = [line for line in lines if "*" in line]
    assert len(marked) == 1 and str(copy_of_default.resolve()) in marked[0]
    assert all(" ok " in line for line in lines)


def test_state_is_a_small_file_in_the_config_folder(copy_of_default):
    runner.invoke(app, ["models", "use", str(copy_of_default)])
    state = (config_dir() / STATE_FILE).read_text()
    assert str(copy_of_default.resolve()) in state and len(state) < 2000


def test_a_corrupt_state_file_means_no_choice(copy_of_default):
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / STATE_FILE).write_text("{not json")
    assert resolve_model().source == "shipped default"
    assert runner.invoke(app, ["models", "use", str(copy_of_default)]).exit_code == 0
    assert selected_model() == copy_of_default.resolve()
