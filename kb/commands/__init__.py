"""The CLI's command modules; each adds its subcommands with register(subparsers)."""

from kb.commands import database, documents, evaluate, lists, plans

MODULES = [documents, lists, plans, evaluate, database]
