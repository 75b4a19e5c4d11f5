"""Drawing for the demo camera: the room, a clothed human figure and the caption."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo

import cv2
import numpy as np

Point = tuple[float, float]
Color = tuple[int, int, int]

SKIN, SKIN_FAR = (150, 182, 222), (118, 148, 188)
HAIR, SHIRT, SHIRT_FAR = (196, 198, 204), (160, 112, 72), (118, 80, 50)
SHIRT_LIGHT, TROUSERS, TROUSERS_FAR = (196, 150, 108), (74, 70, 78), (50, 47, 54)
SHOES = (32, 30, 34)


def draw_room(width: int, height: int) -> np.ndarray:
    image = np.empty((height, width, 3), np.uint8)
    horizon = int(0.5 * height)
    wall_shade = np.linspace(0.9, 1.0, horizon)[:, None, None]
    image[:horizon] = (np.array([178, 205, 220]) * wall_shade).astype(np.uint8)
    floor_shade = np.linspace(0.8, 1.0, height - horizon)[:, None, None]
    image[horizon:] = (np.array([70, 110, 150]) * floor_shade).astype(np.uint8)
    for i, y in enumerate(np.geomspace(6, height - horizon, 9).astype(int)):
        cv2.line(image, (0, horizon + y), (width, horizon + y), (58, 92, 128), 1)
        for x in range((i * 37) % 90, width, 180):
            cv2.line(image, (x, horizon + y), (x, horizon + y + 8), (58, 92, 128), 1)
    cv2.rectangle(image, (0, horizon - 6), (width, horizon), (235, 240, 242), -1)
    _draw_window(image, width, height)
    _draw_bed(image, width, height)
    return image


def _draw_window(image: np.ndarray, width: int, height: int) -> None:
    x0, y0, x1, y1 = int(0.3 * width), int(0.1 * height), int(0.5 * width), int(0.38 * height)
    cv2.rectangle(image, (x0, y0), (x1, y1), (235, 215, 190), -1)
    cv2.rectangle(image, (x0, y0), (x1, y1), (245, 245, 245), 4)
    cv2.line(image, ((x0 + x1) // 2, y0), ((x0 + x1) // 2, y1), (245, 245, 245), 3)


def _draw_bed(image: np.ndarray, width: int, height: int) -> None:
    x0, x1 = int(0.66 * width), int(0.97 * width)
    top, mattress, bottom = int(0.3 * height), int(0.52 * height), int(0.66 * height)
    cv2.rectangle(image, (x1 - int(0.03 * width), top), (x1, bottom), (60, 85, 120), -1)
    cv2.rectangle(image, (x0, mattress), (x1, bottom), (90, 120, 150), -1)
    cv2.rectangle(image, (x0, mattress - int(0.05 * height)), (x1, mattress), (225, 225, 230), -1)
    blanket = (x0, mattress - int(0.04 * height)), (int(0.88 * width), mattress + 6)
    cv2.rectangle(image, blanket[0], blanket[1], (150, 160, 110), -1)
    pillow = ((x1 - int(0.07 * width), mattress - int(0.06 * height)), (int(0.04 * width), 8), 0)
    cv2.ellipse(image, pillow, (250, 250, 250), -1)


def _ipt(point: Point) -> tuple[int, int]:
    return round(point[0]), round(point[1])


def _add(p: Point, v: Point, k: float) -> Point:
    return p[0] + v[0] * k, p[1] + v[1] * k


def _segment(image: np.ndarray, a: Point, b: Point, color: Color, width: float) -> None:
    cv2.line(image, _ipt(a), _ipt(b), color, max(1, round(width)), cv2.LINE_AA)


def _body_axes(j: dict[str, Point], direction: int) -> tuple[Point, Point]:
    """Unit vectors in image coordinates: up the spine, and the way the person faces."""
    ax, ay = j["shoulder"][0] - j["hip"][0], j["shoulder"][1] - j["hip"][1]
    norm = math.hypot(ax, ay) or 1.0
    up = (ax / norm, ay / norm)
    return up, (-direction * up[1], direction * up[0])


def draw_person(image: np.ndarray, j: dict[str, Point], size: float, direction: int) -> None:
    up, front = _body_axes(j, direction)
    xs, floor_y = [x for x, _ in j.values()], max(y for _, y in j.values())
    half_w = (max(xs) - min(xs)) / 2 + 0.06 * size
    shadow_center = _ipt(((max(xs) + min(xs)) / 2, floor_y + 0.01 * size))
    cv2.ellipse(image, shadow_center, _ipt((half_w, 0.03 * size)), 0, 0, 360, (45, 75, 105), -1)
    _draw_leg(image, j, "far", size, TROUSERS_FAR, front)
    _draw_arm(image, j, "far", size, (SHIRT_FAR, SKIN_FAR))
    _draw_torso(image, j, size, up, front)
    _draw_head(image, j, size, up, front)
    _draw_leg(image, j, "near", size, TROUSERS, front)
    _draw_arm(image, j, "near", size, (SHIRT, SKIN))


def _draw_leg(
    image: np.ndarray, j: dict[str, Point], side: str, size: float, color: Color, front: Point
) -> None:
    hip, knee, ankle = j["hip"], j[f"{side}_knee"], j[f"{side}_ankle"]
    _segment(image, hip, knee, color, 0.095 * size)
    _segment(image, knee, ankle, color, 0.07 * size)
    _segment(image, ankle, _add(ankle, front, 0.06 * size), SHOES, 0.045 * size)


def _draw_arm(
    image: np.ndarray, j: dict[str, Point], side: str, size: float, colors: tuple[Color, Color]
) -> None:
    sleeve, skin = colors
    elbow, wrist = j[f"{side}_elbow"], j[f"{side}_wrist"]
    _segment(image, j["shoulder"], elbow, sleeve, 0.065 * size)
    _segment(image, elbow, wrist, sleeve, 0.052 * size)
    cv2.circle(image, _ipt(wrist), max(1, round(0.028 * size)), skin, -1, cv2.LINE_AA)


def _draw_torso(
    image: np.ndarray, j: dict[str, Point], size: float, up: Point, front: Point
) -> None:
    top, hip = _add(j["shoulder"], up, 0.02 * size), j["hip"]
    outline = [
        _add(top, front, 0.09 * size),
        _add(top, front, -0.075 * size),
        _add(hip, front, -0.08 * size),
        _add(hip, front, 0.075 * size),
    ]
    lit = [outline[0], _add(top, front, 0.02 * size), _add(hip, front, 0.02 * size), outline[3]]
    cv2.fillPoly(image, [np.array([_ipt(p) for p in outline])], SHIRT, cv2.LINE_AA)
    cv2.fillPoly(image, [np.array([_ipt(p) for p in lit])], SHIRT_LIGHT, cv2.LINE_AA)
    cv2.circle(image, _ipt(hip), max(1, round(0.08 * size)), TROUSERS, -1, cv2.LINE_AA)


def _draw_head(
    image: np.ndarray, j: dict[str, Point], size: float, up: Point, front: Point
) -> None:
    head = j["head"]
    angle_deg = math.degrees(math.atan2(up[1], up[0])) + 90
    _segment(image, j["shoulder"], head, SKIN_FAR, 0.05 * size)
    hair_axes = _ipt((0.064 * size, 0.077 * size))
    cv2.ellipse(image, _ipt(head), hair_axes, angle_deg, 0, 360, HAIR, -1, cv2.LINE_AA)
    face = _add(_add(head, front, 0.014 * size), up, -0.012 * size)
    face_axes = _ipt((0.055 * size, 0.066 * size))
    cv2.ellipse(image, _ipt(face), face_axes, angle_deg, 0, 360, SKIN, -1, cv2.LINE_AA)
    ear = _add(head, front, -0.01 * size)
    cv2.circle(image, _ipt(ear), max(1, round(0.014 * size)), SKIN_FAR, -1, cv2.LINE_AA)
    eye = _add(_add(head, front, 0.045 * size), up, 0.008 * size)
    cv2.circle(image, _ipt(eye), max(1, round(0.008 * size)), (40, 40, 40), -1, cv2.LINE_AA)
    nose = _add(head, front, 0.068 * size)
    cv2.circle(image, _ipt(nose), max(1, round(0.012 * size)), SKIN, -1, cv2.LINE_AA)


def clock_text(at_epoch_s: float, timezone: tzinfo | None = None) -> str:
    """A CCTV-style clock in `timezone` (default: the machine's), labelled with its offset:
    "2026-12-07 16:11:13 UTC+08:00"."""
    moment = datetime.fromtimestamp(at_epoch_s, timezone).astimezone(timezone)
    offset_min = round((moment.utcoffset() or timedelta(0)).total_seconds() / 60)
    sign, offset_min = ("-" if offset_min < 0 else "+"), abs(offset_min)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC{sign}{offset_min // 60:02d}:{offset_min % 60:02d}"


def draw_caption(image: np.ndarray, text: str) -> None:
    """A caption (clock and camera name) on a dark band, as CCTV recorders print them."""
    if not text:
        return
    scale = image.shape[0] / 720
    (text_w, text_h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    pad = max(2, round(8 * scale))
    cv2.rectangle(image, (0, 0), (text_w + 2 * pad, text_h + 2 * pad), (20, 20, 20), -1)
    origin = (pad, text_h + pad)
    cv2.putText(
        image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (240, 240, 240), 1, cv2.LINE_AA
    )
