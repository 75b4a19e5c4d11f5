"""MoveNet input sizing and output mapping; its OpenVINO backend against LiteRT on a real frame."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from models.registry import ModelError
from models.runtime import GPU_PROVIDERS, onnx_providers
from vision.pose import MoveNetPose, from_movenet, input_wh, letterbox, load_pose


@pytest.mark.parametrize(
    ("size_wh", "expected"),
    [
        ((0, 0), (256, 32)),
        ((1280, 720), (256, 160)),
        ((1920, 1080), (256, 160)),
        ((640, 480), (256, 192)),
        ((720, 1280), (160, 256)),
        ((500, 500), (256, 256)),
        ((2000, 10), (256, 32)),
        ((3, 2), (256, 192)),
    ],
    ids=["empty", "16:9", "16:9 1080p", "4:3", "portrait", "square", "tiny strip", "tiny"],
)
def test_input_keeps_the_long_side_and_rounds_the_short_one_up(
    size_wh: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert input_wh(size_wh) == expected


def movenet_rows(canvas_wh: tuple[int, int], people: list[tuple[float, ...]]) -> np.ndarray:
    """Raw (N, 56) rows for boxes and one repeated keypoint given in canvas pixels."""
    width, height = canvas_wh
    raw = np.zeros((len(people), 56), np.float32)
    for row, (x1, y1, x2, y2, kx, ky) in zip(raw, people, strict=True):
        row[:51].reshape(17, 3)[:] = (ky / height, kx / width, 0.9)
        row[51:55] = (y1 / height, x1 / width, y2 / height, x2 / width)
        row[55] = 0.8
    return raw


def test_non_square_canvas_maps_back_to_the_source() -> None:
    image = np.zeros((720, 1280, 3), np.uint8)  # 16:9 into 256x160: scale 0.2, 8 px above
    canvas_wh = input_wh((1280, 720))
    canvas, scale, pad_x, pad_y = letterbox(image, canvas_wh)
    assert canvas.shape == (160, 256, 3) and (scale, pad_x, pad_y) == (0.2, 0, 8)
    # A person at x 320..640, y 180..540 of the source, a keypoint at its centre (640, 360).
    raw = movenet_rows(canvas_wh, [(64, 44, 128, 116, 128, 80)])
    batch = from_movenet(raw, canvas_wh, (1280 * scale, 720 * scale), (pad_x, pad_y))
    np.testing.assert_allclose(batch.boxes_xyxy, [[0.25, 0.25, 0.5, 0.75]], atol=1e-6)
    np.testing.assert_allclose(batch.keypoints_xy[0], np.full((17, 2), 0.5), atol=1e-6)
    assert batch.scores.tolist() == pytest.approx([0.8])


def test_portrait_canvas_pads_the_sides() -> None:
    canvas_wh = input_wh((720, 1280))  # 160x256: scale 0.2, 8 px left
    raw = movenet_rows(canvas_wh, [(8, 0, 152, 256, 80, 128)])
    batch = from_movenet(raw, canvas_wh, (144, 256), (8, 0))
    np.testing.assert_allclose(batch.boxes_xyxy, [[0.0, 0.0, 1.0, 1.0]], atol=1e-6)
    np.testing.assert_allclose(batch.keypoints_xy[0], np.full((17, 2), 0.5), atol=1e-6)


def test_no_people_and_a_wrong_shape() -> None:
    empty = from_movenet(np.zeros((0, 56), np.float32), (256, 160), (256, 144), (0, 8))
    assert len(empty) == 0 and empty.keypoints_xy.shape == (0, 17, 2)
    with pytest.raises(ValueError, match=r"expected \(N, 56\), got \(6, 55\)"):
        from_movenet(np.zeros((6, 55), np.float32), (256, 160), (256, 144), (0, 8))


@pytest.fixture(scope="module")
def tflite_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """OpenVINO reads the .tflite from a file: extract it to a scratch cache, not ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREWATCH_CACHE", str(tmp_path_factory.mktemp("models")))
        yield


def test_openvino_pose_matches_litert(walking_frame: np.ndarray, tflite_cache: None) -> None:
    litert, openvino = load_pose(None, 1), load_pose(None, 1, backend="openvino")
    assert openvino.version == litert.version + "/openvino"
    expected, found = litert.infer(walking_frame), openvino.infer(walking_frame)
    assert len(expected) == len(found) == 1, "one person walks in the first frame"
    np.testing.assert_allclose(found.boxes_xyxy, expected.boxes_xyxy, atol=0.01)
    np.testing.assert_allclose(found.keypoints_xy, expected.keypoints_xy, atol=0.01)
    np.testing.assert_allclose(found.keypoint_scores, expected.keypoint_scores, atol=0.02)
    np.testing.assert_allclose(found.scores, expected.scores, atol=0.02)


@pytest.mark.parametrize("backend", sorted(GPU_PROVIDERS))
def test_pose_on_a_missing_gpu_backend_is_an_error(backend: str) -> None:
    if GPU_PROVIDERS[backend] in onnx_providers():
        pytest.skip(f"{GPU_PROVIDERS[backend]} is available here: MoveNet runs on LiteRT")
    with pytest.raises(ModelError, match=rf"models\.backend: '{backend}' needs"):
        load_pose(None, 1, backend=backend)


def test_native_and_auto_keep_the_litert_version() -> None:
    from models.registry import resolve

    model = resolve("movenet-multipose")
    assert MoveNetPose(model, 1).version.endswith("/fit")
    if GPU_PROVIDERS["cuda"] not in onnx_providers():
        assert MoveNetPose(model, 1, backend="auto").version.endswith("/fit")
