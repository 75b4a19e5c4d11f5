"""The `--config FILE | --db URL` pair that the database commands share, and its checks."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from carewatch.config import load_settings
from supervision.config import DatabaseConfig
from supervision.db import sqlite_file


class Unusable(Exception):
    """The database cannot be used at all; the message says why."""


def add_database_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, help="settings YAML; its database.url is used")
    source.add_argument("--db", help="SQLAlchemy database URL, e.g. sqlite:///data/carewatch.db")


def database_config(args: argparse.Namespace) -> DatabaseConfig:
    """From `--config` (ConfigError if unusable) or `--db` (Unusable: why, in one line)."""
    if args.config is not None:
        return load_settings(args.config).database
    try:
        return DatabaseConfig(url=args.db)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise Unusable(f"--db: {reason}") from None


def require_sqlite_file(url_text: str) -> None:
    """Unusable for a bad URL or a missing SQLite file (opening one would create it empty)."""
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise Unusable(f"not a database URL: {url_text!r}") from None
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise Unusable(f"no SQLite database at {path}")
