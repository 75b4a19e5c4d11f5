"""The offline builders pass models.backend on, and never turn an unrunnable one into "off"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from carewatch.cli import main
from models.registry import ModelError
from models.runtime import GPU_PROVIDERS, onnx_providers
from vision.assembly import build_estimator, build_fire_model, build_second_opinion
from vision.config import ModelsConfig

BUILDERS: dict[str, Callable[[ModelsConfig], object]] = {
    "estimator": build_estimator,
    "second opinion": build_second_opinion,
    "fire": build_fire_model,
}


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_a_missing_gpu_is_an_error_not_a_model_switched_off(builder: str) -> None:
    if GPU_PROVIDERS["cuda"] in onnx_providers():
        pytest.skip("CUDAExecutionProvider is available here")
    with pytest.raises(ModelError, match=r"^models\.backend: 'cuda' needs"):
        BUILDERS[builder](ModelsConfig(backend="cuda"))


def test_openvino_reaches_the_models() -> None:
    models = ModelsConfig(backend="openvino", fire=False, threads=1)
    assert build_estimator(models).version.endswith("/openvino")
    opinion = build_second_opinion(models)
    assert opinion is not None and opinion.version.endswith("/openvino")
    assert build_fire_model(models) is None


def test_the_service_says_why_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if GPU_PROVIDERS["cuda"] in onnx_providers():
        pytest.skip("CUDAExecutionProvider is available here")
    config = tmp_path / "carewatch.yaml"
    config.write_text(
        "facilities: [{id: home, name: Home}]\n"
        "cameras: [{id: hall, name: Hall, facility: home, source: {type: demo}}]\n"
        f"storage: {{data_dir: {tmp_path / 'data'}}}\n"
        f"database: {{url: 'sqlite:///{tmp_path / 'data' / 'carewatch.db'}'}}\n"
        "models: {backend: cuda}\n"
    )
    assert main(["run", "--config", str(config)]) == 1
    (line,) = capsys.readouterr().err.splitlines()[-1:]
    assert line.startswith("carewatch: models.backend: 'cuda' needs")
