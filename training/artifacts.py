"""The files every training run logs: feature-importance plot, region confusion matrix, CSV tables.

Written to a folder first and then logged, so the same files can be looked at without MLflow.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from thresher.training.evaluate import RegionScores


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def importance_plot(importance: dict[str, float], path: Path, measure: str, top: int = 30) -> None:
    """Horizontal bars of the ``top`` most important features; ``measure`` names the unit."""
    plt = _pyplot()
    items = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlabel(measure)
    ax.set_title(f"feature importance (top {len(items)})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_plot(scores: RegionScores, path: Path) -> None:
    plt = _pyplot()
    matrix = scores.confusion
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(scores.labels)), scores.labels, rotation=45, ha="right")
    ax.set_yticks(range(len(scores.labels)), scores.labels)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"regions on gold blocks of held-out sites ({scores.pages} pages), macro-F1 {scores.macro_f1:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_rows(scores: RegionScores) -> list[dict[str, Any]]:
    """The confusion matrix as table rows (gold label, then one column per predicted label)."""
    return [
        {"gold": gold, **{pred: int(n) for pred, n in zip(scores.labels, row, strict=True)}}
        for gold, row in zip(scores.labels, scores.confusion, strict=True)
    ]


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    fields: list[str] = []
    for row in rows:
        fields.extend(k for k in row if k not in fields)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
