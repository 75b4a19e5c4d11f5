"""Backend selection: what each configured backend resolves to, and the errors that say why not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.registry import ModelError, resolve
from models.runtime import (
    BACKENDS,
    GPU_PROVIDERS,
    cuda_device_count,
    model_file,
    onnx_model,
    onnx_providers,
    onnx_session,
    openvino_devices,
    resolve_backend,
)

HAS_CUDA = GPU_PROVIDERS["cuda"] in onnx_providers() and cuda_device_count() > 0


def test_auto_is_cuda_only_with_a_cuda_onnx_runtime_and_a_gpu() -> None:
    assert resolve_backend("auto") == ("cuda" if HAS_CUDA else "native")


@pytest.mark.parametrize(
    ("backend", "expected"),
    [("native", "native"), ("openvino", "openvino")],
)
def test_cpu_backends_resolve_to_themselves(backend: str, expected: str) -> None:
    assert resolve_backend(backend) == expected


@pytest.mark.parametrize("backend", sorted(GPU_PROVIDERS))
def test_a_gpu_backend_without_its_provider_is_an_error(backend: str) -> None:
    if GPU_PROVIDERS[backend] in onnx_providers():
        pytest.skip(f"{GPU_PROVIDERS[backend]} is available here")
    with pytest.raises(ModelError) as caught:
        resolve_backend(backend)
    message = str(caught.value)
    assert message.startswith(f"models.backend: {backend!r} needs")
    assert "pip install onnxruntime-gpu" in message and "NVIDIA GPU" in message
    assert "\n" not in message
    assert ", ".join(onnx_providers()) in message


@pytest.mark.parametrize("backend", ["", "gpu", "NATIVE"], ids=["empty", "unknown", "case"])
def test_unknown_backend_is_an_error(backend: str) -> None:
    with pytest.raises(ModelError, match=r"models\.backend: unknown"):
        resolve_backend(backend)


def test_every_backend_is_listed_and_openvino_has_a_cpu() -> None:
    assert BACKENDS == ("auto", "native", "openvino", "cuda", "tensorrt")
    assert "CPU" in openvino_devices()


def test_onnx_session_refuses_a_missing_gpu() -> None:
    if HAS_CUDA:
        pytest.skip("CUDAExecutionProvider is available here")
    with pytest.raises(ModelError, match=r"models\.backend: 'cuda'"):
        onnx_session(resolve("yolov8-fall").path, "cuda", threads=1)


def test_openvino_and_onnx_runtime_agree_on_the_fall_model() -> None:
    path = resolve("yolov8-fall").path
    on_ort, on_openvino = onnx_model(path, "native", 1), onnx_model(path, "openvino", 1)
    assert (
        on_openvino.metadata()["names"] == on_ort.metadata()["names"] == "{0: 'Normal', 1: 'Fall'}"
    )
    blob = np.random.default_rng(7).random((1, 3, 640, 640), np.float32)
    expected = on_ort.run(blob)
    found = on_openvino.run(blob)
    assert found.shape == expected.shape == (1, 6, 8400)
    np.testing.assert_allclose(found, expected, atol=0.05)


def test_a_bundle_member_is_extracted_once(tmp_path: Path) -> None:
    pose = resolve("movenet-multipose")
    path = model_file(pose, ".tflite", tmp_path)
    assert path.parent == tmp_path and path.read_bytes() == pose.read_bytes()
    stamp = path.stat().st_mtime_ns
    assert model_file(pose, ".tflite", tmp_path) == path and path.stat().st_mtime_ns == stamp
    fall = resolve("yolov8-fall")
    assert model_file(fall, ".onnx", tmp_path) == fall.path, "a plain file is used in place"
