"""The torch-free YOLOv8 -> ONNX converter against ultralytics' own export, and its cache."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.registry import ModelError, ResolvedModel, resolve
from models.torch_checkpoint import Module, load_checkpoint, stub_class

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from models.export import (  # noqa: E402
    EXPORT_REVISION,
    cached_onnx_path,
    default_cache_dir,
    exported_onnx,
)
from models.yolo_onnx import _Graph, _unary, class_names, export_yolo_detector  # noqa: E402

FALL_CLIP = "assist-iot/fall/05_vertical_fall_faint.mp4"


def packaged(name: str) -> ResolvedModel:
    try:
        return resolve(name)
    except ModelError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def fall_checkpoint() -> dict[str, Any]:
    return load_checkpoint(packaged("yolov8-fall").path.with_name("best.pt"))


@pytest.fixture(scope="module")
def fall_onnx(fall_checkpoint: dict[str, Any]) -> bytes:
    return export_yolo_detector(fall_checkpoint, 640)


def first_frame_blob(clip: Path) -> np.ndarray:
    import av

    from vision.yolo import yolo_blob

    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    return yolo_blob(frame, 640)[0]


def run(model: bytes | str, blob: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"images": blob})[0]


def test_fall_model_reproduces_ultralytics_export(fall_onnx: bytes, eval_dir: Path) -> None:
    blob = first_frame_blob(eval_dir / FALL_CLIP)
    reference = run(str(packaged("yolov8-fall").path), blob)
    ours = run(fall_onnx, blob)
    assert ours.shape == reference.shape == (1, 6, 8400)
    # Seen: 0.0012 px on boxes and 1.2e-6 on scores (float32 summation order only).
    np.testing.assert_allclose(ours[:, :4], reference[:, :4], atol=0.02)
    np.testing.assert_allclose(ours[:, 4:], reference[:, 4:], atol=1e-4)
    assert reference[0, 4:].max() > 0.5, "the frame must hold a confident person"


def test_graph_is_valid_float32_with_names(fall_onnx: bytes) -> None:
    proto = onnx.load_from_string(fall_onnx)
    assert [i.name for i in proto.graph.input] == ["images"]
    assert [o.name for o in proto.graph.output] == ["output0"]
    assert {t.data_type for t in proto.graph.initializer} <= {1, 7}  # float32, int64 shapes
    assert "BatchNormalization" not in {node.op_type for node in proto.graph.node}
    assert {p.key: p.value for p in proto.metadata_props}["names"] == "{0: 'Normal', 1: 'Fall'}"


@pytest.mark.parametrize(
    ("size_px", "shape"),
    [(320, (1, 6, 2100)), (480, (1, 6, 4725)), (0, "multiple of 32"), (641, "multiple of 32")],
)
def test_input_sizes(fall_checkpoint: dict[str, Any], size_px: int, shape: Any) -> None:
    if isinstance(shape, str):
        with pytest.raises(ModelError, match=shape):
            export_yolo_detector(fall_checkpoint, size_px)
        return
    blob = np.zeros((1, 3, size_px, size_px), np.float32)
    assert run(export_yolo_detector(fall_checkpoint, size_px), blob).shape == shape


def test_unsupported_layer_is_named() -> None:
    checkpoint = load_checkpoint(packaged("yolov8-fall").path.with_name("best.pt"))
    layers = checkpoint["model"].child("model").attr("_modules")
    odd = stub_class("ultralytics.nn.modules.block.C3k2")()
    odd.__setstate__({"f": -1, "i": 8, "_modules": OrderedDict()})
    layers["8"] = odd
    with pytest.raises(ModelError, match=r"ultralytics\.nn\.modules\.block\.C3k2 is not supported"):
        export_yolo_detector(checkpoint, 640)


@pytest.mark.parametrize(
    ("checkpoint", "expected"),
    [({}, "holds no model"), ({"model": "weights"}, "holds no model")],
)
def test_checkpoint_without_model(checkpoint: dict[str, Any], expected: str) -> None:
    with pytest.raises(ModelError, match=expected):
        class_names(checkpoint)


def test_class_names(fall_checkpoint: dict[str, Any]) -> None:
    assert class_names(fall_checkpoint) == ["Normal", "Fall"]


def _conv_bn(x: np.ndarray, conv: Module, bn: Module, relu: bool) -> np.ndarray:
    """Conv2d (stride 1, same padding) + BatchNorm2d (+ ReLU) in float64, from the weights."""
    weight = conv.param("weight").astype(np.float64)  # type: ignore[union-attr]
    pad = weight.shape[-1] // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, weight.shape[2:], axis=(1, 2))
    y = np.einsum("chwij,ocij->ohw", windows, weight)
    mean, var, gamma, beta = (
        bn.param(k).astype(np.float64)  # type: ignore[union-attr]
        for k in ("running_mean", "running_var", "weight", "bias")
    )
    y = (y - mean[:, None, None]) / np.sqrt(var + bn.attr("eps"))[:, None, None]
    y = y * gamma[:, None, None] + beta[:, None, None]
    return np.maximum(y, 0.0) if relu else y


def _faster_c2f_reference(layer: Module, x: np.ndarray) -> np.ndarray:
    """fire_detector/modules.py FasterNetC2f.forward, transcribed to numpy."""
    transition = layer.child("transition").children()
    x = _conv_bn(x, transition["0"], transition["1"], relu=True)
    for block in layer.child("blocks").children().values():
        pconv = block.child("pconv")
        split = pconv.attr("partial_channels")
        head = _conv_bn(x[:split], pconv.child("conv"), pconv.child("bn"), relu=True)
        y = np.concatenate([head, x[split:]])
        y = _conv_bn(y, block.child("pwconv1"), block.child("bn1"), relu=True)
        x = _conv_bn(y, block.child("pwconv2"), block.child("bn2"), relu=False) + x
    return x


def test_faster_net_layer_matches_its_pytorch_source() -> None:
    """fire-detector's custom layer (no ultralytics export to compare with) against its source."""
    checkpoint = load_checkpoint(packaged("yolov8-fire").path)
    layer = checkpoint["model"].child("model").child("12")
    assert layer.name == "FasterNetC2f" and "transition" in layer.children()
    x = np.random.default_rng(0).normal(size=(1, 768, 8, 8)).astype(np.float32)
    graph = _Graph(64)
    output = _unary(graph, layer, "x")
    float_in = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x.shape)
    float_out = onnx.helper.make_tensor_value_info(output, onnx.TensorProto.FLOAT, None)
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(graph.nodes, "layer", [float_in], [float_out], graph.initializers),
        opset_imports=[onnx.helper.make_opsetid("", 17)],
    )
    proto.ir_version = 8
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    ours = session.run(None, {"x": x})[0][0]
    reference = _faster_c2f_reference(layer, x[0].astype(np.float64))
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4 * np.abs(reference).max())


def test_export_is_cached_by_content_and_size(tmp_path: Path) -> None:
    model = packaged("yolov8-fall")
    fake = ResolvedModel(model.spec, model.path.with_name("best.pt"), "path", 0, "ab" * 32)
    path = exported_onnx(fake, 320, tmp_path)
    assert path == cached_onnx_path(fake, 320, tmp_path)
    assert path.name == f"yolov8-fall-abababababab-320-r{EXPORT_REVISION}.onnx"
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file left behind"
    os.utime(path, (1, 1))
    assert exported_onnx(fake, 320, tmp_path) == path and path.stat().st_mtime == 1


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAREWATCH_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.delenv("CAREWATCH_CACHE")
    assert default_cache_dir() == Path.home() / ".cache" / "carewatch" / "models"
