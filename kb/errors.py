"""User-facing errors: each message says what is wrong and how to fix it (in Chinese)."""


class KBError(Exception):
    """Base class for errors shown to users as one line, without a traceback."""


class FormatError(KBError):
    """The data directory was written by an unknown or newer kb."""


class ModelMismatch(KBError):
    """The knowledge base was built with another embedding model."""


class NotFound(KBError):
    """A document, chunk, reading list or plan that does not exist."""


class InvalidInput(KBError):
    """A bad argument from the user (date, kind, format …)."""


class Conflict(KBError):
    """A write that collides with a stored record (a unique name taken, a row changed or removed by
    another writer). Services turn it into a message that names the record."""


class SettingsMismatch(KBError):
    """The knowledge base was built with other chunker or keyword-index settings."""


class StoreUnavailable(KBError):
    """The database cannot be read or written just now (busy, disk full, no permission)."""


class StoreDamaged(FormatError):
    """The database file is not a knowledge base database, or is damaged."""


class PermissionDenied(KBError):
    """The acting user's role does not allow the action (the message names the role needed)."""


class LoginFailed(KBError):
    """A wrong name or password, a disabled or locked account: one message that does not say which
    of the first two it was."""
