"""`carewatch audit verify`: check the audit log's hash chain; exit 1 if it was tampered with."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from carewatch.admin.database_args import (
    Unusable,
    add_database_source,
    database_config,
    require_sqlite_file,
)
from carewatch.config import ConfigError
from supervision.audit.chain import AuditReport, verify_audit
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    """Add `audit verify [--config FILE | --db URL]` to the `carewatch` sub-commands."""
    audit = subparsers.add_parser("audit", help="audit log: verify its hash chain")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="detect edited, deleted or reordered audit rows")
    add_database_source(verify)


def run(args: argparse.Namespace) -> int:
    """0: the chain is intact; 1: tampered with; 2: no usable database or settings."""
    try:
        config = database_config(args)
        report = _verify(config)
    except (ConfigError, Unusable) as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not report.ok:
        print(f"carewatch: {report.describe()}", file=sys.stderr)
        return EXIT_FAILED
    print(report.describe())
    return EXIT_OK


def _verify(config: DatabaseConfig) -> AuditReport:
    require_sqlite_file(config.url)
    engine = create_engine_for(config)
    try:
        if not inspect(engine).has_table("audit_log"):
            raise Unusable("the database has no audit log (not migrated to revision 0004)")
        return verify_audit(engine)
    except SQLAlchemyError as error:
        raise Unusable(f"cannot read the database: {error.__class__.__name__}") from None
    finally:
        engine.dispose()
