"""Training end to end on a tiny generated table (no corpora needed): the `sincere train` command,
bundle contents, determinism, loading through the detector, config errors, splits, eval and compare."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detector.cli import _plug_in_commands, app
from detector.engine import Detector
from detector.models.bundle import Bundle
from detector.reasons import REASONS
from training.config import ConfigError, TextTfidfConfig, load_config, with_overrides
from training.dataset import DatasetError
from training.fit_policy import fit_blend, threshold_for_fpr
from training.kinds import KINDS, config_class
from training.plots import PLOTS
from training.splits import assign_splits
from training.train import train

REPO = Path(__file__).parents[2]
DEFAULT_CONFIG = REPO / "training" / "configs" / "default.yaml"
TINY = {"word_features_log2": 12, "char_features_log2": 12, "max_iter": 100, "cv_folds": 0}

_plug_in_commands()


def tiny_table(path: Path, seed: int = 0) -> Path:
    """~400 messages: varied personal notes, templated outreach with the recipient filled in, newsletters."""
    rng = random.Random(seed)
    names = ["Dana", "Priya", "Tom", "Lena", "Marco", "Aiko", "Sam", "Joe", "Ines", "Omar"]
    companies = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"]
    openers = ["hey", "hi", "so", "ok", "morning", "yo"]
    events = ["the hike on saturday", "your sister's wedding", "that awful pizza place", "the board game night",
              "our trip to lisbon", "the leak in the kitchen", "grandma's birthday", "the concert last week"]
    feelings = ["was hilarious", "made my week", "still makes me laugh", "went way better than I feared",
                "was a total mess honestly", "is all mum talks about"]
    asks = ["did you ever find your keys?", "can you send me the photos?", "are we still on for thursday?",
            "tell Ben I owe him a beer.", "no rush, just thinking of you.", "call me when you land."]
    hooks = ["I came across your profile", "I noticed {company} is growing fast", "I saw your recent post",
             "I was impressed by what {company} is building", "Your work at {company} caught my eye"]
    offers = ["our platform helps teams like yours cut costs by 30%", "we help companies like {company} scale outreach",
              "we have helped 500+ leaders book more meetings", "our AI tool saves sales teams ten hours a week"]
    ctas = ["Would you be open to a quick 15-minute call next week?", "Do you have 10 minutes on Tuesday?",
            "Worth a quick chat?", "Can I send you a short demo video?"]
    rows = []
    for i in range(160):
        body = f"{rng.choice(openers)} {rng.choice(names).lower()}, {rng.choice(events)} {rng.choice(feelings)}. {rng.choice(asks)}"
        rows.append({"id": f"p{i}", "channel": rng.choice(["email", "sms"]), "body": body, "label": "personal", "group": f"friend{i // 2}"})
    for t in range(40):
        hook, offer, cta = rng.choice(hooks), rng.choice(offers), rng.choice(ctas)
        for copy in range(4):
            name, company = rng.choice(names), rng.choice(companies)
            body = f"Hi {name}, {hook.format(company=company)} and wanted to reach out. {offer.format(company=company)}. {cta}"
            rows.append({"id": f"s{t}-{copy}", "channel": rng.choice(["email", "linkedin"]), "body": body, "label": "smile",
                         "group": f"template{t}", "recipient": json.dumps({"name": name, "first_name": name, "company": company})})
    for i in range(100):
        rows.append({"id": f"b{i}", "channel": "email", "subject": f"Weekly digest #{i}", "label": "bulk", "group": f"list{i // 4}",
                     "body": f"This week's top stories, issue {i}. Read more on our site. Unsubscribe or manage your preferences at any time."})
    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        frame.fillna("").to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    return path


def tiny_config(tmp_path: Path, **overrides) -> Path:
    lines = [line for line in DEFAULT_CONFIG.read_text().splitlines() if line.split(":")[0] not in {*TINY, *overrides}]
    lines += [f"{k}: {v}" for k, v in {**TINY, **overrides}.items()]
    path = tmp_path / "tiny.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    data = tiny_table(tmp / "data.csv")
    out = tmp / "bundle"
    done = CliRunner().invoke(app, ["train", "--config", str(tiny_config(tmp)), "--data", str(data), "--out", str(out)])
    assert done.exit_code == 0, done.output
    return out, data, json.loads((out / "metrics.json").read_text())


def test_train_command_writes_a_verified_bundle_with_card_metrics_and_plots(trained):
    out, _, metrics = trained
    bundle = Bundle.load(out)
    assert {"MODEL_CARD.md", "metrics.json", "policy.yaml", "text_model.skops", *PLOTS.values()} <= set(bundle.manifest["files"])
    for plot in PLOTS.values():
        assert (out / plot).read_bytes().startswith(b"\x89PNG")
    manifest = bundle.manifest
    assert manifest["training_data"]["split_by"] == "group" and len(manifest["training_data"]["sha256"]) == 64
    assert manifest["config"]["word_features_log2"] == 12 and manifest["packages"]["scikit-learn"]
    card = (out / "MODEL_CARD.md").read_text()
    for section in ("## Intended use", "## Not for", "## Training data", "## False positives", "## Known limits",
                    "by channel", "by length", "Short messages", "Non-native writers", "Reworded templates", "Unseen voices"):
        assert section in card
    assert metrics["test"]["smile_vs_personal"]["roc_auc"] > 0.9
    assert set(metrics["test"]["smile_vs_personal_by_length"]) == {"<=20 words", "21-60 words", "61-200 words", ">200 words"}


def test_a_trained_bundle_loads_and_scores_through_the_detector(trained):
    out, _, _ = trained
    result = Detector.open(out).score({"id": "x", "channel": "email", "body": "Dear {{first_name}}, quick question"})
    assert result["verdict"] in ("smile", "bulk") and result["model_version"] == f"sincere-text-{load_config(DEFAULT_CONFIG).version}"


def test_same_seed_and_data_give_identical_metrics(trained, tmp_path):
    out, data, metrics = trained
    config = with_overrides(load_config(tiny_config(tmp_path)))
    again = train(config, data, tmp_path / "again", log=lambda *_: None)
    assert json.loads(json.dumps(again, sort_keys=True)) == metrics
    assert (tmp_path / "again" / "policy.yaml").read_text() == (out / "policy.yaml").read_text()


def test_another_seed_splits_differently(tmp_path):
    frame = pd.read_csv(tiny_table(tmp_path / "d.csv"), dtype=str, keep_default_na=False)
    a, _ = assign_splits(frame, "group", 13, 0.15, 0.15)
    b, _ = assign_splits(frame, "group", 14, 0.15, 0.15)
    assert (a != b).any()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_read_like_csv(tmp_path, suffix):
    from training.dataset import read_table

    csv, other = read_table(tiny_table(tmp_path / "d.csv")), read_table(tiny_table(tmp_path / f"d{suffix}"))
    assert len(csv) == len(other) and list(csv["label"]) == list(other["label"])


def test_group_split_keeps_every_group_in_one_split_and_honours_fractions(tmp_path):
    frame = pd.read_csv(tiny_table(tmp_path / "d.csv"), dtype=str, keep_default_na=False)
    split, how = assign_splits(frame, "auto", 13, 0.2, 0.1)
    assert how == "group"
    assert (frame.assign(split=split).groupby("group")["split"].nunique() == 1).all()
    shares = split.value_counts(normalize=True)
    assert 0.5 < shares["train"] < 0.85 and shares["val"] > shares["test"] * 0.8


def test_split_rules_and_their_errors(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "channel": "sms", "label": "personal", "split": ["train", "val", "test"]})
    assert list(assign_splits(frame, "auto", 1, 0.15, 0.15)[0]) == ["train", "val", "test"]
    assert assign_splits(frame.drop(columns="split"), "auto", 1, 0.15, 0.15)[1] == "id"
    with pytest.raises(DatasetError, match="needs a 'group' column"):
        assign_splits(frame, "group", 1, 0.15, 0.15)
    with pytest.raises(DatasetError, match="unknown split value"):
        assign_splits(frame.assign(split=["train", "dev", "test"]), "column", 1, 0.15, 0.15)


def test_too_little_data_is_a_clear_error(tmp_path):
    frame = pd.read_csv(tiny_table(tmp_path / "d.csv"), dtype=str, keep_default_na=False)
    small = tmp_path / "small.csv"
    frame[frame["label"] != "personal"].to_csv(small, index=False)
    done = CliRunner().invoke(app, ["train", "--config", str(tiny_config(tmp_path)), "--data", str(small), "--out", str(tmp_path / "b")])
    assert done.exit_code == 2 and "personal" in done.output


def test_train_reads_data_and_out_from_the_config_and_refuses_neither(tmp_path):
    config = tiny_config(tmp_path, data='""')
    done = CliRunner().invoke(app, ["train", "--config", str(config), "--out", str(tmp_path / "b")])
    assert done.exit_code == 2 and "give --data and --out" in done.output


@pytest.mark.parametrize("config_file, bundle", [("default.yaml", "tfidf"), ("cascade.yaml", "default")])
def test_each_shipped_bundle_was_built_by_its_config(config_file, bundle):
    shipped = Bundle.load(REPO / "detector" / "bundles" / bundle).manifest["config"]
    config = load_config(REPO / "training" / "configs" / config_file)
    assert config.kind == shipped["kind"]
    for key, value in shipped.items():
        assert getattr(config, key) == (tuple(value) if isinstance(value, list) else value), key


def test_the_tfidf_config_is_the_text_tfidf_kind():
    assert isinstance(load_config(DEFAULT_CONFIG), TextTfidfConfig)


def test_every_kind_names_an_importable_config_class():
    for kind in KINDS:
        assert config_class(kind).__dataclass_fields__["kind"]


@pytest.mark.parametrize("edit, message", [
    ("C: fast", "'C' must be float, got str"),
    ("colour: blue", "unknown key.*colour"),
    ("word_ngrams: [1]", "list of 2 ints"),
    ("max_iter: 1.5", "'max_iter' must be int"),
    ("seed: true", "'seed' must be int"),
    ("split: random", "'split' must be one of"),
    ("val_fraction: 1.5", "between 0 and 1"),
    ("kind: nope", "'kind' must be one of"),
    ("name:", "'name' must be str"),
])
def test_config_errors_are_clear(tmp_path, edit, message):
    key = edit.split(":")[0]
    lines = [line for line in DEFAULT_CONFIG.read_text().splitlines() if not line.startswith(f"{key}:")] + [edit]
    path = tmp_path / "c.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    done = CliRunner().invoke(app, ["train", "--config", str(path), "--data", "x.csv", "--out", str(tmp_path / "b")])
    assert done.exit_code == 2 and "error:" in done.output


def test_eval_compares_bundles_side_by_side_with_a_tuned_threshold(trained, tmp_path):
    out, data, metrics = trained
    report = tmp_path / "report.json"
    done = CliRunner().invoke(app, ["eval", "--data", str(data), "--split", "all", "--target-fpr", "0.05",
                                    "--out", str(report), "--compare", str(out), str(out)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    for metric in ("recall@1%fpr", "recall@5%fpr", "fpr[email]", "fpr[<=20 words]", "recall@tuned"):
        assert metric in done.output
    first, second = json.loads(report.read_text())
    assert first["test"] == second["test"] and first["test"]["n"] == 420
    tuned = first["tuned"]
    assert tuned["fpr_personal"]["rate"] <= 0.05 and tuned["tuned_on"].startswith("the evaluated rows")


def test_compare_needs_two_bundles(trained):
    out, data, _ = trained
    done = CliRunner().invoke(app, ["eval", "--data", str(data), "--compare", str(out)])
    assert done.exit_code == 2 and "at least two" in done.output


def test_policy_weights_respect_their_signs(trained):
    out, _, _ = trained
    weights = Bundle.load(out).policy.weights
    assert weights["SHARED_HISTORY"] <= 0
    assert all(w >= 0 for code, w in weights.items() if code != "SHARED_HISTORY")


def test_threshold_keeps_personal_false_positives_at_target():
    scores = np.linspace(0, 1, 1000)
    t = threshold_for_fpr(scores, 0.01)
    assert np.mean(scores >= t) <= 0.01 and np.mean(scores >= t - 0.002) > 0.009


def test_blend_bounds_hold_even_when_data_pull_the_other_way():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # the signal appears only on personal rows
    w = fit_blend(X, y, ["TEXT_MODEL", "MERGE_TAG_LEFTOVER"])
    assert w[2] >= 0.0


def test_shared_history_always_lowers_the_score_by_at_least_its_floor():
    history_floor = REASONS["SHARED_HISTORY"].bounds[1]

    X = np.array([[1.0, 1.0], [1.0, 0.0], [-1.0, 1.0], [-1.0, 0.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])  # history appears on both classes alike: the data say "no weight"
    w = fit_blend(X, y, ["TEXT_MODEL", "SHARED_HISTORY"])
    assert w[2] <= history_floor < 0


def test_mlflow_tracking_records_params_metrics_and_card(trained, tmp_path, monkeypatch):
    pytest.importorskip("mlflow", reason="MLflow tracking is the optional 'mlflow' extra; it is not installed")
    from mlflow.tracking import MlflowClient

    out, data, metrics = trained
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    done = CliRunner().invoke(app, ["train", "--config", str(tiny_config(tmp_path)), "--data", str(data),
                                    "--out", str(tmp_path / "b"), "--mlflow", uri])
    assert done.exit_code == 0, done.output
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("sincere-text").experiment_id])
    assert run.data.params["seed"] == "13" and run.data.params["kind"] == "text_tfidf"
    assert run.data.metrics["test.smile_vs_personal.roc_auc"] == pytest.approx(metrics["test"]["smile_vs_personal"]["roc_auc"])
    logged = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"MODEL_CARD.md", "metrics.json", *PLOTS.values()} <= logged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "mlflow-artifacts", "mlflow.db", "tiny.yaml"]



def test_retraining_into_a_bundle_folder_replaces_it_and_a_foreign_folder_is_refused(trained, tmp_path):
    import shutil

    out, data, _ = trained
    again = tmp_path / "again"
    shutil.copytree(out, again)
    (again / "plot_roc.png").unlink()  # an older bundle may lack files a newer one writes
    config = tiny_config(tmp_path)
    assert CliRunner().invoke(app, ["train", "--config", str(config), "--data", str(data), "--out", str(again)]).exit_code == 0
    assert set(Bundle.load(again).manifest["files"]) == set(Bundle.load(out).manifest["files"])
    (again / "notes.txt").write_text("mine")
    done = CliRunner().invoke(app, ["train", "--config", str(config), "--data", str(data), "--out", str(again)])
    assert done.exit_code == 2 and "notes.txt" in done.output


def test_mlflow_asked_for_but_missing_fails_before_training(trained, tmp_path, monkeypatch):
    import training.tracking as tracking

    out, data, _ = trained
    real_find_spec = tracking.importlib.util.find_spec
    monkeypatch.setattr(tracking.importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real_find_spec(name, *a))
    done = CliRunner().invoke(app, ["train", "--config", str(tiny_config(tmp_path)), "--data", str(data),
                                    "--out", str(tmp_path / "b"), "--mlflow", "sqlite:///x.db"])
    assert done.exit_code == 2 and "sincere[mlflow]" in done.output
    assert not (tmp_path / "b").exists()


def test_training_trains_exactly_the_kinds_the_detector_loads():
    from detector.models.kinds import KINDS as LOADABLE_KINDS

    assert list(KINDS) == list(LOADABLE_KINDS)


def test_a_trainer_and_its_shared_writer_load_without_the_dispatcher():
    """The trainers import training.bundle_writer, never training.train (which imports them through training.kinds)."""
    code = "import sys, training.text_train, training.bundle_writer; assert 'training.train' not in sys.modules, 'cycle'"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
