"""Write small torch.save()-format zip files without torch, for loader tests."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

_STORAGES = {np.dtype(np.float16): "HalfStorage", np.dtype(np.float32): "FloatStorage"}


class Ref:
    """A global by dotted name, pickled as GLOBAL without importing it."""

    def __init__(self, qualname: str) -> None:
        self.module, self.name = qualname.rsplit(".", 1)

    def __call__(self, *args: Any) -> None:  # pickle insists the reduce callable is callable
        raise NotImplementedError


class Call:
    """`func(*args)` at unpickling time, then `state` applied (BUILD) if given."""

    def __init__(self, func: Ref, args: tuple[Any, ...], state: Any = None) -> None:
        self.func, self.args, self.state = func, args, state


class Storage:
    """A tensor's storage: raw bytes saved as <name>/data/<key>."""

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array


def tensor(storage: Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> Call:
    hooks: OrderedDict[str, Any] = OrderedDict()
    args = (storage, offset, Call(Ref("torch.Size"), (size,)), stride, False, hooks)
    return Call(Ref("torch._utils._rebuild_tensor_v2"), args)


def module(qualname: str, **state: Any) -> Call:
    """A pickled nn.Module-like object of class `qualname` with this __dict__."""
    return Call(Ref(qualname), (), state)


class _Writer(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()  # type: ignore[attr-defined]

    def _save_ref(self, ref: Ref) -> None:
        self.write(pickle.GLOBAL + f"{ref.module}\n{ref.name}\n".encode())  # type: ignore[attr-defined]

    dispatch[Ref] = _save_ref  # type: ignore[assignment]

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Call):
            return (obj.func, obj.args, obj.state)
        return NotImplemented

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Storage):
            storage_type = Ref(f"torch.{_STORAGES[obj.array.dtype]}")
            return ("storage", storage_type, obj.key, "cpu", obj.array.size)
        return None


def write_checkpoint(path: Path, payload: Any, storages: list[Storage]) -> Path:
    """Save `payload` the way torch.save lays out its zip file."""
    buffer = io.BytesIO()
    _Writer(buffer, protocol=2).dump(payload)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ckpt/data.pkl", buffer.getvalue())
        archive.writestr("ckpt/byteorder", "little")
        for storage in storages:
            archive.writestr(f"ckpt/data/{storage.key}", storage.array.tobytes())
    return path
