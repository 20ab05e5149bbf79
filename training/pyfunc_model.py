"""MLflow "models from code" definition of the thresher pyfunc model.

MLflow logs this file as the model's code (no pickle): loading it builds
:class:`ThresherPyfunc`, which reads the native LightGBM model from the logged
``thresher_model`` artifact folder.  Input: a DataFrame with an ``html`` column (and an
optional ``url`` column); output: one row per page with ``text``, ``title`` and ``labels``
(the region label of every block, in document order).
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class ThresherPyfunc(PythonModel):
    def load_context(self, context: Any) -> None:
        from thresher.inference.model import BlockModel

        self.model = BlockModel.load(context.artifacts["thresher_model"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        from thresher.errors import ThresherError
        from thresher.inference.extract import extract

        urls = model_input["url"] if "url" in model_input else [None] * len(model_input)
        rows = []
        for html, url in zip(model_input["html"], urls, strict=True):
            try:
                result = extract(html, url if isinstance(url, str) and url else None, model=self.model)
                rows.append({"text": result.text, "title": result.title, "labels": [b.label for b in result.blocks]})
            except ThresherError as exc:
                rows.append({"text": "", "title": "", "labels": [], "error": str(exc)})
        out = pd.DataFrame(rows, columns=["text", "title", "labels"])
        return out


mlflow.models.set_model(ThresherPyfunc())
