"""Read PyTorch zip checkpoints into numpy without torch, unpickling only whitelisted globals."""

from __future__ import annotations

import collections
import pickle
import zipfile
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np

from models.registry import ModelError

# Storage classes name the element type of the raw bytes under <prefix>/data/<key>.
_STORAGE_DTYPES: dict[str, type[np.generic]] = {
    "HalfStorage": np.float16,
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "BFloat16Storage": np.uint16,  # raw bits; no layer we convert stores bfloat16
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
# Only module classes are stubbed: their objects hold state and never run code.
_STUB_PREFIXES = ("torch.nn.modules.", "ultralytics.", "__main__.")
_SAFE_BUILTINS = {"set": set, "frozenset": frozenset, "dict": dict, "list": list, "tuple": tuple}
_MISSING = object()


class Module:
    """A torch.nn.Module-like object as pickled: its attributes, child modules and tensors."""

    qualname: ClassVar[str] = "Module"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_init_args"] = args

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state)
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, dict):
            raise ModelError(f"{self.qualname}: unexpected pickled state {type(state).__name__}")
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<{self.qualname}>"

    @property
    def name(self) -> str:
        """The class name without its module path, e.g. 'Conv2d'."""
        return self.qualname.rsplit(".", 1)[-1]

    def attr(self, name: str, default: Any = _MISSING) -> Any:
        """A plain attribute (e.g. 'stride', 'nc'); ModelError if absent and no default."""
        if name in self.__dict__:
            return self.__dict__[name]
        if default is _MISSING:
            raise ModelError(f"{self.qualname} has no attribute {name!r}")
        return default

    def children(self) -> dict[str, Module]:
        """Child modules in registration order (None entries left out)."""
        found = self.__dict__.get("_modules") or {}
        return {key: child for key, child in found.items() if isinstance(child, Module)}

    def child(self, name: str) -> Module:
        found = self.children().get(name)
        if found is None:
            raise ModelError(f"{self.qualname} has no child module {name!r}")
        return found

    def param(self, name: str) -> np.ndarray | None:
        """A parameter or buffer by name, as stored (e.g. float16); None if unset."""
        for table in ("_parameters", "_buffers"):
            value = (self.__dict__.get(table) or {}).get(name)
            if value is not None:
                return np.asarray(value)
        return None


_STUBS: dict[str, type[Module]] = {}


def stub_class(qualname: str) -> type[Module]:
    """The one stub type standing in for the pickled class `qualname`."""
    if qualname not in _STUBS:
        _STUBS[qualname] = type(qualname.rsplit(".", 1)[-1], (Module,), {"qualname": qualname})
    return _STUBS[qualname]


def _rebuild_tensor(
    storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any
) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2 as a bounds-checked numpy copy."""
    if len(size) != len(stride) or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise ModelError(f"tensor with size {size} and stride {stride} is malformed")
    if 0 in size:
        return np.zeros(size, storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if offset < 0 or last >= storage.size:
        raise ModelError(f"tensor {size} at offset {offset} overruns its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=[s * storage.itemsize for s in stride]
    )
    return view.copy()


def _rebuild_parameter(data: np.ndarray, *_: Any) -> np.ndarray:
    return data


_TORCH_FUNCTIONS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): tuple,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(file)
        self._archive = archive
        self._prefix = prefix
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        qualname = f"{module}.{name}"
        if (module, name) in _TORCH_FUNCTIONS:
            return _TORCH_FUNCTIONS[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        if module in ("builtins", "__builtin__") and name in _SAFE_BUILTINS:
            return _SAFE_BUILTINS[name]
        if qualname.startswith(_STUB_PREFIXES) and name.isidentifier():
            return stub_class(qualname)
        raise ModelError(f"checkpoint refers to {qualname}, which is not allowed in a model file")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ModelError(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, _numel = pid
        dtype = _STORAGE_DTYPES.get(str(storage_type))
        if dtype is None:
            raise ModelError(f"unsupported tensor storage {storage_type!r}")
        if key not in self._storages:
            raw = self._archive.read(f"{self._prefix}/data/{key}")
            self._storages[key] = np.frombuffer(raw, dtype=dtype)
        return self._storages[key]


def _pickle_name(archive: zipfile.ZipFile) -> str:
    names = [name for name in archive.namelist() if name.endswith("/data.pkl")]
    if len(names) != 1:
        raise ModelError("not a PyTorch zip checkpoint (expected one <name>/data.pkl)")
    return names[0]


def _check_byteorder(archive: zipfile.ZipFile, prefix: str) -> None:
    try:
        order = archive.read(f"{prefix}/byteorder").decode().strip()
    except KeyError:
        return  # older writers omit it; they were little-endian
    if order != "little":
        raise ModelError(f"checkpoint byte order {order!r} is not supported")


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Unpickle a torch.save() zip file: tensors become numpy arrays, modules `Module` stubs.

    Raises ModelError for an unreadable file or one that names a global outside the whitelist.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            name = _pickle_name(archive)
            prefix = name.rsplit("/", 1)[0]
            _check_byteorder(archive, prefix)
            with archive.open(name) as file:
                loaded = _Unpickler(file, archive, prefix).load()
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from error
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelError(f"{path}: cannot read checkpoint ({error})") from error
    except Exception as error:  # a corrupt pickle can fail in many ways; all mean the same
        raise ModelError(f"{path}: corrupt checkpoint ({type(error).__name__}: {error})") from error
    if not isinstance(loaded, dict):
        raise ModelError(f"{path}: expected a dict checkpoint, got {type(loaded).__name__}")
    return loaded
