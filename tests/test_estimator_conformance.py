"""Every custom scikit-learn estimator or transformer in the project passes scikit-learn's own
conformance checks. Estimators are discovered, so a new one cannot be forgotten here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import check_estimator

PACKAGES = ("detector", "training")


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


def test_every_custom_estimator_passes_sklearn_checks():
    # Today every model is built from stock scikit-learn parts (pipelines, hashing, TF-IDF, logistic
    # regression, calibration), so ESTIMATORS is empty; a custom estimator is checked as soon as it exists.
    for cls in ESTIMATORS:
        check_estimator(cls())
