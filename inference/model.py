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
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np

from thresher.config import FeatureConfig, InferenceConfig
from thresher.errors import ModelError
from thresher.features.lines import line_column_names
from thresher.features.registry import column_names
from thresher.inference.context import BlockLayout, context_width, region_context

FORMAT = "thresher-block-model/1"
MODEL_FILE = "model.txt"
REGION_MODEL_FILE = "regions.txt"
CONTEXT_MODEL_FILE = "region_context.txt"
BODY_CONTEXT_MODEL_FILE = "body_context.txt"
METADATA_FILE = "metadata.json"
KINDS = ("html", "text")
"""What a model reads: ``html`` blocks of a page, or ``text`` lines of an already extracted text."""


def expected_columns(kind: str, config: FeatureConfig) -> list[str]:
    """The feature columns a model of this kind is applied to."""
    if kind not in KINDS:
        raise ModelError(f"unknown model kind {kind!r}; expected one of {KINDS}")
    return column_names(config) if kind == "html" else line_column_names(config)


FEATURES_ADDED_LATER: dict[str, Any] = {"own_word_buckets": 0}
"""Settings of features added after a model format was fixed, with the value that turns each
feature off.  A model whose metadata lacks one was trained before that feature existed, so it
is read with the feature off and keeps working instead of asking to be retrained."""


def _feature_config_from(meta: dict[str, Any]) -> FeatureConfig:
    raw = dict(meta.get("feature_config") or {})
    if raw:
        raw = {**FEATURES_ADDED_LATER, **raw}
    for key in ("context_offsets", "line_context_offsets"):
        if key in raw:
            raw[key] = tuple(raw[key])
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

    def predict_proba(self, X: np.ndarray, layout: BlockLayout | None = None) -> np.ndarray: ...


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
    kind: str = "html"
    """``html`` (blocks of a page) or ``text`` (lines of plain text); see :data:`KINDS`."""
    context_booster: lgb.Booster | None = None
    """The region model's second look (:mod:`thresher.inference.context`); None without one."""
    body_context_booster: lgb.Booster | None = None
    """The body model's second look: P(body) from the block features plus the same context
    columns as the region model's second look; None without one."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @cached_property
    def feature_names(self) -> list[str]:
        # Cached: predict_proba and extract_text look columns up by name on every page.
        return expected_columns(self.kind, self.feature_config)

    def predict_proba(self, X: np.ndarray, layout: BlockLayout | None = None) -> np.ndarray:
        """Class probabilities, shape (n_blocks, n_labels).

        ``layout`` (the page's containers and templates) is needed by a model with a context
        model; without it such a model raises ModelError rather than quietly score worse.
        """
        if X.shape[0] == 0:
            return np.zeros((0, len(self.labels)))
        with self._lock:  # one booster, many threads: LightGBM predictors are not re-entrant
            p_body = np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)
            if self.region_booster is None:
                return np.column_stack([1.0 - p_body, p_body])
            first = self._first_region_proba(X, p_body)
            if self.context_booster is None and self.body_context_booster is None:
                return first
            if layout is None:
                raise ModelError("this model reads each block's neighbourhood: pass the page's BlockLayout")
            seen = np.hstack([X, region_context(first, layout)])
            first_body = p_body
            if self.body_context_booster is not None:
                second = np.asarray(self.body_context_booster.predict(seen, num_threads=1), dtype=np.float64)
                if self._keeps_body(X, p_body, second):
                    p_body = second
            context = self.context_booster

            def given(rows: np.ndarray) -> np.ndarray:
                if context is not None:
                    return np.asarray(context.predict(seen[rows], num_threads=1))
                return self._first_given(X, rows, first, first_body)

            return combine_region_proba(p_body, given, len(self.labels) - 1, self.inference.region_threshold)

    def _first_given(self, X: np.ndarray, rows: np.ndarray, first: np.ndarray, first_body: np.ndarray) -> np.ndarray:
        """The first region model's P(region | not body) for ``rows``: read back from the first
        look's probabilities where it already ran on the block, predicted only for the blocks
        the body model's second look newly found unsure (a model without a region context
        model would otherwise run its region model twice); called under ``_lock``."""
        assert self.region_booster is not None
        ran = first_body[rows] < self.inference.region_threshold
        out = np.empty((len(rows), len(self.labels) - 1))
        done = rows[ran]
        out[ran] = first[done, 1:] / (1.0 - first_body[done])[:, None]
        if not ran.all():
            out[~ran] = np.asarray(self.region_booster.predict(X[rows[~ran]], num_threads=1))
        return out

    def _keeps_body(self, X: np.ndarray, first: np.ndarray, second: np.ndarray) -> bool:
        """Whether the body model's second look may replace its first on this page.

        It may not when it takes away most of the body the first look found: a story that is
        one long list (readability/ol) reads like a link list to the neighbourhood columns, and
        emptying a page costs more than the second look gains elsewhere."""
        tokens = np.expm1(X[:, self.feature_names.index("log_tokens")])
        threshold = self.inference.body_threshold
        before = float(tokens[first >= threshold].sum())
        after = float(tokens[second >= threshold].sum())
        return before == 0.0 or after >= self.inference.body_context_keep * before

    def _first_region_proba(self, X: np.ndarray, p_body: np.ndarray) -> np.ndarray:
        """The first region model's probabilities (before the context model's second look);
        called under ``_lock``."""
        assert self.region_booster is not None
        regions = self.region_booster
        return combine_region_proba(
            p_body,
            lambda rows: np.asarray(regions.predict(X[rows], num_threads=1)),
            len(self.labels) - 1,
            self.inference.region_threshold,
        )

    def compiled(self, cache_dir: Path | None = None) -> BlockModel:
        """The same model with every booster compiled to native code (:mod:`thresher.inference.compiled`):
        the same probabilities, several times faster.  Needs the ``fast`` extra; the first call
        per model and machine compiles (tens of seconds), later ones load from ``cache_dir``
        (default: the user's cache folder)."""
        from thresher.inference.compiled import CompiledBooster, compile_boosters

        parts = {
            name: booster
            for name in ("booster", "region_booster", "context_booster", "body_context_booster")
            if (booster := getattr(self, name)) is not None and not isinstance(booster, CompiledBooster)
        }
        fast = dict(zip(parts, compile_boosters(list(parts.values()), cache_dir), strict=True))
        return replace(self, **fast, _lock=threading.Lock())

    def model_text(self) -> str:
        return str(self.booster.model_to_string())

    def region_model_text(self) -> str | None:
        return None if self.region_booster is None else str(self.region_booster.model_to_string())

    def context_model_text(self) -> str | None:
        return None if self.context_booster is None else str(self.context_booster.model_to_string())

    def body_context_model_text(self) -> str | None:
        return None if self.body_context_booster is None else str(self.body_context_booster.model_to_string())

    def _part_texts(self) -> dict[str, tuple[str, str | None]]:
        """Checksum key → (file name, model text or None) for every part of the model."""
        return {
            "model_sha256": (MODEL_FILE, self.model_text()),
            "region_model_sha256": (REGION_MODEL_FILE, self.region_model_text()),
            "context_model_sha256": (CONTEXT_MODEL_FILE, self.context_model_text()),
            "body_context_model_sha256": (BODY_CONTEXT_MODEL_FILE, self.body_context_model_text()),
        }

    def checksums(self) -> dict[str, str]:
        """SHA-256 of each part's model text, under the keys ``metadata.json`` uses."""
        return _checksums(self._part_texts())

    def save(self, directory: Path | str) -> Path:
        """Write ``model.txt``, the other parts and ``metadata.json`` into ``directory`` (created if needed)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        parts = self._part_texts()  # serialised once: the region models run to megabytes
        for file_name, part_text in parts.values():
            if part_text is not None:
                (out / file_name).write_text(part_text, encoding="utf-8")
        meta = {
            **self.metadata,
            "format": FORMAT,
            "kind": self.kind,
            "labels": self.labels,
            "feature_names": self.feature_names,
            "feature_config": {
                **self.feature_config.__dict__,
                "context_offsets": list(self.feature_config.context_offsets),
            },
            "inference": dict(self.inference.__dict__),
            **_checksums(parts),
        }
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
        return cls.from_parts(
            model_path.read_text(encoding="utf-8"),
            meta,
            source=str(path),
            region_text=_read_part(path, meta, "region_model_sha256", REGION_MODEL_FILE),
            context_text=_read_part(path, meta, "context_model_sha256", CONTEXT_MODEL_FILE),
            body_context_text=_read_part(path, meta, "body_context_model_sha256", BODY_CONTEXT_MODEL_FILE),
        )

    @classmethod
    def from_parts(
        cls,
        model_text: str,
        meta: dict[str, Any],
        source: str = "<memory>",
        region_text: str | None = None,
        context_text: str | None = None,
        body_context_text: str | None = None,
    ) -> BlockModel:
        if meta.get("format") != FORMAT:
            raise ModelError(f"{source}: unknown model format {meta.get('format')!r}; expected {FORMAT!r}")
        digest = hashlib.sha256(model_text.encode("utf-8")).hexdigest()
        if meta.get("model_sha256") != digest:
            raise ModelError(f"{source}: {MODEL_FILE} does not match the checksum in {METADATA_FILE}")
        feature_config = _feature_config_from(meta)
        kind = str(meta.get("kind", "html"))
        expected = expected_columns(kind, feature_config)
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
        region_booster = context_booster = body_context_booster = None
        if region_text is not None:
            if labels[0] != "body":
                raise ModelError(f"{source}: a region model needs 'body' as the first label")
            region_booster = _part_booster(
                region_text, meta, "region_model_sha256", REGION_MODEL_FILE, source, len(expected)
            )
        n_seen = len(expected) + context_width(len(labels))  # what a second look reads
        if context_text is not None:
            if region_booster is None:
                raise ModelError(f"{source}: a context model needs a region model")
            context_booster = _part_booster(
                context_text, meta, "context_model_sha256", CONTEXT_MODEL_FILE, source, n_seen
            )
        if body_context_text is not None:
            if region_booster is None:
                raise ModelError(f"{source}: a body context model needs a region model")
            body_context_booster = _part_booster(
                body_context_text, meta, "body_context_model_sha256", BODY_CONTEXT_MODEL_FILE, source, n_seen
            )
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
                    "kind",
                    "labels",
                    "feature_names",
                    "feature_config",
                    "inference",
                    "model_sha256",
                    "region_model_sha256",
                    "context_model_sha256",
                    "body_context_model_sha256",
                }
            },
            region_booster=region_booster,
            kind=kind,
            context_booster=context_booster,
            body_context_booster=body_context_booster,
        )


def _checksums(parts: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """SHA-256 of each present part's text, by checksum key."""
    return {
        key: hashlib.sha256(text.encode("utf-8")).hexdigest() for key, (_, text) in parts.items() if text is not None
    }


def _read_part(path: Path, meta: dict[str, Any], checksum_key: str, file_name: str) -> str | None:
    """The text of an optional model file that the metadata names by its checksum (None if unnamed)."""
    if checksum_key not in meta:
        return None
    part = path / file_name
    if not part.is_file():
        raise ModelError(f"{path}: metadata names {file_name} but the file is missing")
    return part.read_text(encoding="utf-8")


def _part_booster(
    text: str, meta: dict[str, Any], checksum_key: str, file_name: str, source: str, n_features: int
) -> lgb.Booster:
    """The booster of an optional model file (region or context model), checked like the main one."""
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != meta.get(checksum_key):
        raise ModelError(f"{source}: {file_name} does not match the checksum in {METADATA_FILE}")
    _check_lightgbm_version(text, source)
    booster = lgb.Booster(model_str=text)
    if booster.num_feature() != n_features:
        raise ModelError(f"{source}: {file_name} expects {booster.num_feature()} features, not {n_features}")
    return booster


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


def default_model_dir(kind: str = "html") -> Path:
    """The folder of the model of this kind that ships inside the package."""
    name = "default_model" if kind == "html" else "default_text_model"
    return Path(str(resources.files("thresher.inference") / name))


_CACHE: dict[str, BlockModel] = {}
_COMPILED: dict[tuple[str, str], BlockModel] = {}
"""Compiled models by (folder or URI, kind), as ``_CACHE`` holds the plain ones."""
_CACHE_LOCK = threading.Lock()


def load_model(
    source: BlockModel | Path | str | None = None, kind: str = "html", *, compiled: bool = False
) -> BlockModel:
    """Resolve a model: an instance, a model folder, an MLflow ``models:/`` or ``runs:/`` URI
    (``models:/thresher@champion``: the registered version with that alias), or None for the
    shipped default of ``kind``.  Folders and URIs are loaded once per process and reused.
    ``compiled`` gives the model compiled to native code (:meth:`BlockModel.compiled`), also
    kept once per process for folders and URIs.  Raises ModelError when the model reads
    another kind of input than ``kind``, or when ``compiled`` is asked for without the
    ``fast`` extra."""
    if compiled and not isinstance(source, BlockModel):
        key = str(source) if source is not None else str(default_model_dir(kind))
        fast = _COMPILED.get((key, kind))
        if fast is None:
            fast = _check_kind(_resolve(source, kind), kind, source).compiled()
            with _CACHE_LOCK:
                fast = _COMPILED.setdefault((key, kind), fast)
        return fast
    model = _check_kind(_resolve(source, kind), kind, source)
    return model.compiled() if compiled else model


def _check_kind(model: BlockModel, kind: str, source: object) -> BlockModel:
    if model.kind != kind:
        raise ModelError(f"{source} is a model for {model.kind} input, not {kind}")
    return model


def _resolve(source: BlockModel | Path | str | None, kind: str) -> BlockModel:
    if isinstance(source, BlockModel):
        return source
    key = str(source) if source is not None else str(default_model_dir(kind))
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
        # models:/ URIs are resolved against MLflow's process-wide registry URI whatever
        # download_artifacts is told, so point it at the same store first.
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
