"""The text drawn in a reportlab PDF, read back without a PDF library (tests only).

Content streams are decoded (ASCII85, Flate) and the string literals in them read as
UTF-16-BE, the encoding of text in the CID font STSong-Light that carewatch's reports use.
"""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)\s*endstream", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pdf_text(pdf: bytes) -> str:
    """Every string literal of every content stream, decoded, joined by newlines."""
    return "\n".join(_decode(literal) for body in _streams(pdf) for literal in _literals(body))


def _streams(pdf: bytes) -> list[bytes]:
    bodies = []
    for header, body in _STREAM.findall(pdf):
        if b"/ASCII85Decode" in header:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            body = zlib.decompress(body)
        bodies.append(body)
    return bodies


def _literals(body: bytes) -> list[bytes]:
    """The raw bytes of each (...) string, escapes resolved."""
    found, index = [], 0
    while (start := body.find(b"(", index)) >= 0:
        literal, index = _read_literal(body, start + 1)
        found.append(literal)
    return found


def _read_literal(body: bytes, index: int) -> tuple[bytes, int]:
    out, depth = bytearray(), 1
    while index < len(body):
        char = body[index : index + 1]
        if char == b"\\":
            escaped, index = _escape(body, index + 1)
            out += escaped
            continue
        depth += {b"(": 1, b")": -1}.get(char, 0)
        if depth == 0:
            return bytes(out), index + 1
        out += char
        index += 1
    return bytes(out), index


def _escape(body: bytes, index: int) -> tuple[bytes, int]:
    octal = re.match(rb"[0-7]{1,3}", body[index : index + 3])
    if octal:
        return bytes([int(octal.group(), 8) & 0xFF]), index + len(octal.group())
    char = body[index : index + 1]
    return _ESCAPES.get(char, char), index + 1


def _decode(literal: bytes) -> str:
    return literal.decode("utf-16-be", errors="replace")
