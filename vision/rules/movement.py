"""Movement rules: leaving across an exit line or through a door at night, and leaving a bed."""

from __future__ import annotations

from vision.config import RuleThresholds
from vision.events import EventType, Severity
from vision.rules.lifecycle import Condition, RuleSignal, Timing, Watch, instant
from vision.rules.scene import SceneView, centre_point, foot_point, signals
from vision.zones import LineConfig, Point, ZoneConfig, contains, crossing_side


class ExitLineRule:
    """A person crossing an exit line towards its outside while the line's schedule is on."""

    def __init__(self, lines: list[LineConfig], thresholds: RuleThresholds) -> None:
        self._lines = lines
        self._cooldown_s = thresholds.cooldown_s
        self._last_point: dict[int, Point] = {}
        self._last_alarm_s: dict[tuple[str, int], float] = {}

    def step(self, view: SceneView) -> list[RuleSignal]:
        found: list[RuleSignal] = []
        for person in view.people:
            point = foot_point(person)
            before = self._last_point.get(person.track_id)
            self._last_point[person.track_id] = point
            if before is not None:
                found += self._crossings(view, person.track_id, before, point)
        for track_id in view.lost_track_ids:
            self._last_point.pop(track_id, None)
        return found

    def close(self) -> list[RuleSignal]:
        return []

    def _crossings(
        self, view: SceneView, track_id: int, before: Point, after: Point
    ) -> list[RuleSignal]:
        found = []
        for line in self._lines:
            side = crossing_side(line.points, before, after)
            outward = side is not None and line.out_side in (side, "either")
            if outward and line.active(view.local_time) and self._rested(line.id, track_id, view):
                watch = Watch(EventType.WANDERING, Severity.CRITICAL, line.id, track_id)
                found.append(instant(watch, view.pts_s))
        return found

    def _rested(self, line_id: str, track_id: int, view: SceneView) -> bool:
        last_s = self._last_alarm_s.get((line_id, track_id))
        if last_s is not None and view.pts_s - last_s < self._cooldown_s:
            return False
        self._last_alarm_s[(line_id, track_id)] = view.pts_s
        return True


class DoorRule:
    """A person last seen inside a door zone, then gone, while its schedule is on: they left."""

    def __init__(self, zones: list[ZoneConfig], thresholds: RuleThresholds) -> None:
        self._zones = zones
        self._last_seen: dict[int, tuple[float, Point]] = {}

    def step(self, view: SceneView) -> list[RuleSignal]:
        for person in view.people:
            self._last_seen[person.track_id] = (view.pts_s, foot_point(person))
        found = []
        for track_id in view.lost_track_ids:
            seen = self._last_seen.pop(track_id, None)
            zone = self._door_at(seen[1]) if seen else None
            if seen is not None and zone is not None and zone.active(view.local_time):
                watch = Watch(EventType.WANDERING, Severity.CRITICAL, zone.id, track_id)
                found.append(instant(watch, seen[0]))
        return found

    def close(self) -> list[RuleSignal]:
        return []

    def _door_at(self, point: Point) -> ZoneConfig | None:
        return next((zone for zone in self._zones if contains(zone.polygon, *point)), None)


class _Bed:
    """One bed zone: whether someone lay in it long enough, and its exit condition."""

    def __init__(self, zone: ZoneConfig, thresholds: RuleThresholds) -> None:
        self.zone = zone
        self.occupied = False
        self.in_since_s: float | None = None
        timing = Timing(thresholds.bed_exit_s, 0.0, thresholds.cooldown_s)
        self.exit = Condition(Watch(EventType.BED_EXIT, Severity.WARNING, zone.id), timing)


class BedExitRule:
    """During a bed zone's schedule, the occupied bed becomes empty while a person is outside it.

    The person must be seen leaving (outside the bed), so that someone the pose model loses
    under a blanket does not count as gone; the event ends when someone is back in the bed.
    """

    def __init__(self, zones: list[ZoneConfig], thresholds: RuleThresholds) -> None:
        self._occupied_s = thresholds.bed_occupied_s
        self._beds = [_Bed(zone, thresholds) for zone in zones if zone.schedule]

    def step(self, view: SceneView) -> list[RuleSignal]:
        return signals(*(self._step_bed(bed, view) for bed in self._beds))

    def close(self) -> list[RuleSignal]:
        return signals(*(bed.exit.close() for bed in self._beds))

    def _step_bed(self, bed: _Bed, view: SceneView) -> RuleSignal | None:
        in_bed = [p for p in view.people if contains(bed.zone.polygon, *centre_point(p))]
        self._track_occupancy(bed, bool(in_bed), view.pts_s)
        outside = len(view.people) > len(in_bed)
        left = bed.occupied and not in_bed and (outside or bed.exit.is_open)
        return bed.exit.update(left and bed.zone.active(view.local_time), view.pts_s)

    def _track_occupancy(self, bed: _Bed, someone_in_bed: bool, pts_s: float) -> None:
        if not someone_in_bed:
            bed.in_since_s = None
            return
        bed.in_since_s = pts_s if bed.in_since_s is None else bed.in_since_s
        bed.occupied = bed.occupied or pts_s - bed.in_since_s >= self._occupied_s
