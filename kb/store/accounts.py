"""Accounts (who may log in, with which role) and the count of wrong passwords by name typed."""

from __future__ import annotations

from dataclasses import dataclass

from kb.records import Account
from kb.store.backend import Backend, Row

_COLUMNS = "id, name, role, password_hash, enabled, created_at, updated_at, last_login_at"


@dataclass(frozen=True)
class AccountRow:
    """An account as stored, with its password hash (for the accounts service only)."""

    id: int
    account: Account
    password_hash: str


def _row(r: Row) -> AccountRow:
    return AccountRow(r["id"], Account(r["name"], r["role"], bool(r["enabled"]), r["created_at"], r["updated_at"],
                                       r["last_login_at"]), r["password_hash"])


class AccountRows:
    """The accounts and login_failures tables."""

    TABLES = ("accounts", "login_failures")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    # ---- accounts -------------------------------------------------------------------------------
    def create(self, name: str, role: str, password_hash: str, stamp: str) -> None:
        """A new enabled account; Conflict if the name is taken."""
        self.db.execute("INSERT INTO accounts(name, role, password_hash, enabled, created_at, updated_at) "
                        "VALUES (?, ?, ?, 1, ?, ?)", (name, role, password_hash, stamp, stamp))

    def get(self, name: str) -> AccountRow | None:
        r = self.db.fetch_one(f"SELECT {_COLUMNS} FROM accounts WHERE name = ?", (name,))
        return _row(r) if r else None

    def all(self) -> list[Account]:
        return [_row(r).account for r in self.db.fetch_all(f"SELECT {_COLUMNS} FROM accounts ORDER BY name")]

    def count_enabled(self, role: str) -> int:
        return int(self.db.fetch_value("SELECT count(*) FROM accounts WHERE role = ? AND enabled = 1", (role,), 0))

    def set_role(self, name: str, role: str, stamp: str) -> None:
        self.db.execute("UPDATE accounts SET role = ?, updated_at = ? WHERE name = ?", (role, stamp, name))

    def set_enabled(self, name: str, enabled: bool, stamp: str) -> None:
        self.db.execute("UPDATE accounts SET enabled = ?, updated_at = ? WHERE name = ?",
                        (1 if enabled else 0, stamp, name))

    def set_password_hash(self, name: str, password_hash: str, stamp: str) -> None:
        self.db.execute("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE name = ?",
                        (password_hash, stamp, name))

    def logged_in(self, name: str, stamp: str) -> None:
        self.db.execute("UPDATE accounts SET last_login_at = ? WHERE name = ?", (stamp, name))

    # ---- wrong passwords, by the name typed -----------------------------------------------------
    def locked_until(self, name: str) -> str | None:
        return self.db.fetch_value("SELECT locked_until FROM login_failures WHERE name = ?", (name,))

    def count_failure(self, name: str, max_failures: int, lock_until: str) -> int:
        """Count one more wrong password for `name`; at `max_failures` in a row the name is locked until
        `lock_until` and the count starts again. Returns the count (0 once it locked).

        One INSERT … ON CONFLICT … RETURNING: two wrong passwords at once are both counted."""
        count = int(self.db.fetch_value(
            "INSERT INTO login_failures(name, failures) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET failures = login_failures.failures + 1 RETURNING failures", (name,)))
        if count >= max_failures:
            self.db.execute("UPDATE login_failures SET failures = 0, locked_until = ? WHERE name = ?",
                            (lock_until, name))
            return 0
        return count

    def clear_failures(self, name: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE name = ?", (name,))
