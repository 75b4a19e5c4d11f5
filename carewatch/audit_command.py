"""`carewatch audit verify`: check the audit log's hash chain; exit 1 if it was tampered with."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from carewatch.config import ConfigError, load_settings
from supervision.audit import AuditReport, verify_audit
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, sqlite_file

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Unusable(Exception):
    """The database cannot be checked at all (distinct from a failed check)."""


def add_parser(subparsers: Any) -> None:
    """Add `audit verify [--config FILE | --db URL]` to the `carewatch` sub-commands."""
    audit = subparsers.add_parser("audit", help="audit log: verify its hash chain")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="detect edited, deleted or reordered audit rows")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, help="settings YAML; its database.url is checked")
    source.add_argument("--db", help="SQLAlchemy database URL, e.g. sqlite:///data/carewatch.db")


def run(args: argparse.Namespace) -> int:
    """0: the chain is intact; 1: tampered with; 2: no usable database or settings."""
    try:
        config = _database_config(args)
        report = _verify(config)
    except (ConfigError, _Unusable) as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not report.ok:
        print(f"carewatch: {report.describe()}", file=sys.stderr)
        return EXIT_FAILED
    print(report.describe())
    return EXIT_OK


def _database_config(args: argparse.Namespace) -> DatabaseConfig:
    if args.config is not None:
        return load_settings(args.config).database
    return DatabaseConfig(url=args.db)


def _verify(config: DatabaseConfig) -> AuditReport:
    _require_sqlite_file(config.url)
    engine = create_engine_for(config)
    try:
        if not inspect(engine).has_table("audit_log"):
            raise _Unusable("the database has no audit log (not migrated to revision 0004)")
        return verify_audit(engine)
    except SQLAlchemyError as error:
        raise _Unusable(f"cannot read the database: {error.__class__.__name__}") from None
    finally:
        engine.dispose()


def _require_sqlite_file(url_text: str) -> None:
    # Opening a missing SQLite file would create an empty one and call it intact.
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise _Unusable(f"not a database URL: {url_text!r}") from None
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise _Unusable(f"no SQLite database at {path}")
