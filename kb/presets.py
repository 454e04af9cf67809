"""Topic presets organisers pick from: the five problem fields and the recurring study themes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PRESETS_FILE = Path(__file__).with_name("presets.json")


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    description: str
    queries: tuple[str, ...]
    group: str  # "problem_fields" | "themes"
    expected_titles: tuple[str, ...] = ()
    expected_minutes: tuple[str, ...] = ()

    @property
    def query(self) -> str:
        """The search a preset runs: its name and its first example query."""
        return f"{self.name} {self.queries[0]}" if self.queries else self.name


@cache
def load_presets(path: Path = PRESETS_FILE) -> tuple[Preset, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Preset(
            id=item["id"],
            name=item["name"],
            description=item.get("description", ""),
            queries=tuple(item.get("queries", ())),
            group=group,
            expected_titles=tuple(item.get("expected_titles", ())),
            expected_minutes=tuple(item.get("expected_minutes", ())),
        )
        for group in ("problem_fields", "themes")
        for item in data.get(group, ())
    )


def preset(preset_id: str) -> Preset | None:
    return next((p for p in load_presets() if p.id == preset_id or p.name == preset_id), None)
