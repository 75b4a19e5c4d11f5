"""`carewatch kpis`: KPIs per facility, street or district over a period, as JSON or CSV."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from carewatch.admin.database_args import (
    Unusable,
    add_database_source,
    database_config,
    require_sqlite_file,
)
from carewatch.config import ConfigError
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.reports.kpi_csv import kpi_csv
from supervision.reports.kpis import KpiLevel, KpiReport, compute_kpis

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_TZ = "Asia/Shanghai"


def add_parser(subparsers: Any) -> None:
    """Add `kpis (--config FILE | --db URL) --from T --to T [--level L] [--tz Z] [--csv]`."""
    kpis = subparsers.add_parser("kpis", help="KPIs per facility, street or district (JSON or CSV)")
    add_database_source(kpis)
    kpis.add_argument(
        "--from", dest="start", required=True, help="period start, inclusive (ISO 8601)"
    )
    kpis.add_argument("--to", dest="end", required=True, help="period end, exclusive (ISO 8601)")
    kpis.add_argument("--level", choices=[str(level) for level in KpiLevel], default="facility")
    kpis.add_argument(
        "--tz",
        default=DEFAULT_TZ,
        help=f"time zone of --from/--to without an offset (default {DEFAULT_TZ})",
    )
    kpis.add_argument("--csv", action="store_true", help="CSV (one row per node) instead of JSON")


def run(args: argparse.Namespace) -> int:
    """0: the report is on stdout; 2: no usable database, settings or period (reason on stderr)."""
    try:
        config = database_config(args)
        start, end = _moment(args.start, args.tz), _moment(args.end, args.tz)
        if start >= end:
            raise Unusable(f"--from {args.start} is not before --to {args.end}")
        report = _report(config, KpiLevel(args.level), start, end)
    except (ConfigError, Unusable) as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(kpi_csv(report) if args.csv else json.dumps(report_json(report)) + "\n")
    return EXIT_OK


def report_json(report: KpiReport) -> dict[str, Any]:
    """The report as plain JSON values (times in ISO 8601)."""
    values = dataclasses.asdict(report)
    values["start"], values["end"] = report.start.isoformat(), report.end.isoformat()
    return values


def _moment(text: str, timezone: str) -> datetime:
    """An aware time; a date is its midnight; without an offset, local time in `timezone`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Unusable(f"not an ISO 8601 date or time: {text!r}") from None
    if moment.tzinfo is not None:
        return moment
    try:
        return moment.replace(tzinfo=ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise Unusable(f"--tz: unknown time zone {timezone!r}") from None


def _report(config: DatabaseConfig, level: KpiLevel, start: datetime, end: datetime) -> KpiReport:
    require_sqlite_file(config.url)
    engine = create_engine_for(config)
    try:
        if not inspect(engine).has_table("camera_state_changes"):
            raise Unusable("the database is not migrated (no camera state history yet)")
        with session_factory(engine)() as session:
            return compute_kpis(session, level, start, end)
    except SQLAlchemyError as error:
        raise Unusable(f"cannot read the database: {error.__class__.__name__}") from None
    finally:
        engine.dispose()
