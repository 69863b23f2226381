"""PNG plots for a bundle's test results: precision-recall, ROC, calibration, confusion matrix.

Drawn with matplotlib's object API on the Agg canvas (no display, no global backend switch).
The positive class is "mass-produced" (smile, bulk, spam), which is what the score estimates;
the precision-recall and ROC plots also show smile against personal alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import auc, precision_recall_curve, roc_curve

from training.metrics import LABELS, VERDICTS

PLOTS = {
    "precision_recall": "plot_precision_recall.png",
    "roc": "plot_roc.png",
    "calibration": "plot_calibration.png",
    "confusion": "plot_confusion.png",
}
_PNG_METADATA = {"Software": None}
"""No matplotlib version stamp, so the same results give byte-identical files."""


def _tasks(labels: np.ndarray, scores: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    scored = ~np.isnan(scores)
    tasks = {}
    for name, positive in (("mass-produced vs personal", labels != "personal"), ("smile vs personal", labels == "smile")):
        rows = scored & (positive | (labels == "personal"))
        y = positive[rows]
        if y.any() and not y.all():
            tasks[name] = (y, scores[rows])
    return tasks


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata=_PNG_METADATA)


def write_plots(out: Path, labels: Sequence[str], results: Sequence[dict[str, Any]], threshold: float) -> list[str]:
    """Write the four plots into `out`; returns their file names."""
    labels = np.asarray(labels)
    scores = np.array([r["score"] if r["score"] is not None else np.nan for r in results], dtype=float)
    verdicts = np.array([r["verdict"] for r in results])
    tasks = _tasks(labels, scores)

    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    for name, (y, s) in tasks.items():
        precision, recall, _ = precision_recall_curve(y, s)
        ax.plot(recall, precision, label=f"{name} (AUC {auc(recall, precision):.3f})")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (test)", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    _save(fig, out / PLOTS["precision_recall"])

    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    for name, (y, s) in tasks.items():
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc(fpr, tpr):.3f})")
    for target in (0.01, 0.05):
        ax.axvline(target, color="grey", linestyle=":", linewidth=0.8)
    ax.set(xscale="log", xlim=(1e-3, 1), ylim=(0, 1.02), xlabel="false-positive rate on personal (log)",
           ylabel="recall", title="ROC (test; dotted: 1 % and 5 % FPR)")
    ax.legend(loc="lower right", fontsize=8)
    _save(fig, out / PLOTS["roc"])

    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="perfectly calibrated")
    if "mass-produced vs personal" in tasks:
        y, s = tasks["mass-produced vs personal"]
        observed, predicted = calibration_curve(y, s, n_bins=10, strategy="uniform")
        ax.plot(predicted, observed, marker="o", label="score")
    ax.axvline(threshold, color="red", linestyle=":", linewidth=0.8, label=f"threshold {threshold:.3f}")
    ax.set(xlabel="score (mean per bin)", ylabel="share mass-produced", title="Calibration (test)", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, out / PLOTS["calibration"])

    rows = [label for label in LABELS if (labels == label).any()]
    counts = np.array([[int(((labels == r) & (verdicts == v)).sum()) for v in VERDICTS] for r in rows])
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = Figure(figsize=(5, 0.6 * len(rows) + 1.6))
    ax = fig.add_subplot()
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, j in np.ndindex(counts.shape):
        ax.text(j, i, str(counts[i, j]), ha="center", va="center", color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(VERDICTS)), VERDICTS)
    ax.set_yticks(range(len(rows)), rows)
    ax.set(xlabel="verdict", ylabel="true label", title="Confusion (test; colour = row share)")
    _save(fig, out / PLOTS["confusion"])
    return list(PLOTS.values())
