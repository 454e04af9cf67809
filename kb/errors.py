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
