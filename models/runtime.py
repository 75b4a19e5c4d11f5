"""Inference backends chosen by config: ONNX Runtime (CPU, CUDA, TensorRT) and OpenVINO (CPU)."""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import numpy as np

from models.export import _write_atomically, default_cache_dir
from models.registry import ModelError, ResolvedModel

Backend = Literal["auto", "native", "openvino", "cuda", "tensorrt"]
BACKENDS: tuple[str, ...] = get_args(Backend)
GPU_PROVIDERS = {"cuda": "CUDAExecutionProvider", "tensorrt": "TensorrtExecutionProvider"}
_GPU_NEEDS = {
    "cuda": "pip install onnxruntime-gpu, an NVIDIA GPU and its driver",
    "tensorrt": "pip install onnxruntime-gpu and TensorRT, an NVIDIA GPU and its driver",
}
TENSORRT_CACHE = "tensorrt"  # engines and timing caches, under the models cache dir


class InferenceModel(Protocol):
    """One loaded network: a single input in, its first output back; safe across threads."""

    def run(self, inputs: np.ndarray) -> np.ndarray: ...

    def metadata(self) -> dict[str, str]:
        """The model file's key/value metadata (an ONNX export's `names`, `imgsz`, ...)."""
        ...


def onnx_providers() -> list[str]:
    """ONNX Runtime's execution providers in this installation."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def openvino_devices() -> list[str]:
    """OpenVINO's devices on this machine (empty when openvino is not installed)."""
    try:
        return list(openvino_core().available_devices)
    except ImportError:
        return []


def resolve_backend(backend: str) -> str:
    """The concrete backend for a configured one: `auto` is cuda with a CUDA-capable
    ONNX Runtime, else native. An explicit choice this machine cannot run raises ModelError;
    it never falls back.
    """
    if backend not in BACKENDS:
        raise ModelError(f"models.backend: unknown {backend!r}; one of {', '.join(BACKENDS)}")
    if backend == "auto":
        has_cuda = GPU_PROVIDERS["cuda"] in onnx_providers() and cuda_device_count() > 0
        return "cuda" if has_cuda else "native"
    if backend in GPU_PROVIDERS:
        _require_provider(backend)
    if backend == "openvino" and "CPU" not in _openvino_devices_or_error():
        raise ModelError("models.backend: 'openvino' needs OpenVINO's CPU device")
    return backend


def _require_provider(backend: str) -> None:
    available = onnx_providers()
    if GPU_PROVIDERS[backend] not in available:
        raise ModelError(
            f"models.backend: {backend!r} needs ONNX Runtime's {GPU_PROVIDERS[backend]} "
            f"({_GPU_NEEDS[backend]}); "
            f"available here: {', '.join(available)}"
        )
    if cuda_device_count() == 0:
        raise ModelError(
            f"models.backend: {backend!r} needs an NVIDIA GPU and its driver; "
            f"ONNX Runtime has {GPU_PROVIDERS[backend]} but the CUDA driver sees no GPU"
        )


@cache
def cuda_device_count() -> int:
    """NVIDIA GPUs the CUDA driver sees (0 without a driver); onnxruntime-gpu lists its
    CUDA provider even on a machine without one."""
    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            driver = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        if driver.cuInit(0) != 0 or driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    return 0


def _openvino_devices_or_error() -> list[str]:
    try:
        return list(openvino_core().available_devices)
    except ImportError:
        raise ModelError(
            "models.backend: 'openvino' needs OpenVINO (pip install openvino)"
        ) from None


def backend_suffix(backend: str) -> str:
    """What a model version gains on a backend whose results differ slightly from native."""
    return "" if backend == "native" else f"/{backend}"


@cache
def openvino_core() -> Any:
    """The process's one OpenVINO Core (it owns the plugins and their thread pools)."""
    import openvino

    return openvino.Core()


class OnnxRuntimeModel:
    """An ONNX Runtime session behind the InferenceModel interface."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._input = session.get_inputs()[0].name

    def run(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(None, {self._input: inputs})[0])

    def metadata(self) -> dict[str, str]:
        return dict(self.session.get_modelmeta().custom_metadata_map)


class OpenVinoModel:
    """A model compiled for OpenVINO's CPU plugin; one infer request per calling thread."""

    def __init__(self, compiled: Any, metadata: dict[str, str]) -> None:
        self.compiled = compiled
        self._metadata = metadata
        self._local = threading.local()

    def run(self, inputs: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        request.infer({0: inputs})
        return np.array(request.get_output_tensor(0).data)

    def metadata(self) -> dict[str, str]:
        return dict(self._metadata)


def openvino_model(
    path: Path, threads: int, input_shape: tuple[int, ...] | None = None
) -> OpenVinoModel:
    """A model file OpenVINO reads directly (ONNX, TFLite) compiled for CPU with `threads`,
    reshaped first to a fixed `input_shape` when the file's input is dynamic."""
    core = openvino_core()
    model = core.read_model(str(path))
    if input_shape is not None:
        model.reshape({model.inputs[0]: list(input_shape)})
    # f32 everywhere: on CPUs with bf16 (AVX-512 BF16, AMX) OpenVINO would otherwise switch to
    # bf16 by itself, and what is detected would depend on the machine.
    config = {
        "INFERENCE_NUM_THREADS": threads,
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32",
    }
    return OpenVinoModel(core.compile_model(model, "CPU", config), _openvino_metadata(model))


def _openvino_metadata(model: Any) -> dict[str, str]:
    """ONNX metadata_props, which OpenVINO keeps in the model's rt_info under `framework`."""
    if not model.has_rt_info(["framework"]):
        return {}
    keys = list(model.get_rt_info()["framework"])
    return {str(key): model.get_rt_info(["framework", key]).astype(str) for key in keys}


def onnx_session(
    path: Path | str, backend: str, threads: int, cache_dir: Path | None = None
) -> Any:
    """An ONNX Runtime session on `backend` (native = CPU, cuda, tensorrt) using `threads`
    CPU threads for what stays on the CPU. Raises ModelError when the provider cannot start."""
    import onnxruntime as ort

    backend = resolve_backend(backend)
    if backend == "openvino":
        raise ModelError("onnx_session: OpenVINO runs ONNX files through onnx_model()")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    providers = _providers(backend, cache_dir or default_cache_dir())
    session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    wanted = GPU_PROVIDERS.get(backend)
    if wanted is not None and wanted not in session.get_providers():
        raise ModelError(f"models.backend: {backend!r}: {wanted} did not start for {path}")
    return session


def _providers(backend: str, cache_dir: Path) -> list[Any]:
    if backend == "cuda":
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if backend == "tensorrt":
        engines = cache_dir / TENSORRT_CACHE
        engines.mkdir(parents=True, exist_ok=True)
        trt_options = {
            "trt_engine_cache_enable": True,  # building an engine takes minutes; do it once
            "trt_engine_cache_path": str(engines),
            "trt_timing_cache_enable": True,
            "trt_timing_cache_path": str(engines),
            "trt_fp16_enable": True,
        }
        return [
            ("TensorrtExecutionProvider", trt_options),
            "CUDAExecutionProvider",
            "CPUExecutionProvider",
        ]
    return ["CPUExecutionProvider"]


def onnx_model(
    path: Path | str, backend: str, threads: int, cache_dir: Path | None = None
) -> InferenceModel:
    """An ONNX file loaded on `backend`: OpenVINO, or ONNX Runtime with the backend's provider."""
    if resolve_backend(backend) == "openvino":
        return openvino_model(Path(path), threads)
    return OnnxRuntimeModel(onnx_session(path, backend, threads, cache_dir))


def model_file(model: ResolvedModel, suffix: str, cache_dir: Path | None = None) -> Path:
    """A file holding the model alone: its own path, or a bundle member extracted once to the
    cache (named by its SHA-256), for runtimes that read only files (OpenVINO)."""
    if model.spec.member is None:
        return model.path
    path = (cache_dir or default_cache_dir()) / f"{model.spec.name}-{model.sha256[:12]}{suffix}"
    if not path.is_file():
        try:
            _write_atomically(path, model.read_bytes())
        except OSError as error:
            raise ModelError(f"cannot cache {model.spec.name} at {path}: {error}") from error
    return path
