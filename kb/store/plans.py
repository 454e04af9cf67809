"""Year plans: one row a year and twelve month rows, each month optionally linked to a reading list."""

from __future__ import annotations

from collections.abc import Sequence

from kb.clock import now
from kb.records import DEFAULT_PLAN_FORMAT, MONTHS, MonthPlan, Plan
from kb.store.backend import Backend

_PLAN_FIELDS = ("main_line", "title", "unit")
_MONTH_FIELDS = ("theme", "format", "note", "list_id")


class PlanRows:
    """The plans and plan_months tables."""

    TABLES = ("plans", "plan_months")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def id_of(self, year: int) -> int | None:
        return self.db.fetch_value("SELECT id FROM plans WHERE year = ?", (year,))

    def years(self) -> list[int]:
        """Years that have a plan, latest first."""
        return [int(y) for y in self.db.fetch_column("SELECT year FROM plans ORDER BY year DESC")]

    def get(self, plan_id: int) -> Plan | None:
        row = self.db.fetch_one("SELECT * FROM plans WHERE id = ?", (plan_id,))
        if row is None:
            return None
        months = self.db.fetch_all(
            """SELECT m.month, m.theme, m.format, m.note, l.name AS list_name, l.topic AS list_topic,
                      (SELECT count(*) FROM reading_list_items i WHERE i.list_id = l.id) AS readings
               FROM plan_months m LEFT JOIN reading_lists l ON l.id = m.list_id
               WHERE m.plan_id = ? ORDER BY m.month""",
            (plan_id,),
        )
        by_month = {r["month"]: r for r in months}
        return Plan(
            id=plan_id, year=row["year"], title=row["title"], main_line=row["main_line"], unit=row["unit"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            months=tuple(
                MonthPlan(month=m, theme=r["theme"], format=r["format"], note=r["note"], list_name=r["list_name"],
                          list_topic=r["list_topic"], readings=r["readings"] if r["list_name"] else 0)
                if (r := by_month.get(m)) else MonthPlan(m, "", DEFAULT_PLAN_FORMAT, None, None, None, 0)
                for m in MONTHS
            ),
        )

    def create(self, year: int, title: str, main_line: str, unit: str | None,
               themes: Sequence[str], formats: Sequence[str]) -> int:
        """A plan with its twelve months (themes and formats January first); Conflict if the year has one."""
        stamp = now()
        with self.db.transaction():
            plan_id = int(self.db.fetch_value(
                "INSERT INTO plans(year, title, main_line, unit, created_at, updated_at) VALUES (?,?,?,?,?,?) "
                "RETURNING id", (year, title, main_line, unit, stamp, stamp)))
            self.db.executemany(
                "INSERT INTO plan_months(plan_id, month, theme, format) VALUES (?,?,?,?)",
                [(plan_id, m, themes[m - 1] if m <= len(themes) else "",
                  (formats[m - 1] if m <= len(formats) else "") or DEFAULT_PLAN_FORMAT) for m in MONTHS],
            )
        return plan_id

    def update(self, plan_id: int, **changes: str | None) -> None:
        """Set main_line, title or unit."""
        _check(changes, _PLAN_FIELDS)
        if not changes:
            return
        with self.db.transaction():
            self.db.execute(f"UPDATE plans SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                            [*changes.values(), plan_id])
            self._touch(plan_id)

    def set_month(self, plan_id: int, month: int, **changes: object) -> None:
        """Set a month's theme, format, note or list_id."""
        _check(changes, _MONTH_FIELDS)
        if not changes:
            return
        with self.db.transaction():
            self.db.execute(f"UPDATE plan_months SET {', '.join(f'{k} = ?' for k in changes)} "
                            "WHERE plan_id = ? AND month = ?", [*changes.values(), plan_id, month])
            self._touch(plan_id)

    def delete(self, plan_id: int) -> None:
        self.db.execute("DELETE FROM plans WHERE id = ?", (plan_id,))

    def _touch(self, plan_id: int) -> None:
        self.db.execute("UPDATE plans SET updated_at = ? WHERE id = ?", (now(), plan_id))


def _check(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
