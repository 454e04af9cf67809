"""Login sessions kept server-side: the browser holds a random token, the table only its hash."""

from __future__ import annotations

from dataclasses import dataclass

from kb.store.backend import Backend


@dataclass(frozen=True)
class LoginRow:
    """A session with the account it belongs to, as it is now (role and enabled read at each use)."""

    name: str
    role: str
    enabled: bool
    created_at: str
    last_seen_at: str


class LoginSessions:
    """The login_sessions table."""

    TABLES = ("login_sessions",)  # what `kb migrate` copies (after accounts: it refers to them)

    def __init__(self, backend: Backend):
        self.db = backend

    def open(self, token_hash: str, account: str, stamp: str) -> None:
        self.db.execute(
            "INSERT INTO login_sessions(token_hash, account_id, created_at, last_seen_at) "
            "SELECT ?, id, ?, ? FROM accounts WHERE name = ?", (token_hash, stamp, stamp, account))

    def get(self, token_hash: str) -> LoginRow | None:
        r = self.db.fetch_one(
            "SELECT a.name, a.role, a.enabled, s.created_at, s.last_seen_at FROM login_sessions s "
            "JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?", (token_hash,))
        return LoginRow(r["name"], r["role"], bool(r["enabled"]), r["created_at"], r["last_seen_at"]) if r else None

    def touch(self, token_hash: str, stamp: str) -> None:
        self.db.execute("UPDATE login_sessions SET last_seen_at = ? WHERE token_hash = ?", (stamp, token_hash))

    def close(self, token_hash: str) -> None:
        self.db.execute("DELETE FROM login_sessions WHERE token_hash = ?", (token_hash,))

    def close_all_of(self, account: str, keep: str | None = None) -> int:
        """End every session of an account (but `keep`, the caller's own); returns how many ended."""
        return self.db.execute(
            "DELETE FROM login_sessions WHERE account_id = (SELECT id FROM accounts WHERE name = ?) "
            "AND token_hash <> ?", (account, keep or ""))

    def purge(self, idle_before: str, created_before: str) -> int:
        """Drop sessions that have expired either way; returns how many."""
        return self.db.execute("DELETE FROM login_sessions WHERE last_seen_at < ? OR created_at < ?",
                               (idle_before, created_before))

    def count_of(self, account: str) -> int:
        return int(self.db.fetch_value(
            "SELECT count(*) FROM login_sessions s JOIN accounts a ON a.id = s.account_id WHERE a.name = ?",
            (account,), 0))
