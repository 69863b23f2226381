"""Repository-held-out evaluation: the headline on unseen repositories and leave-repository-group-out CV."""

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detector.cli import _plug_in_commands, app
from training.heldout import assign_folds, cv_group, heldout_report

REPO = Path(__file__).parents[2]
_plug_in_commands()

REPOS = {"acme/kit": "train", "beta/kit": "train", "gamma/kit": "train", "delta/kit": "val", "eps/kit": "val",
         "zeta/kit": "test", "eta/kit": "test"}


def table(path: Path) -> Path:
    """Personal notes, library copies and public outreach from seven repositories, with the corpus's columns."""
    rng = random.Random(1)
    names, companies = ["Dana", "Priya", "Tom", "Lena", "Marco", "Aiko"], ["Acme", "Globex", "Initech", "Hooli"]
    events = ["the hike on saturday", "your sister's wedding", "the board game night", "our trip to lisbon"]
    asks = ["did you ever find your keys?", "can you send me the photos?", "call me when you land."]
    hooks = ["I came across your profile", "I noticed {c} is growing fast", "I saw your recent post"]
    offers = ["we help companies like {c} scale outreach", "our AI tool saves sales teams ten hours a week"]
    rows = []
    for i in range(240):
        rows.append({"id": f"p{i}", "channel": "email", "label": "personal", "source": "notes", "group": f"f{i}",
                     "split": ("train", "val", "test")[i % 3],
                     "body": f"hey {rng.choice(names).lower()}, {rng.choice(events)} was great. {rng.choice(asks)}"})
    for r, (repo, split) in enumerate([("sincere/templates", s) for s in ("train", "val", "test")] + list(REPOS.items())):
        for t in range(4):
            hook, offer = rng.choice(hooks), rng.choice(offers)
            for copy in range(3):
                c, n = rng.choice(companies), rng.choice(names)
                public = repo != "sincere/templates"
                rows.append({"id": f"s{r}-{t}-{copy}", "channel": "email", "label": "smile", "split": split,
                             "source": "public_outreach" if public else "sincere-templates",
                             "repo": repo, "group": f"repo:{repo}" if public else f"lib{r}-{t}",
                             "family": ("cold_email", "breakup")[t % 2], "author": ("human", "unknown")[t % 2],
                             "body": f"Hi {n}, {hook.format(c=c)}. {offer.format(c=c)}. Worth a quick chat?",
                             "recipient": json.dumps({"name": n, "first_name": n, "company": c})})
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_heldout_report_counts_only_public_outreach_against_personal():
    frame = pd.DataFrame({"label": ["personal"] * 100 + ["smile"] * 4,
                          "source": ["x"] * 100 + ["public_outreach", "public_outreach", "public_outreach", "sincere-templates"],
                          "family": [None] * 100 + ["breakup", "breakup", "bump", "cold"],
                          "channel": ["email"] * 104, "author": [None] * 100 + ["human", "unknown", "unknown", "human"]})
    scores = list(np.linspace(0.0, 0.5, 100)) + [0.9, 0.4, 0.99, 0.0]
    report = heldout_report(frame, scores, threshold=0.8)
    assert report["n"] == 3 and report["n_personal"] == 100
    assert report["recall_at_1pct_fpr"] == pytest.approx(2 / 3)
    assert report["recall_at_policy_threshold"] == pytest.approx(2 / 3)
    assert report["by_family"]["breakup"]["recall_at_1pct_fpr"] == 0.5 and report["by_family"]["bump"]["n"] == 1
    assert set(report["by_author"]) == {"human", "unknown"}


def test_folds_hold_every_group_once_and_balance_rows():
    sizes = {f"g{i}": n for i, n in enumerate([50, 40, 30, 20, 10, 10, 5, 5])}
    folds = assign_folds(sizes, 3, seed=13)
    assert set(folds) == set(sizes) and set(folds.values()) == {0, 1, 2}
    rows = [sum(n for g, n in sizes.items() if folds[g] == f) for f in range(3)]
    assert max(rows) - min(rows) <= 20
    assert assign_folds(sizes, 3, seed=13) == folds
    assert cv_group("public_outreach", "sshumaker/fhl") == cv_group("public_outreach", "spicysoft/jp-www-gitlab-com")
    assert cv_group("sincere-templates", "") == "sincere/templates" and cv_group("enron_spam", "") is None


def test_training_reports_the_heldout_headline_and_repository_cv(tmp_path):
    data = table(tmp_path / "data.parquet")
    config = tmp_path / "c.yaml"
    config.write_text("kind: text_tfidf\nname: t\nversion: '0'\nsplit: column\nword_features_log2: 12\n"
                      "char_features_log2: 12\nmax_iter: 100\ncv_folds: 3\n")
    out = tmp_path / "bundle"
    done = CliRunner().invoke(app, ["train", "--config", str(config), "--data", str(data), "--out", str(out)])
    assert done.exit_code == 0, done.output
    metrics = json.loads((out / "metrics.json").read_text())
    held = metrics["repo_heldout"]
    assert held["n"] == 2 * 4 * 3, "only the test split's public outreach counts as unseen"
    assert set(held["by_family"]) == {"cold_email", "breakup"}
    cv = metrics["repo_cv"]
    assert cv["k"] == 3 and len(cv["folds"]) == 3
    groups = [g for fold in cv["folds"] for g in fold["groups"]]
    assert sorted(groups) == sorted([*REPOS, "sincere/templates"]), "every repository held out exactly once"
    assert cv["recall_at_1pct_fpr"]["worst"] <= cv["recall_at_1pct_fpr"]["mean"]
    assert sum(f["n"] for f in cv["folds"]) == 10 * 4 * 3
    card = (out / "MODEL_CARD.md").read_text()
    assert card.index("## Headline: outreach from repositories it never saw") < card.index("## Intended use")
    assert "worst fold" in card
    evaluated = CliRunner().invoke(app, ["eval", "--model", str(out), "--data", str(data)])
    assert evaluated.exit_code == 0 and "heldout recall@1%fpr" in evaluated.output


def test_cv_needs_enough_repositories(tmp_path):
    data = table(tmp_path / "data.parquet")
    config = tmp_path / "c.yaml"
    config.write_text("kind: text_tfidf\nname: t\nversion: '0'\nsplit: column\nword_features_log2: 12\n"
                      "char_features_log2: 12\nmax_iter: 100\ncv_folds: 40\n")
    done = CliRunner().invoke(app, ["train", "--config", str(config), "--data", str(data), "--out", str(tmp_path / "b")])
    assert done.exit_code == 2 and "needs at least 40 outreach repositories" in done.output
