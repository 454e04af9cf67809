"""The study record's tables: the roster and the names minutes use, sign-ins, make-up study, study
outputs, and which session held each plan month."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kb.clock import now
from kb.records import MakeupRecord, Member, OutputRecord, SignInEdit
from kb.store.backend import Backend, Row

_MEMBER_FIELDS = {"name": "name", "post": "post", "joined": "joined_on", "left": "left_on"}


def _signin(r: Row) -> SignInEdit:
    return SignInEdit(doc_id=r["doc_id"], member_id=int(r["member_id"]), status=r["status"], reason=r["reason"],
                      lead=None if r["lead"] is None else bool(r["lead"]))


def _makeup(r: Row) -> MakeupRecord:
    return MakeupRecord(doc_id=r["doc_id"], member_id=int(r["member_id"]), date=r["date"],
                        studied=tuple(json.loads(r["studied"])), reflection_id=r["reflection_id"], note=r["note"])


def _output(r: Row) -> OutputRecord:
    return OutputRecord(doc_id=r["doc_id"], type=r["type"],
                        member_id=None if r["member_id"] is None else int(r["member_id"]), year=int(r["year"]),
                        session_id=r["session_id"], month=None if r["month"] is None else int(r["month"]),
                        outcome=r["outcome"])


class RosterRows:
    """The members, member_names, signins, makeups, study_outputs and plan_held tables."""

    TABLES = ("members", "member_names", "signins", "makeups", "study_outputs", "plan_held")  # parents first

    def __init__(self, backend: Backend):
        self.db = backend

    # ---- members and names --------------------------------------------------------------------------
    def members(self) -> list[Member]:
        """Every member who was ever on the roster, in rank order, with their other names."""
        aliases: dict[int, list[str]] = {}
        for r in self.db.fetch_all("SELECT name, member_id FROM member_names WHERE member_id IS NOT NULL "
                                   "ORDER BY name"):
            aliases.setdefault(int(r["member_id"]), []).append(r["name"])
        return [Member(id=int(r["id"]), name=r["name"], post=r["post"], joined=r["joined_on"], left=r["left_on"],
                       position=int(r["position"]), aliases=tuple(aliases.get(int(r["id"]), ())))
                for r in self.db.fetch_all("SELECT * FROM members ORDER BY position, id")]

    def add_member(self, name: str, post: str, joined: str | None, left: str | None,
                   position: int | None = None) -> int:
        """A new member (Conflict if the name is taken), last in rank order unless `position` is given."""
        stamp = now()
        if position is None:
            position = int(self.db.fetch_value("SELECT coalesce(max(position), 0) + 1 FROM members", ()))
        return int(self.db.fetch_value(
            "INSERT INTO members(name, post, joined_on, left_on, position, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", (name, post, joined, left, position, stamp, stamp)))

    def update_member(self, member_id: int, **changes: str | int | None) -> None:
        """Set name, post, joined, left or position."""
        columns = {**_MEMBER_FIELDS, "position": "position"}
        unknown = set(changes) - set(columns)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if changes:
            self.db.execute(
                f"UPDATE members SET {', '.join(f'{columns[k]} = ?' for k in changes)}, updated_at = ? WHERE id = ?",
                [*changes.values(), now(), member_id])

    def delete_member(self, member_id: int) -> None:
        """Remove a member and their other names (Conflict while sign-ins, make-ups or outputs name them)."""
        self.db.execute("DELETE FROM members WHERE id = ?", (member_id,))

    def names(self) -> dict[str, int | None]:
        """Every name mapped by an organiser: to a member's id, or to None (ignored)."""
        return {r["name"]: None if r["member_id"] is None else int(r["member_id"])
                for r in self.db.fetch_all("SELECT name, member_id FROM member_names ORDER BY name")}

    def map_name(self, name: str, member_id: int | None) -> None:
        """Say whom a name means (None: nobody, ignore it)."""
        self.db.execute("INSERT INTO member_names(name, member_id) VALUES (?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET member_id = excluded.member_id", (name, member_id))

    def unmap_name(self, name: str) -> bool:
        return self.db.execute("DELETE FROM member_names WHERE name = ?", (name,)) > 0

    # ---- sign-ins -----------------------------------------------------------------------------------
    def signins(self, doc_ids: Sequence[str] | None = None) -> list[SignInEdit]:
        """The organisers' sign-in records (of some sessions, or all)."""
        if doc_ids is not None and not doc_ids:
            return []
        if doc_ids is None:
            rows = self.db.fetch_all("SELECT * FROM signins ORDER BY doc_id, member_id")
        else:
            rows = [r for part, marks in self.db.in_slices(doc_ids) for r in self.db.fetch_all(
                f"SELECT * FROM signins WHERE doc_id IN ({marks}) ORDER BY doc_id, member_id", part)]
        return [_signin(r) for r in rows]

    def put_signin(self, edit: SignInEdit) -> None:
        """Store what an organiser recorded (every field None: forget it)."""
        if edit.status is None and edit.reason is None and edit.lead is None:
            self.db.execute("DELETE FROM signins WHERE doc_id = ? AND member_id = ?", (edit.doc_id, edit.member_id))
            return
        self.db.execute(
            "INSERT INTO signins(doc_id, member_id, status, reason, lead, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(doc_id, member_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, "
            "lead = excluded.lead, updated_at = excluded.updated_at",
            (edit.doc_id, edit.member_id, edit.status, edit.reason, None if edit.lead is None else int(edit.lead),
             now()))

    # ---- make-up study ------------------------------------------------------------------------------
    def makeups(self) -> list[MakeupRecord]:
        return [_makeup(r) for r in self.db.fetch_all("SELECT * FROM makeups ORDER BY date, doc_id, member_id")]

    def put_makeup(self, record: MakeupRecord) -> None:
        self.db.execute(
            "INSERT INTO makeups(doc_id, member_id, date, studied, reflection_id, note, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id, member_id) DO UPDATE SET date = excluded.date, "
            "studied = excluded.studied, reflection_id = excluded.reflection_id, note = excluded.note, "
            "updated_at = excluded.updated_at",
            (record.doc_id, record.member_id, record.date, json.dumps(list(record.studied)), record.reflection_id,
             record.note, now()))

    def delete_makeup(self, doc_id: str, member_id: int) -> bool:
        return self.db.execute("DELETE FROM makeups WHERE doc_id = ? AND member_id = ?", (doc_id, member_id)) > 0

    # ---- study outputs ------------------------------------------------------------------------------
    def outputs(self, year: int | None = None) -> list[OutputRecord]:
        if year is None:
            rows = self.db.fetch_all("SELECT * FROM study_outputs ORDER BY year, doc_id")
        else:
            rows = self.db.fetch_all("SELECT * FROM study_outputs WHERE year = ? ORDER BY doc_id", (year,))
        return [_output(r) for r in rows]

    def output(self, doc_id: str) -> OutputRecord | None:
        row = self.db.fetch_one("SELECT * FROM study_outputs WHERE doc_id = ?", (doc_id,))
        return _output(row) if row else None

    def put_output(self, record: OutputRecord) -> None:
        self.db.execute(
            "INSERT INTO study_outputs(doc_id, type, member_id, year, session_id, month, outcome, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE SET type = excluded.type, "
            "member_id = excluded.member_id, year = excluded.year, session_id = excluded.session_id, "
            "month = excluded.month, outcome = excluded.outcome, updated_at = excluded.updated_at",
            (record.doc_id, record.type, record.member_id, record.year, record.session_id, record.month,
             record.outcome, now()))

    def delete_output(self, doc_id: str) -> bool:
        return self.db.execute("DELETE FROM study_outputs WHERE doc_id = ?", (doc_id,)) > 0

    # ---- plan months held ---------------------------------------------------------------------------
    def held(self, plan_id: int) -> dict[int, str | None]:
        """The organiser's links of a plan's months to sessions (None: the month was not held)."""
        return {int(r["month"]): r["doc_id"]
                for r in self.db.fetch_all("SELECT month, doc_id FROM plan_held WHERE plan_id = ?", (plan_id,))}

    def set_held(self, plan_id: int, month: int, doc_id: str | None) -> None:
        self.db.execute("INSERT INTO plan_held(plan_id, month, doc_id) VALUES (?, ?, ?) "
                        "ON CONFLICT(plan_id, month) DO UPDATE SET doc_id = excluded.doc_id", (plan_id, month, doc_id))

    def forget_held(self, plan_id: int, month: int) -> bool:
        return self.db.execute("DELETE FROM plan_held WHERE plan_id = ? AND month = ?", (plan_id, month)) > 0

    # ---- a document replaced by a new version -------------------------------------------------------
    def carry(self, old_doc_id: str, new_doc_id: str) -> None:
        """A file was replaced by a new version (inside the caller's transaction): sign-ins, make-ups,
        outputs and plan links that named the old version name the new one. Rows already stored for the
        new content (an earlier version come back) give way to the old version's."""
        if old_doc_id == new_doc_id:
            return
        for table, key in (("signins", "member_id"), ("makeups", "member_id")):
            self.db.execute(f"DELETE FROM {table} WHERE doc_id = ? AND {key} IN "
                            f"(SELECT {key} FROM {table} WHERE doc_id = ?)", (new_doc_id, old_doc_id))
            self.db.execute(f"UPDATE {table} SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))
        if self.db.fetch_value("SELECT 1 FROM study_outputs WHERE doc_id = ?", (old_doc_id,)) is not None:
            self.db.execute("DELETE FROM study_outputs WHERE doc_id = ?", (new_doc_id,))
            self.db.execute("UPDATE study_outputs SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))
        self.db.execute("UPDATE study_outputs SET session_id = ? WHERE session_id = ?", (new_doc_id, old_doc_id))
        self.db.execute("UPDATE makeups SET reflection_id = ? WHERE reflection_id = ?", (new_doc_id, old_doc_id))
        self.db.execute("UPDATE plan_held SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))
        for doc_id, member_id, studied in [(r["doc_id"], r["member_id"], json.loads(r["studied"])) for r in
                                           self.db.fetch_all("SELECT doc_id, member_id, studied FROM makeups")]:
            if old_doc_id in studied:
                replaced = list(dict.fromkeys(new_doc_id if d == old_doc_id else d for d in studied))
                self.db.execute("UPDATE makeups SET studied = ? WHERE doc_id = ? AND member_id = ?",
                                (json.dumps(replaced), doc_id, member_id))

