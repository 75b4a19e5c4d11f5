"""The rules a camera's configuration asks for, run together on each analysed frame."""

from __future__ import annotations

from collections.abc import Callable

from vision.config import RuleThresholds, VisionConfig
from vision.rules.areas import ExitBlockedRule, IntrusionRule, UnderstaffedRule
from vision.rules.fire import FireRule
from vision.rules.health import CameraTamperRule
from vision.rules.lifecycle import RuleSignal
from vision.rules.movement import BedExitRule, DoorRule, ExitLineRule
from vision.rules.scene import Rule, SceneView
from vision.zones import ZoneConfig

_ZONE_RULES: dict[str, Callable[[list[ZoneConfig], RuleThresholds], Rule]] = {
    "exit": ExitBlockedRule,
    "restricted": IntrusionRule,
    "duty": UnderstaffedRule,
    "door": DoorRule,
    "bed": BedExitRule,
}


def build_rules(config: VisionConfig, fire: bool, health: bool) -> list[Rule]:
    """A rule for each kind of zone or line configured, plus fire and camera health if on."""
    t = config.rules
    rules: list[Rule] = []
    for kind, make in _ZONE_RULES.items():
        zones = [zone for zone in config.zones if zone.kind == kind]
        if zones:
            rules.append(make(zones, t))
    if config.lines:
        rules.append(ExitLineRule(config.lines, t))
    if fire and t.fire_fps > 0:
        rules.append(FireRule(t))
    if health:
        rules.append(CameraTamperRule(t))
    return rules


class RuleEngine:
    """Steps every rule of a camera; `close` ends what is open (end of a file, shutdown)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    def step(self, view: SceneView) -> list[RuleSignal]:
        return [signal for rule in self.rules for signal in rule.step(view)]

    def close(self) -> list[RuleSignal]:
        return [signal for rule in self.rules for signal in rule.close()]
