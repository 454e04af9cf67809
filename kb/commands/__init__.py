"""The CLI's command modules; each adds its subcommands with register(subparsers)."""

from kb.commands import accounts, archive, database, documents, evaluate, lists, plans, serve, sync

MODULES = [documents, sync, lists, plans, archive, accounts, serve, evaluate, database]
