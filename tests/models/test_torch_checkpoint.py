"""The torch-free checkpoint loader: tensors, module stubs, and refusal of anything else."""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.registry import ModelError, resolve
from models.torch_checkpoint import Module, load_checkpoint, stub_class
from tests.models.checkpoints import Call, Ref, Storage, module, tensor, write_checkpoint

WEIGHTS = np.arange(6, dtype=np.float16)


def conv_checkpoint(path: Path) -> Path:
    storage = Storage("0", WEIGHTS)
    conv = module(
        "torch.nn.modules.conv.Conv2d",
        kernel_size=(1, 1),
        _parameters=OrderedDict(weight=tensor(storage, 0, (2, 3), (3, 1)), bias=None),
        _buffers=OrderedDict(transposed=tensor(storage, 1, (2, 2), (1, 3))),
        _modules=OrderedDict(),
    )
    model = module("ultralytics.nn.tasks.DetectionModel", _modules=OrderedDict(conv=conv))
    return write_checkpoint(
        path, {"model": model, "tags": Call(Ref("builtins.set"), ([1],))}, [storage]
    )


def test_tensors_modules_and_builtins_come_back(tmp_path: Path) -> None:
    checkpoint = load_checkpoint(conv_checkpoint(tmp_path / "conv.pt"))
    model = checkpoint["model"]
    conv = model.child("conv")
    assert isinstance(model, Module) and model.qualname == "ultralytics.nn.tasks.DetectionModel"
    assert conv.name == "Conv2d" and conv.attr("kernel_size") == (1, 1)
    weight = conv.param("weight")
    assert weight is not None and weight.dtype == np.float16
    np.testing.assert_array_equal(weight, WEIGHTS.reshape(2, 3))
    np.testing.assert_array_equal(conv.param("transposed"), [[1, 4], [2, 5]])
    assert conv.param("bias") is None and conv.children() == {}
    assert checkpoint["tags"] == {1}
    assert type(conv) is stub_class("torch.nn.modules.conv.Conv2d")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (Call(Ref("os.system"), ("echo owned",)), "os.system, which is not allowed"),
        (Call(Ref("builtins.getattr"), (1, "real")), "builtins.getattr, which is not allowed"),
        (Call(Ref("numpy.load"), ("x",)), "numpy.load, which is not allowed"),
        (tensor(Storage("0", WEIGHTS), 4, (2, 3), (3, 1)), "overruns its storage"),
        ([1, 2], "expected a dict checkpoint, got list"),
    ],
)
def test_refuses_what_a_model_file_must_not_hold(
    tmp_path: Path, payload: Any, message: str
) -> None:
    path = write_checkpoint(tmp_path / "bad.pt", payload, [Storage("0", WEIGHTS)])
    with pytest.raises(ModelError, match=message):
        load_checkpoint(path)


def test_forbidden_global_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_checkpoint(
        tmp_path / "evil.pt", {"x": Call(Ref("os.system"), (f"touch {marker}",))}, []
    )
    with pytest.raises(ModelError):
        load_checkpoint(path)
    assert not marker.exists()


def test_unreadable_files_are_model_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "nopickle.pt", "w") as archive:
        archive.writestr("x/readme.txt", "no pickle here")
    for path, message in (
        (empty, "cannot read checkpoint"),
        (tmp_path / "nopickle.pt", "expected one <name>/data.pkl"),
        (tmp_path / "missing.pt", "cannot read checkpoint"),
    ):
        with pytest.raises(ModelError, match=message):
            load_checkpoint(path)


def test_packaged_fall_checkpoint_loads() -> None:
    try:
        onnx_path = resolve("yolov8-fall").path
    except ModelError as error:
        pytest.skip(str(error))
    checkpoint = load_checkpoint(onnx_path.with_name("best.pt"))
    model = checkpoint["model"]
    assert model.attr("names") == {0: "Normal", 1: "Fall"}
    layers = list(model.child("model").children().values())
    assert [layer.name for layer in layers[:3]] == ["Conv", "Conv", "C2f"]
    assert layers[-1].name == "Detect" and layers[-1].attr("f") == [15, 18, 21]
