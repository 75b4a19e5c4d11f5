"""Zone rules: a blocked exit, someone in a restricted area, too few people on duty."""

from __future__ import annotations

from vision.config import RuleThresholds
from vision.events import Category, EventType, Severity
from vision.rules.lifecycle import Condition, RuleSignal, Timing, Watch
from vision.rules.scene import SceneView, people_in, signals
from vision.zones import ZoneConfig


class _ZoneRule:
    """One condition per zone, true while the zone's schedule is on and the evidence holds."""

    event_type: EventType

    def __init__(self, zones: list[ZoneConfig], thresholds: RuleThresholds) -> None:
        self.thresholds = thresholds
        self._zones = [(zone, Condition(self._watch(zone), self._timing(zone))) for zone in zones]

    def step(self, view: SceneView) -> list[RuleSignal]:
        if not self._ready(view):
            return []
        found = []
        for zone, condition in self._zones:
            active, confidence = self._evidence(zone, view)
            active = active and zone.active(view.local_time)
            found.append(condition.update(active, view.pts_s, confidence))
        return signals(*found)

    def close(self) -> list[RuleSignal]:
        return signals(*(condition.close() for _, condition in self._zones))

    def _watch(self, zone: ZoneConfig) -> Watch:
        return Watch(self.event_type, Severity.WARNING, zone.id)

    def _timing(self, zone: ZoneConfig) -> Timing:
        t = self.thresholds
        return Timing(zone.hold_s or self._default_hold_s(), t.clear_s, t.cooldown_s)

    def _ready(self, view: SceneView) -> bool:
        return True

    def _default_hold_s(self) -> float:
        raise NotImplementedError

    def _evidence(self, zone: ZoneConfig, view: SceneView) -> tuple[bool, float]:
        raise NotImplementedError


class ExitBlockedRule(_ZoneRule):
    """Something stationary (not a person) covers part of an exit zone for too long."""

    event_type = EventType.EXIT_BLOCKED

    def _default_hold_s(self) -> float:
        return self.thresholds.exit_blocked_s

    def _ready(self, view: SceneView) -> bool:
        """Paused while the view is tampered with: a turned camera is not a blocked exit."""
        health = view.health
        tampered = health is not None and (health.moved or health.covered or health.defocused)
        return view.static is not None and not tampered

    def _evidence(self, zone: ZoneConfig, view: SceneView) -> tuple[bool, float]:
        assert view.static is not None
        covered = view.static.static_fraction(zone.polygon)
        return covered >= self.thresholds.exit_blocked_fraction, min(1.0, covered)


class IntrusionRule(_ZoneRule):
    """A person inside a restricted zone for longer than its hold time."""

    event_type = EventType.INTRUSION

    def _default_hold_s(self) -> float:
        return self.thresholds.intrusion_s

    def _watch(self, zone: ZoneConfig) -> Watch:
        category = zone.category or Category.HARM_TO_SELF_OR_OTHERS
        return Watch(self.event_type, Severity.WARNING, zone.id, category=category)

    def _evidence(self, zone: ZoneConfig, view: SceneView) -> tuple[bool, float]:
        return bool(people_in(zone.polygon, view.people)), 1.0


class UnderstaffedRule(_ZoneRule):
    """Fewer than `min_people` in a duty zone (fire-control room, night-round corridor)."""

    event_type = EventType.UNDERSTAFFED

    def _default_hold_s(self) -> float:
        return self.thresholds.understaffed_s

    def _timing(self, zone: ZoneConfig) -> Timing:  # ends as soon as enough people are back
        hold_s = zone.hold_s or self.thresholds.understaffed_s
        return Timing(hold_s, 0.0, self.thresholds.cooldown_s)

    def _evidence(self, zone: ZoneConfig, view: SceneView) -> tuple[bool, float]:
        return len(people_in(zone.polygon, view.people)) < zone.min_people, 1.0
