"""Boosters compiled to native code by lleaves (the optional ``fast`` extra).

LightGBM walks its trees in an interpreter loop; lleaves compiles the same model text with
LLVM into a function that gives the same numbers (to within 2e-15 on the shipped model) in
a fraction of the time.  The region models hold 1,200 trees each and take about 40 % of
thresher's time per page, so a batch job over many pages wants them compiled.

Compiling costs tens of seconds and about a gigabyte of memory per region model, which LLVM
does not hand back, so it runs in child processes (``python -m thresher.inference.compiled``,
one per CPU core at a time) that write the result to an on-disk cache.  The cache is keyed by
the model text's SHA-256, the lleaves and llvmlite versions and the host CPU, and every
process loads from it in milliseconds.  A :class:`CompiledBooster` is still an
``lgb.Booster`` (built from the same model text), so saving, checksums and every other
predict mode keep working; only plain probability predictions take the compiled path.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from thresher.errors import ModelError

INSTALL_HINT = "compiled models need the 'fast' extra: pip install 'thresher[fast]'"
INLINE = False
"""lleaves' ``finline``: inlining the trees makes predictions about 1.5x faster still, but
compiling a 1,200-tree region model takes 62 s instead of 16 s (measured on this project's
machine), and at thresher's page sizes the gain is about 2 % of the time per page."""


class CompiledBooster(lgb.Booster):
    """An ``lgb.Booster`` whose probability predictions run a compiled ``lleaves.Model``."""

    def __init__(self, model_text: str, compiled: Any) -> None:
        super().__init__(model_str=model_text)
        self._compiled = compiled

    def predict(self, data: Any, *args: Any, num_threads: int = 1, **kwargs: Any) -> Any:
        """Probabilities from the compiled model; raw scores, leaves and contributions (any
        other argument) from LightGBM itself."""
        if args or kwargs or not isinstance(data, np.ndarray):
            return super().predict(data, *args, num_threads=num_threads, **kwargs)
        return self._compiled.predict(data, n_jobs=num_threads if num_threads > 0 else os.cpu_count())


def default_cache_dir() -> Path:
    """Where compiled models are kept: the user's cache folder (``platformdirs``)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("thresher")) / "compiled"


def compile_boosters(boosters: Sequence[lgb.Booster], cache_dir: Path | None = None) -> list[CompiledBooster]:
    """Each booster compiled, from ``cache_dir`` (default: :func:`default_cache_dir`) where it is
    there, else compiled into it first.  Raises ModelError without the ``fast`` extra or when
    the cache folder cannot be written."""
    try:
        import lleaves
    except ImportError as exc:
        raise ModelError(INSTALL_HINT) from exc
    folder = cache_dir or default_cache_dir()
    texts = [str(b.model_to_string()) for b in boosters]
    host = _host_key()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files = [_cache_files(text, folder, host) for text in texts]
        _compile_missing(sorted({pair for pair in files if not pair[1].is_file()}))
        loaded = [_load(lleaves, model_file, binary) for model_file, binary in files]
    except OSError as exc:
        raise ModelError(f"cannot keep compiled models in {folder}: {exc}; pass another cache_dir") from exc
    return [CompiledBooster(text, c) for text, c in zip(texts, loaded, strict=True)]


def _host_key() -> str:
    """What a compiled model depends on besides its text: compiler versions and target CPU
    (a binary built for another CPU could crash)."""
    from importlib.metadata import version

    import llvmlite
    import llvmlite.binding as llvm

    parts = [
        version("lleaves"),
        llvmlite.__version__,
        platform.machine(),
        llvm.get_host_cpu_name(),
        llvm.get_host_cpu_features().flatten(),
        f"inline={INLINE}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _cache_files(text: str, folder: Path, host: str) -> tuple[Path, Path]:
    """The model text's file in the cache (written if missing) and where its binary goes;
    ``host`` is :func:`_host_key`."""
    key = f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}-{host}"
    model_file, binary = folder / f"{key}.txt", folder / f"{key}.so"
    if not model_file.is_file() or model_file.read_text(encoding="utf-8") != text:
        _write_atomically(model_file, text.encode("utf-8"))
    return model_file, binary


def _compile_missing(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Compile each (model file, binary) in a child process, as many at once as there are
    cores, the largest models first."""
    from concurrent.futures import ThreadPoolExecutor

    def compile_one(pair: tuple[Path, Path]) -> str | None:
        model_file, binary = pair
        child = subprocess.run(
            [sys.executable, "-m", "thresher.inference.compiled", str(model_file), str(binary)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if child.returncode == 0:
            return None
        tail = child.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        return f"lleaves could not compile {binary.name} ({tail[0]}); {INSTALL_HINT}"

    largest_first = sorted(pairs, key=lambda pair: pair[0].stat().st_size, reverse=True)
    with ThreadPoolExecutor(max_workers=max(1, min(len(pairs), os.cpu_count() or 1))) as pool:
        errors = [e for e in pool.map(compile_one, largest_first) if e is not None]
    if errors:
        raise ModelError(errors[0])


def _load(lleaves: Any, model_file: Path, binary: Path) -> Any:
    model = lleaves.Model(model_file=str(model_file))
    model.compile(cache=str(binary), finline=INLINE)  # reads the binary: nothing is compiled here
    return model


def _write_atomically(path: Path, data: bytes) -> None:
    fd, scratch = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(scratch, path)


def _compile_to(model_file: Path, binary: Path) -> None:
    """Compile one model file; the binary is written under a scratch name and renamed into
    place, so processes that compile the same model at once never read a half-written file."""
    import lleaves

    fd, scratch = tempfile.mkstemp(dir=binary.parent, suffix=".so.part")
    os.close(fd)
    os.unlink(scratch)  # lleaves writes its cache only where no file is yet
    try:
        lleaves.Model(model_file=str(model_file)).compile(cache=scratch, finline=INLINE)
        os.replace(scratch, binary)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)


if __name__ == "__main__":  # the child process of _compile_missing
    _compile_to(Path(sys.argv[1]), Path(sys.argv[2]))
