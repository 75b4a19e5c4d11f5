"""Ending endless responses when the server shuts down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def until_closed(items: AsyncIterator[T], closing: asyncio.Event) -> AsyncIterator[T]:
    """Pass `items` on until `closing` is set (checked before each item is sent)."""
    try:
        async for item in items:
            if closing.is_set():
                return
            yield item
    finally:
        # Close the source now rather than whenever it is garbage-collected.
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()
