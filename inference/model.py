"""A trained block classifier on disk: LightGBM's native text format plus JSON metadata.

``model.txt`` is LightGBM's own text dump (never a pickle); ``metadata.json`` records the
label names, the feature column names and settings the model expects, the SHA-256 of
``model.txt``, the library versions, and how the model was built.  Loading checks all of it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np

from thresher.config import FeatureConfig, InferenceConfig
from thresher.errors import ModelError
from thresher.features.registry import column_names

FORMAT = "thresher-block-model/1"
MODEL_FILE = "model.txt"
REGION_MODEL_FILE = "regions.txt"
METADATA_FILE = "metadata.json"


def _feature_config_from(meta: dict[str, Any]) -> FeatureConfig:
    raw = dict(meta.get("feature_config") or {})
    if "context_offsets" in raw:
        raw["context_offsets"] = tuple(raw["context_offsets"])
    try:
        return FeatureConfig(**raw)
    except TypeError as exc:
        raise ModelError(f"model metadata has unknown feature settings: {exc}") from exc


class Predictor(Protocol):
    """What extraction needs from a model: its labels, settings and block probabilities.

    :class:`BlockModel` is the one thresher saves and ships; training also scores
    evaluation-only baselines (``thresher.training.baseline``) through this interface.
    """

    labels: list[str]
    feature_config: FeatureConfig
    inference: InferenceConfig

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...


def combine_region_proba(
    p_body: np.ndarray, region_proba: Callable[[np.ndarray], np.ndarray], n_regions: int, threshold: float
) -> np.ndarray:
    """P(region) = (1 - P(body)) * P(region | not body), shape (n_blocks, 1 + n_regions).

    ``region_proba(rows)`` gives P(region | not body) for the blocks ``rows`` that are not
    clearly body (``p_body < threshold``); the other blocks share the rest evenly.
    """
    given = np.full((len(p_body), n_regions), 1.0 / n_regions)
    rows = np.nonzero(p_body < threshold)[0]
    if len(rows):
        given[rows] = region_proba(rows)
    return np.column_stack([p_body, (1.0 - p_body)[:, None] * given])


@dataclass
class BlockModel:
    """A LightGBM booster with the metadata needed to apply it safely."""

    booster: lgb.Booster
    labels: list[str]
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    metadata: dict[str, Any] = field(default_factory=dict)
    region_booster: lgb.Booster | None = None
    """Names the kind of non-body blocks (labels[1:]); None for a body/boilerplate model."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def feature_names(self) -> list[str]:
        return column_names(self.feature_config)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n_blocks, n_labels)."""
        if X.shape[0] == 0:
            return np.zeros((0, len(self.labels)))
        with self._lock:  # one booster, many threads: LightGBM predictors are not re-entrant
            p_body = np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)
            if self.region_booster is None:
                return np.column_stack([1.0 - p_body, p_body])
            regions = self.region_booster
            return combine_region_proba(
                p_body,
                lambda rows: np.asarray(regions.predict(X[rows], num_threads=1)),
                len(self.labels) - 1,
                self.inference.region_threshold,
            )

    def model_text(self) -> str:
        return str(self.booster.model_to_string())

    def region_model_text(self) -> str | None:
        return None if self.region_booster is None else str(self.region_booster.model_to_string())

    def save(self, directory: Path | str) -> Path:
        """Write ``model.txt`` and ``metadata.json`` into ``directory`` (created if needed)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        text = self.model_text()
        (out / MODEL_FILE).write_text(text, encoding="utf-8")
        region_text = self.region_model_text()
        if region_text is not None:
            (out / REGION_MODEL_FILE).write_text(region_text, encoding="utf-8")
        meta = {
            **self.metadata,
            "format": FORMAT,
            "labels": self.labels,
            "feature_names": self.feature_names,
            "feature_config": {
                **self.feature_config.__dict__,
                "context_offsets": list(self.feature_config.context_offsets),
            },
            "inference": dict(self.inference.__dict__),
            "model_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        if region_text is not None:
            meta["region_model_sha256"] = hashlib.sha256(region_text.encode("utf-8")).hexdigest()
        (out / METADATA_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: Path | str) -> BlockModel:
        """Load and verify a model directory; raises ModelError on any mismatch."""
        path = Path(directory)
        model_path, meta_path = path / MODEL_FILE, path / METADATA_FILE
        if not model_path.is_file() or not meta_path.is_file():
            raise ModelError(f"{path} is not a thresher model: it needs {MODEL_FILE} and {METADATA_FILE}")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ModelError(f"{meta_path} is not valid JSON: {exc}") from exc
        text = model_path.read_text(encoding="utf-8")
        region_path = path / REGION_MODEL_FILE
        region_text = region_path.read_text(encoding="utf-8") if "region_model_sha256" in meta else None
        if region_text is None and "region_model_sha256" in meta:
            raise ModelError(f"{path}: metadata names a region model but {REGION_MODEL_FILE} is missing")
        return cls.from_parts(text, meta, source=str(path), region_text=region_text)

    @classmethod
    def from_parts(
        cls, model_text: str, meta: dict[str, Any], source: str = "<memory>", region_text: str | None = None
    ) -> BlockModel:
        if meta.get("format") != FORMAT:
            raise ModelError(f"{source}: unknown model format {meta.get('format')!r}; expected {FORMAT!r}")
        digest = hashlib.sha256(model_text.encode("utf-8")).hexdigest()
        if meta.get("model_sha256") != digest:
            raise ModelError(f"{source}: {MODEL_FILE} does not match the checksum in {METADATA_FILE}")
        feature_config = _feature_config_from(meta)
        expected = column_names(feature_config)
        if meta.get("feature_names") != expected:
            raise ModelError(
                f"{source}: the model was trained on other features than this thresher computes "
                f"({len(meta.get('feature_names') or [])} vs {len(expected)} columns); retrain it"
            )
        _check_lightgbm_version(model_text, source)
        try:
            booster = lgb.Booster(model_str=model_text)
        except lgb.basic.LightGBMError as exc:
            raise ModelError(f"{source}: LightGBM cannot read the model: {exc}") from exc
        if booster.num_feature() != len(expected):
            raise ModelError(f"{source}: booster expects {booster.num_feature()} features, not {len(expected)}")
        labels = list(meta.get("labels") or [])
        if len(labels) < 2:
            raise ModelError(f"{source}: metadata lists no labels")
        region_booster = None
        if region_text is not None:
            if hashlib.sha256(region_text.encode("utf-8")).hexdigest() != meta.get("region_model_sha256"):
                raise ModelError(f"{source}: {REGION_MODEL_FILE} does not match the checksum in {METADATA_FILE}")
            _check_lightgbm_version(region_text, source)
            region_booster = lgb.Booster(model_str=region_text)
            if region_booster.num_feature() != len(expected) or labels[0] != "body":
                raise ModelError(f"{source}: the region model does not fit the labels or features")
        inference = InferenceConfig(**(meta.get("inference") or {}))
        return cls(
            booster=booster,
            labels=labels,
            feature_config=feature_config,
            inference=inference,
            metadata={
                k: v
                for k, v in meta.items()
                if k
                not in {
                    "format",
                    "labels",
                    "feature_names",
                    "feature_config",
                    "inference",
                    "model_sha256",
                    "region_model_sha256",
                }
            },
            region_booster=region_booster,
        )


def _check_lightgbm_version(model_text: str, source: str) -> None:
    """Refuse a model written by a newer LightGBM format than the installed one reads."""
    match = re.search(r"^version=v(\d+)", model_text[:4096], re.MULTILINE)
    if match is None:
        raise ModelError(f"{source}: {MODEL_FILE} is not a LightGBM text model (no version line)")
    installed = int(lgb.__version__.split(".")[0])
    if int(match.group(1)) > installed:
        raise ModelError(
            f"{source}: written in LightGBM format v{match.group(1)}, installed LightGBM is {lgb.__version__}"
        )


def default_model_dir() -> Path:
    """The folder of the model that ships inside the package."""
    return Path(str(resources.files("thresher.inference") / "default_model"))


_CACHE: dict[str, BlockModel] = {}
_CACHE_LOCK = threading.Lock()


def load_model(source: BlockModel | Path | str | None = None) -> BlockModel:
    """Resolve a model: an instance, a model folder, an MLflow ``models:/`` or ``runs:/`` URI
    (``models:/thresher@champion``: the registered version with that alias), or None for the
    shipped default.  Folders and URIs are loaded once per process and reused."""
    if isinstance(source, BlockModel):
        return source
    key = str(source) if source is not None else str(default_model_dir())
    with _CACHE_LOCK:
        model = _CACHE.get(key)
        if model is None:
            if key.startswith(("models:/", "runs:/")):
                model = BlockModel.load(_download_mlflow_model(key))
            else:
                model = BlockModel.load(key)
            _CACHE[key] = model
        return model


def _download_mlflow_model(uri: str) -> Path:
    try:
        import mlflow
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError("loading a model from MLflow needs the 'train' extra: pip install 'thresher[train]'") from exc
    from thresher.training.tracking import tracking_uri

    # The same store `thresher train` logs to (MLFLOW_TRACKING_URI, else ./mlflow.db), which
    # also holds the model registry, so `models:/thresher@champion` resolves there.
    store = tracking_uri()
    try:
        # Set globally too: MLflow resolves parts of a models:/ URI through its global registry URI.
        mlflow.set_tracking_uri(store)
        mlflow.set_registry_uri(store)
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, tracking_uri=store, registry_uri=store))
    except Exception as exc:
        raise ModelError(f"cannot fetch {uri} from the MLflow store {store}: {exc}") from exc
    for candidate in (local, *_pyfunc_model_dirs(local)):
        if (candidate / MODEL_FILE).is_file():
            return candidate
    raise ModelError(f"{uri} holds no thresher model ({MODEL_FILE} + {METADATA_FILE})")


def _pyfunc_model_dirs(local: Path) -> list[Path]:
    """Where a thresher pyfunc model folder keeps the native model: the ``thresher_model``
    artifact that its MLmodel file names (a copy of the folder, under its original name)."""
    mlmodel = local / "MLmodel"
    if not mlmodel.is_file():
        return []
    from mlflow.models import Model

    try:
        flavor = Model.load(str(mlmodel)).flavors.get("python_function", {})
        path = flavor.get("artifacts", {}).get("thresher_model", {}).get("path")
    except Exception as exc:
        raise ModelError(f"{mlmodel} cannot be read: {exc}") from exc
    return [local / path] if isinstance(path, str) else []
