"""Every custom scikit-learn estimator or transformer in the project passes scikit-learn's own
conformance checks. Estimators are discovered, so a new one cannot be forgotten here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

from sklearn.base import BaseEstimator
from sklearn.exceptions import SkipTestWarning
from sklearn.utils.estimator_checks import check_estimator

PACKAGES = ("detector", "training")
REPO = Path(__file__).resolve().parents[1]


VISITED: list[str] = []


def _project_estimators() -> list[type]:
    found: dict[str, type] = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            try:
                module = importlib.import_module(info.name)
            except ImportError as exc:  # an optional extra (e.g. torch) is not installed
                if exc.name and exc.name.split(".")[0] in PACKAGES:
                    raise
                continue
            VISITED.append(info.name)
            for name, obj in vars(module).items():
                if (inspect.isclass(obj) and issubclass(obj, BaseEstimator) and obj.__module__ == module.__name__
                        and not inspect.isabstract(obj) and not name.startswith("_")):
                    found[f"{obj.__module__}.{name}"] = obj
    return [found[key] for key in sorted(found)]


ESTIMATORS = _project_estimators()


def test_discovery_walks_the_project():
    # The walk must reach the modules where estimators live, or the check below would be vacuous.
    assert {"detector.engine", "detector.audio.detector", "training.text_train", "training.audio_train"} <= set(VISITED)


TEXT_INPUT_CHECKED_BY = {
    "detector.text_features.CharNgramHasher": "tests/detector/test_text_features.py (same matrix as HashingVectorizer)",
}
"""Estimators that take raw texts: scikit-learn's checks feed numeric arrays and skip them, so each
is held by its own test against the stock estimator it replaces."""


def test_every_custom_estimator_passes_sklearn_checks():
    assert ESTIMATORS, "the walk found no custom estimator; the checks below would be vacuous"
    for cls in ESTIMATORS:
        name = f"{cls.__module__}.{cls.__name__}"
        if cls().__sklearn_tags__().input_tags.string:
            assert name in TEXT_INPUT_CHECKED_BY, f"{name} takes texts: give it a test and list it here"
            assert (REPO / TEXT_INPUT_CHECKED_BY[name].split()[0]).is_file()
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error", SkipTestWarning)  # a skipped check is not a passed one
            check_estimator(cls())
