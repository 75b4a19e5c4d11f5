"""The model registry resolves the packaged weights, verifies checksums and explains failures."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from models.registry import KNOWN_MODELS, ModelError, list_models, resolve


def test_packaged_pose_model_resolves_and_verifies() -> None:
    model = resolve("movenet-multipose")
    assert model.source == "package"
    assert model.sha256 == KNOWN_MODELS["movenet-multipose"].sha256
    assert model.read_bytes()[4:8] == b"TFL3", "a TFLite flatbuffer"


def test_list_models_reports_every_known_model() -> None:
    names = {m.spec.name if not isinstance(m, ModelError) else "missing" for m in list_models()}
    assert {"movenet-multipose", "nfd-bundle", "yolov8-fall"} <= names


@pytest.mark.parametrize(
    ("name", "path", "message"),
    [
        ("no-such-model", None, "unknown model 'no-such-model'"),
        ("movenet-multipose", "/nonexistent/x.nfd", "does not exist"),
    ],
)
def test_errors_say_what_is_wrong(name: str, path: str | None, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        resolve(name, path)


def test_missing_package_names_it() -> None:
    spec = KNOWN_MODELS["yolov8-fire"]
    try:
        resolve(spec.name)
    except ModelError as error:
        assert "fire-detector" in str(error)


def test_operator_bundle_by_path(tmp_path: Path) -> None:
    bundle = tmp_path / "own.nfd"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("models/movenet.tflite", b"not really a model")
    model = resolve("movenet-multipose", bundle)
    assert model.source == "path" and model.read_bytes() == b"not really a model"
    with zipfile.ZipFile(tmp_path / "empty.nfd", "w"):
        pass
    with pytest.raises(ModelError, match="not a bundle holding"):
        resolve("movenet-multipose", tmp_path / "empty.nfd")
