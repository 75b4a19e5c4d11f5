"""The picture shown while a camera has no frame to give."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np


@lru_cache(maxsize=8)
def no_signal_image(width: int = 640, height: int = 360, text: str = "NO SIGNAL") -> np.ndarray:
    """A dark frame with centred text; cached and read-only, so copy before drawing on it."""
    image = np.full((height, width, 3), 32, np.uint8)
    scale = height / 360
    (text_w, text_h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    origin = ((width - text_w) // 2, (height + text_h) // 2)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (200, 200, 200), 2)
    image.flags.writeable = False
    return image
