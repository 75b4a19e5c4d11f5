"""Threshold replay: the `carewatch analyze` path over recorded clips, current against proposed.

Each clip is analysed with the running configuration and with the proposed one; an event of
the proposed run that matches one of the current run (same type and zone, overlapping in
time) is kept, the others are new, and current events nothing matched are dropped. Event
types that need more video than a clip holds (a long lie needs `long_lie_s` of lying) are
named per clip: no configuration would fire them on it. The same clip and configuration give
the same events every time (the clip is decoded exactly, the analysis is sequential).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from carewatch.analyze.offline import AnalyzeError, analyze_file, exact_frames
from dashboard.camera_control import (
    ClipReplay,
    Outcome,
    ReplayClip,
    ReplayEvent,
    ReplayLimit,
    ReplayResult,
    Run,
)
from streams.clips import clip_length_s
from vision.assembly import SharedModels
from vision.config import ModelsConfig, VisionConfig
from vision.events import EventType, SafetyEvent

# Two runs' events this close in time (seconds) are one event, fired earlier or later.
MATCH_TOLERANCE_S = 1.0
# Analyses remembered (clip file and configuration): the current run repeats on every replay.
CACHE_ENTRIES = 64
_CacheKey = tuple[str, int, float, str]


def _overlap(a: SafetyEvent, b: SafetyEvent, tolerance_s: float) -> bool:
    a_end = a.start_s if a.end_s is None else a.end_s
    b_end = b.start_s if b.end_s is None else b.end_s
    return a.start_s <= b_end + tolerance_s and b.start_s <= a_end + tolerance_s


def _replay_event(event: SafetyEvent, outcome: Outcome) -> ReplayEvent:
    end_s = None if event.end_s is None else round(event.end_s, 2)
    return ReplayEvent(
        str(event.type), event.zone_id, round(event.start_s, 2), end_s, event.confidence, outcome
    )


def match_events(
    current: Sequence[SafetyEvent],
    proposed: Sequence[SafetyEvent],
    tolerance_s: float = MATCH_TOLERANCE_S,
) -> list[ReplayEvent]:
    """Proposed events as kept or new, then unmatched current ones as dropped; by start time."""
    unmatched = list(current)
    marked: list[ReplayEvent] = []
    for event in proposed:
        twin = _closest_twin(event, unmatched, tolerance_s)
        if twin is not None:
            unmatched.remove(twin)
        marked.append(_replay_event(event, Outcome.KEPT if twin else Outcome.NEW))
    marked += [_replay_event(event, Outcome.DROPPED) for event in unmatched]
    return sorted(marked, key=lambda e: (e.start_s, e.type, e.zone_id or "", e.outcome))


def _closest_twin(
    event: SafetyEvent, candidates: Sequence[SafetyEvent], tolerance_s: float
) -> SafetyEvent | None:
    twins = [
        other
        for other in candidates
        if (other.type, other.zone_id) == (event.type, event.zone_id)
        and _overlap(event, other, tolerance_s)
    ]
    return min(twins, key=lambda other: abs(other.start_s - event.start_s), default=None)


@dataclass(frozen=True, slots=True)
class Need:
    """An event type fires only after `needs_s` seconds of its condition (`setting`)."""

    type: EventType
    zone_id: str | None
    setting: str
    needs_s: float


# Zone kinds whose rule fires after a hold: (event, the rules' default hold field).
_HOLDS = {
    "exit": (EventType.EXIT_BLOCKED, "exit_blocked_s"),
    "restricted": (EventType.INTRUSION, "intrusion_s"),
    "duty": (EventType.UNDERSTAFFED, "understaffed_s"),
}


def needs(vision: VisionConfig) -> list[Need]:
    """The event types of a configuration that need a condition to last (seconds)."""
    found = [Need(EventType.LONG_LIE, None, "fall.long_lie_s", vision.fall.long_lie_s)]
    rules = vision.rules
    for zone in vision.zones:
        if zone.kind in _HOLDS:
            kind, default = _HOLDS[zone.kind]
            if zone.hold_s is not None:
                found.append(Need(kind, zone.id, f"zones[{zone.id}].hold_s", zone.hold_s))
            else:
                found.append(Need(kind, zone.id, f"rules.{default}", getattr(rules, default)))
        elif zone.kind == "bed" and zone.schedule:  # in bed long enough, then out of it
            both_s = rules.bed_occupied_s + rules.bed_exit_s
            setting = "rules.bed_occupied_s + rules.bed_exit_s"
            found.append(Need(EventType.BED_EXIT, zone.id, setting, both_s))
    return found


def clip_limits(current: VisionConfig, proposed: VisionConfig, clip_s: float) -> list[ReplayLimit]:
    """What a clip of `clip_s` seconds cannot reproduce, with which configuration."""
    runs = {
        run: {(n.type, n.zone_id): n for n in needs(vision) if n.needs_s >= clip_s}
        for run, vision in ((Run.CURRENT, current), (Run.PROPOSED, proposed))
    }
    before, after = runs[Run.CURRENT], runs[Run.PROPOSED]
    limits: list[ReplayLimit] = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0], k[1] or "")):
        b, a = before.get(key), after.get(key)
        if b is not None and b == a:
            limits.append(_limit(b, Run.BOTH))
            continue
        limits += [_limit(n, run) for n, run in ((b, Run.CURRENT), (a, Run.PROPOSED)) if n]
    return limits


def _limit(need: Need, run: Run) -> ReplayLimit:
    return ReplayLimit(str(need.type), need.zone_id, need.setting, round(need.needs_s, 2), run)


class Replayer:
    """Runs one replay at a time, on one CPU thread, so live cameras keep their share."""

    def __init__(self, models: ModelsConfig, shared: SharedModels) -> None:
        self.models = models.model_copy(update={"threads": 1})
        self.shared = shared
        self._lock = threading.Lock()
        self._cache: OrderedDict[_CacheKey, list[SafetyEvent]] = OrderedDict()

    def run(
        self,
        camera_id: str,
        current: VisionConfig,
        proposed: VisionConfig,
        clips: Sequence[ReplayClip],
    ) -> ReplayResult:
        started = time.monotonic()
        with self._lock:
            replays = [self._clip(camera_id, current, proposed, clip) for clip in clips]
        return ReplayResult.of(camera_id, replays, time.monotonic() - started)

    def _clip(
        self, camera_id: str, current: VisionConfig, proposed: VisionConfig, clip: ReplayClip
    ) -> ClipReplay:
        try:
            before = self._events(camera_id, current, clip)
            after = self._events(camera_id, proposed, clip)
        except AnalyzeError as error:
            return ClipReplay(clip.event_id, clip.clip_path, [], str(error))
        events = match_events(before, after)
        clip_s = clip_length_s(clip.file)
        if clip_s is None:
            return ClipReplay(clip.event_id, clip.clip_path, events)
        limits = clip_limits(current, proposed, clip_s)
        return ClipReplay(clip.event_id, clip.clip_path, events, None, round(clip_s, 2), limits)

    def _events(self, camera_id: str, vision: VisionConfig, clip: ReplayClip) -> list[SafetyEvent]:
        key = _cache_key(clip.file, clip.start_epoch_s, vision)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        # One worker: a replay runs beside the live cameras and must not take their cores.
        # The clip is decoded exactly: its pictures are the camera's as they were analysed.
        start_s, models, shared = clip.start_epoch_s, self.models, self.shared
        found = analyze_file(clip.file, camera_id, vision, models, start_s, shared, 1, exact_frames)
        events = list(found)
        self._cache[key] = events
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return events


def _cache_key(file: Path, start_epoch_s: float, vision: VisionConfig) -> _CacheKey:
    try:
        modified_ns = file.stat().st_mtime_ns
    except OSError:
        modified_ns = -1  # analysing it will say what is wrong
    return str(file), modified_ns, start_epoch_s, vision.model_dump_json()
