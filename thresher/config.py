"""All tunable settings in one typed object.

Every stage takes a :class:`Config` (or uses :data:`DEFAULT_CONFIG`); there are no
module-level knobs elsewhere.  The values that change a model's features are recorded
in the model's metadata, so a model is always applied with the settings it was trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, get_args, get_origin, get_type_hints

from thresher.errors import ThresherError


@dataclass(frozen=True)
class SegmentationConfig:
    """How a page is cut into blocks."""

    max_input_bytes: int = 50_000_000
    """Pages larger than this are refused with an InputError (a 20 MB page is accepted)."""
    max_blocks: int = 20_000
    """Blocks beyond this count are dropped (pathological pages); the text before is kept."""
    drop_hidden: bool = True
    """Skip elements hidden with ``hidden``, ``aria-hidden="true"`` or ``display:none``."""
    noscript_min_chars: int = 200
    """A ``<noscript>`` is skipped unless it holds at least this much text and more than the rest
    of the page (forums that render posts with JavaScript; pages whose unclosed tag inside a
    ``<noscript>`` swallows the rest in libxml2)."""
    hidden_page_ratio: float = 5.0
    """A hidden element is read after all when it holds at least ``noscript_min_chars`` of text
    and this many times the text of the page outside hidden elements: the story of such a page
    sits in a tab, modal or app shell that a script reveals (0: never)."""


@dataclass(frozen=True)
class FeatureConfig:
    """Settings that change the feature matrix (stored in the model metadata)."""

    own_attr_buckets: int = 128
    """Hash buckets for the class/id tokens of a block's own element."""
    ancestor_attr_buckets: int = 256
    """Hash buckets for the class/id tokens of a block's ancestors."""
    heading_buckets: int = 16
    """Hash buckets for the words of the nearest heading above a block."""
    own_word_buckets: int = 256
    """Hash buckets for the first words of a short block's own text ("Share on", "Posted by")."""
    context_offsets: tuple[int, ...] = (-2, -1, 1, 2)
    """Neighbouring blocks whose features are copied onto each block."""
    short_link_tokens: int = 20
    """A block with at most this many tokens, mostly link text, is a 'short link item'."""
    line_context_offsets: tuple[int, ...] = (-2, -1, 1, 2)
    """Plain-text mode: neighbouring lines whose features are copied onto each line."""
    headline_max_tokens: int = 30
    """Plain-text mode: a line this short without sentence-end punctuation looks like a headline."""
    line_word_buckets: int = 128
    """Plain-text mode: hash buckets for the first words of a line ("Leave a reply", "Tags:")."""


@dataclass(frozen=True)
class TrainingConfig:
    """LightGBM and cross-validation settings."""

    seed: int = 42
    n_folds: int = 5
    num_boost_round: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    num_threads: int = 2
    """Threads for training; LightGBM's deterministic mode gives the same model for the same count."""
    body_token_share: float = 0.5
    """A block is labelled body when at least this share of its tokens aligns to the truth."""
    min_truth_coverage: float = 0.9
    """Pages whose truth text is less covered by the page (JS-rendered pages) are not trained on."""
    regions: bool = True
    """Also train the region model that names the kind of each non-body block."""
    region_rounds: int = 120
    region_learning_rate: float = 0.1
    region_num_leaves: int = 31
    """Leaves per tree of the multi-class region models (first look and context).  More leaves
    name regions better but extract slower (1,723 gold pages, 5 folds by site; benchmark
    pages/s of ``extract()`` on 300 corpus pages; class/id pieces then in 32 / 64 buckets):
    31 leaves macro-F1 0.751 at 28.0 pages/s, 63 leaves 0.757 at 23.3, 127 leaves 0.761 at
    18.5.  With 128 / 256 buckets, 31 leaves reach 0.760 and 63 add 0.001 in the first look
    alone.  The default keeps the speed."""
    region_context: bool = True
    """Also train the context model: a second region model that reads the first one's
    probabilities around each block (:mod:`thresher.inference.context`).  It learns from the
    first model's out-of-fold probabilities, so training fits ``context_folds`` more body and
    region models.  Held-out region macro-F1 0.694 -> 0.706 on 652 gold pages."""
    body_context: bool = True
    """Also train the body model's second look: P(body) from the block features plus the
    same context columns (out-of-fold like the context model).  On 945 gold pages it lifts
    gold body F1 0.868 -> 0.876 and main F1 on modern-2025 0.808 -> 0.816; with the guard
    ``InferenceConfig.body_context_keep`` readability main F1 stays at 0.960 (0.952 without)."""
    context_folds: int = 4
    """Site-grouped folds for the first model's out-of-fold probabilities."""
    gold_weight: float = 1.0
    """Weight of a hand-labelled gold block in the region model."""
    gold_body_weight: float = 3.0
    """On gold pages the body model learns the hand labels (body or not) instead of the labels
    derived from the corpus truth, at this many times the block's weight (0 keeps the derived
    labels).  Held-out gold body F1 0.845 -> 0.851, main-text F1 up on all three datasets."""
    weak_region_rules: tuple[str, ...] = ("comments",)
    """Weak rules whose labels train the region model besides the gold pages.  Only the comment
    rule: with 234 gold pages the other rules' labels cost more than they add (measured:
    region macro-F1 0.595 with six rules, 0.605 with this one)."""
    weak_region_rules_without_gold: tuple[str, ...] = (
        "ads_share",
        "comments",
        "navigation",
        "title",
        "form",
        "footer",
    )
    """The weak rules used instead when the training pages hold no gold labels at all (a user's
    own corpus): the most precise against our gold set (652 pages: title 0.92, navigation
    0.82, comments 0.80, ads_share 0.77, footer 0.71) plus form (0.41), the only rule that
    teaches comment_form."""
    region_class_balance: float = 0.5
    """Region model: each class's weight is scaled by (mean class weight / class weight) ** this,
    so rare labels (suggested, comments) count; 0 turns it off (measured: macro-F1 0.605 → 0.617)."""
    weak_region_weight: float = 0.05
    """Weight of weak region labels, times the page weight."""
    page_weight_power: float = 0.5
    """Each page's blocks weigh ``page_weight_scale / n ** power`` (n: its labelled blocks)."""
    page_weight_scale: float = 10.0
    text_num_boost_round: int = 200
    """Plain-text line model: boosting rounds of its body model (lines are many and cheap features)."""
    text_region_rounds: int = 60
    text_n_folds: int = 3
    """Plain-text line model: cross-validation folds (by site); three renderings per page make it costly."""
    snippet_unlabelled_weight: float = 0.0
    """Weight of blocks that no snippet labels on snippet-only datasets (0 = left out)."""

    def lightgbm_params(
        self, n_classes: int, learning_rate: float | None = None, num_leaves: int | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "learning_rate": learning_rate or self.learning_rate,
            "num_leaves": num_leaves or self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }
        if n_classes > 2:
            params.update(objective="multiclass", num_class=n_classes, metric="multi_logloss")
        else:
            params.update(objective="binary", metric="binary_logloss")
        return params


@dataclass(frozen=True)
class InferenceConfig:
    """How block probabilities become labels and text."""

    body_threshold: float = 0.5
    """A block is body when its body probability is at least this."""
    gap_threshold: float = 0.25
    """A block between two body blocks is body too when its probability is at least this."""
    empty_body_ratio: float = 0.5
    """When no block reaches ``body_threshold``, the blocks whose body probability is at least
    this share of the page's highest are body (0 turns this off): on a page the model doubts,
    its most story-like blocks serve a corpus builder better than an empty text.  On held-out
    sites this fills the 5 of 1,908 corpus pages that came out empty; 4 of them gain story text
    (main-text recall 0.08 to 0.75; modern-2025 main F1 0.8165 → 0.8191, the other datasets do
    not move)."""
    empty_body_floor: float = 0.1
    """...but only blocks with at least this body probability: a page the model is sure has
    no story (a menu, an error page) stays empty.  The pages it fills had a best block of 0.16
    to 0.47."""
    region_threshold: float = 0.9
    """The region model runs on blocks whose body probability is below this (the rest are body)."""
    body_context_keep: float = 0.3
    """The body model's second look is used on a page only when it keeps at least this share
    of the body tokens the first look found (else the first look stands).  On 945 gold pages
    it reverts 15 pages and keeps readability main F1 at 0.960 (0.952 unguarded)."""
    run_blend: float = 0.4
    """Plain text only: a line's non-body probabilities move this share of the way towards
    their mean over its run of headline-like lines (the text's stand-in for a list element),
    so one odd item in a headline list takes the list's label.  First chosen (0.3) on held-out
    gold lines before the list-label line features, macro-F1 (paragraphs rendering): 0 → 0.460,
    0.3 → 0.461, 0.5 → 0.456, a hard vote 0.443.  Raised to 0.4 when the line model stopped
    hashing prose lines' words: at 0.3 the last of the founding text's 30 latest items came out
    ``footer`` (the end of a text is usually a footer), at 0.4 it is ``latest``; held-out macro-F1
    0.5124 → 0.5117 (paragraphs), 0.5054 → 0.5034 (bare), 0.4920 → 0.4918 (joined), text unchanged."""
    title_threshold: float = 0.1
    """A page has one headline: the non-body block with the highest title probability is
    ``title`` when that probability reaches this, and no other block is (0.1-0.3 score alike
    on gold pages)."""


@dataclass(frozen=True)
class Config:
    segmentation: SegmentationConfig = field(default_factory=SegmentationConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_CONFIG = Config()

TRAINABLE_SECTIONS = ("features", "training", "inference")
"""Sections a training run may override: a model records its feature and inference settings,
and training settings are logged with the run.  Segmentation is not recorded in a model (it
is an argument of ``extract``), so a model trained with other segmentation settings would be
applied with the defaults; overriding it at training time is refused."""


def with_overrides(config: Config, settings: Iterable[str], sections: Sequence[str] = TRAINABLE_SECTIONS) -> Config:
    """``config`` with ``section.field=value`` settings applied, as ``thresher train --set`` takes them.

    Values are read by the field's type: ``training.region_num_leaves=127``,
    ``inference.body_threshold=0.4``, ``training.regions=false``,
    ``training.weak_region_rules=comments,navigation`` (tuples are comma-separated; an empty
    value is the empty tuple).  Raises :class:`~thresher.errors.ThresherError` for an unknown
    section or field, a section outside ``sections``, or a value of the wrong type.
    """
    for setting in settings:
        path, sep, raw = setting.partition("=")
        section_name, dot, name = path.strip().partition(".")
        if not sep or not dot or not name:
            raise ThresherError(f"setting {setting!r} is not of the form section.field=value")
        if section_name not in sections:
            allowed = ", ".join(sections)
            raise ThresherError(f"setting {setting!r}: section {section_name!r} cannot be set here (only {allowed})")
        section = getattr(config, section_name)
        types = get_type_hints(type(section))
        if name not in types:
            known = ", ".join(sorted(types))
            raise ThresherError(f"setting {setting!r}: {section_name} has no field {name!r} (fields: {known})")
        value = _parse_value(types[name], raw.strip(), setting)
        config = replace(config, **{section_name: replace(section, **{name: value})})
    return config


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _parse_value(kind: Any, raw: str, setting: str) -> Any:
    """``raw`` read as a value of type ``kind`` (bool, int, float, str or a tuple of those)."""
    if get_origin(kind) is tuple:
        (item, _ellipsis) = get_args(kind)
        return tuple(_parse_value(item, part.strip(), setting) for part in raw.split(",") if part.strip())
    if kind is bool:
        if raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
    elif kind in (int, float, str):
        try:
            return kind(raw)
        except ValueError:
            pass
    else:
        raise ThresherError(f"setting {setting!r}: fields of type {kind} cannot be set from text")
    raise ThresherError(f"setting {setting!r}: {raw!r} is not of type {kind.__name__}")
