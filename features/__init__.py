"""thresher.features: bytes → :class:`Document` → :class:`Block` list → feature matrix."""

from thresher.features.blocks import Block, segment
from thresher.features.document import Document, parse
from thresher.features.registry import REGISTRY, column_names, feature_matrix

__all__ = ["REGISTRY", "Block", "Document", "column_names", "feature_matrix", "parse", "segment"]
