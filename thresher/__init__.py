"""thresher: separate the story on a web page from its boilerplate and link farms.

>>> from thresher import extract
>>> result = extract(html_bytes, url="https://example.org/story")
>>> result.text, result.title, result.blocks[0].label
>>> from thresher import extract_text  # text a naive extractor already produced
>>> extract_text(open("page.txt").read()).text
>>> fast = load_model(compiled=True)  # native-code models (the ``fast`` extra) for batch jobs
>>> extract(html_bytes, model=fast).text  # the same text, about 1.6x the pages/s
>>> for page in read_warc("crawl.warc.gz"):  # the HTML responses of a web archive
...     extract(page.content, url=page.url, http_charset=page.http_charset).text

Stages (one folder each): ``thresher.features`` (bytes → document → blocks → features),
``thresher.training`` (labels, LightGBM, MLflow), ``thresher.inference`` (model, extract, CLI).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from thresher.config import DEFAULT_CONFIG, Config
from thresher.errors import CorpusError, InputError, ModelError, ThresherError
from thresher.inference.extract import ExtractedBlock, Extraction, extract
from thresher.inference.extract_text import extract_text
from thresher.inference.model import BlockModel, load_model
from thresher.inference.warc import WarcPage, read_warc

try:
    __version__ = version("thresher")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_CONFIG",
    "BlockModel",
    "Config",
    "CorpusError",
    "ExtractedBlock",
    "Extraction",
    "InputError",
    "ModelError",
    "ThresherError",
    "WarcPage",
    "__version__",
    "extract",
    "extract_text",
    "load_model",
    "read_warc",
]
