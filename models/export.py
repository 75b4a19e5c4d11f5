"""Convert a packaged YOLO checkpoint to ONNX once per (file, input size) and cache the result."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from models.registry import ModelError, ResolvedModel

CACHE_ENV = "CAREWATCH_CACHE"
EXPORT_REVISION = 1  # raise when the converter's output changes, so old exports are not reused


def default_cache_dir() -> Path:
    """$CAREWATCH_CACHE, else ~/.cache/carewatch/models."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "carewatch" / "models"


def cached_onnx_path(model: ResolvedModel, input_size_px: int, cache_dir: Path) -> Path:
    """Where this converter's export of this exact file (by SHA-256) at this size is kept."""
    name = f"{model.spec.name}-{model.sha256[:12]}-{input_size_px}-r{EXPORT_REVISION}.onnx"
    return cache_dir / name


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write beside the target and rename, so readers never see a half-written model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def exported_onnx(model: ResolvedModel, input_size_px: int, cache_dir: Path | None = None) -> Path:
    """The ONNX export of a YOLO .pt checkpoint: converted on first use, then reused.

    Raises ModelError if the checkpoint cannot be read or holds an unsupported layer.
    """
    from models.torch_checkpoint import load_checkpoint
    from models.yolo_onnx import export_yolo_detector

    path = cached_onnx_path(model, input_size_px, cache_dir or default_cache_dir())
    if path.is_file():
        return path
    payload = export_yolo_detector(load_checkpoint(model.path), input_size_px)
    try:
        _write_atomically(path, payload)
    except OSError as error:
        raise ModelError(f"cannot cache the ONNX export at {path}: {error}") from error
    return path
