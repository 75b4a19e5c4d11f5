"""models.backend in the vision loaders: config values, OpenVINO against ONNX Runtime, GPU errors"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from models.registry import ModelError
from models.runtime import GPU_PROVIDERS, onnx_providers
from vision.config import ModelsConfig
from vision.fallen import load_fall_classifier
from vision.fire import load_fire_detector


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, None),
        ("native", None),
        ("openvino", None),
        ("tensorrt", None),
        ("", "Input should be 'auto', 'native', 'openvino', 'cuda' or 'tensorrt'"),
        ("gpu", "Input should be 'auto', 'native', 'openvino', 'cuda' or 'tensorrt'"),
    ],
    ids=["default", "native", "openvino", "tensorrt", "empty", "unknown"],
)
def test_config_accepts_only_known_backends(value: str | None, error: str | None) -> None:
    fields = {} if value is None else {"backend": value}
    if error is None:
        assert ModelsConfig.model_validate(fields).backend == (value or "auto")
        return
    with pytest.raises(ValidationError) as caught:
        ModelsConfig.model_validate(fields)
    (problem,) = caught.value.errors()
    assert problem["loc"] == ("backend",) and problem["msg"] == error


def test_settings_error_names_the_field_path() -> None:
    from carewatch.config import ConfigError, parse_settings

    settings = {
        "facilities": [{"id": "home", "name": "Home"}],
        "cameras": [{"id": "hall", "name": "Hall", "facility": "home", "source": {"type": "demo"}}],
        "models": {"backend": "gpu"},
    }
    with pytest.raises(ConfigError, match=r"^my\.yaml: models\.backend: Input should be"):
        parse_settings(settings, "my.yaml")


LOADERS: dict[str, Callable[[str], object]] = {
    "fall": lambda backend: load_fall_classifier(1, backend),
    "fire": lambda backend: load_fire_detector(1, backend=backend),
}


@pytest.mark.parametrize("backend", sorted(GPU_PROVIDERS))
@pytest.mark.parametrize("model", sorted(LOADERS))
def test_yolo_loaders_refuse_a_missing_gpu(model: str, backend: str) -> None:
    if GPU_PROVIDERS[backend] in onnx_providers():
        pytest.skip(f"{GPU_PROVIDERS[backend]} is available here")
    with pytest.raises(ModelError, match=rf"^models\.backend: '{backend}' needs .*onnxruntime-gpu"):
        LOADERS[model](backend)


def test_openvino_fall_model_finds_the_same_boxes(walking_frame: np.ndarray) -> None:
    native, openvino = load_fall_classifier(1, "native"), load_fall_classifier(1, "openvino")
    assert (native.version, openvino.version) == ("yolov8-fall@0.1.2", "yolov8-fall@0.1.2/openvino")
    expected, found = native.classify(walking_frame), openvino.classify(walking_frame)
    assert len(expected.fall_scores) == len(found.fall_scores) == 1, "one person walks"
    np.testing.assert_allclose(found.boxes_xyxy, expected.boxes_xyxy, atol=0.005)
    np.testing.assert_allclose(found.fall_scores, expected.fall_scores, atol=0.01)
    np.testing.assert_allclose(found.normal_scores, expected.normal_scores, atol=0.01)


def test_openvino_fire_model_reads_its_class_names(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    if importlib.util.find_spec("fire_detector") is None:
        pytest.skip("fire-detector is not installed (pip install --no-deps fire-detector)")
    detector = load_fire_detector(1, cache_dir=tmp_path, backend="openvino")
    assert detector.names == ["smoke", "fire"] and detector.version.endswith("/openvino")
    found = detector.detect(np.full((240, 320, 3), 128, np.uint8))
    assert found.labels == [], "a flat grey picture holds no fire"
