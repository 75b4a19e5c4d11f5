"""`carewatch user add|list|passwd|disable|enable`: accounts, before and while the service runs."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from carewatch.admin.database_args import Unusable, add_database_source, database_config
from carewatch.config import ConfigError
from supervision.audit.chain import append_audit
from supervision.db import create_engine_for, migrate, session_factory
from supervision.org.scope import Role
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import (
    UserView,
    create_user,
    get_user_by_name,
    list_users,
    set_active,
    set_password,
)

EXIT_OK, EXIT_USAGE = 0, 2
PASSWORD_ENV = "CAREWATCH_PASSWORD"
CLI_ACTOR = "cli"


def add_parser(subparsers: Any) -> None:
    user = subparsers.add_parser("user", help="user accounts: add, list, passwd, disable, enable")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help=f"add an account (password from ${PASSWORD_ENV} or asked)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[str(role) for role in Role])
    add.add_argument(
        "--node", help="facility:ID, street:ID or district:ID the role covers (none for admins)"
    )
    add.add_argument("--display-name", default="", help="name shown in the dashboard")
    for name, text in (
        ("list", "list accounts"),
        ("passwd", f"set a password (from ${PASSWORD_ENV} or asked)"),
        ("disable", "disable an account and its sessions"),
        ("enable", "enable an account again"),
    ):
        action = actions.add_parser(name, help=text)
        if name != "list":
            action.add_argument("username")
        add_database_source(action)
    add_database_source(add)


def run(args: argparse.Namespace) -> int:
    """0: done (accounts listed on stdout); 2: bad settings, database, node or password."""
    try:
        engine = create_engine_for(database_config(args))
        try:
            migrate(engine)
            with session_factory(engine).begin() as session:
                _ACTIONS[args.user_command](session, args)
        finally:
            engine.dispose()
    # Users' and the tree's errors are ValueError or LookupError, each naming the field.
    except (ConfigError, Unusable, LookupError, ValueError) as error:
        print(f"carewatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as error:
        print(f"carewatch: cannot use the database: {error.__class__.__name__}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def parse_node(text: str | None) -> NodeRef | None:
    """`street:s1` → NodeRef(street, s1); ValueError naming --node otherwise."""
    if text is None:
        return None
    kind, _, node_id = text.partition(":")
    kinds = ", ".join(str(k) for k in NodeKind)
    if kind not in {str(k) for k in NodeKind} or not node_id:
        raise ValueError(f"--node: expected KIND:ID with KIND one of {kinds}, got {text!r}")
    return NodeRef(NodeKind(kind), node_id)


def _add(session: Session, args: argparse.Namespace) -> None:
    node = parse_node(args.node)
    password = _new_password()
    user = create_user(
        session, args.username, password, args.role, node, display_name=args.display_name
    )
    append_audit(session, CLI_ACTOR, "user_created", "user", str(user.id), {"role": args.role})
    print(f"added {_describe(user)}")


def _list(session: Session, args: argparse.Namespace) -> None:
    for user in list_users(session):
        print(_describe(user))


def _passwd(session: Session, args: argparse.Namespace) -> None:
    user = get_user_by_name(session, args.username)
    set_password(session, user.id, _new_password())
    append_audit(session, CLI_ACTOR, "password_set", "user", str(user.id))


def _activate(session: Session, args: argparse.Namespace) -> None:
    active = args.user_command == "enable"
    user = set_active(session, get_user_by_name(session, args.username).id, active)
    append_audit(session, CLI_ACTOR, f"user_{args.user_command}d", "user", str(user.id))
    print(_describe(user))


_ACTIONS = {
    "add": _add,
    "list": _list,
    "passwd": _passwd,
    "disable": _activate,
    "enable": _activate,
}


def _new_password() -> str:
    """From $CAREWATCH_PASSWORD (scripts), else asked twice on the terminal."""
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise ValueError(f"password: set ${PASSWORD_ENV} or run on a terminal")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("password: the two entries differ")
    return first


def _describe(user: UserView) -> str:
    node = "everything" if user.node is None else f"{user.node.kind}:{user.node.id}"
    state = "" if user.active else " (disabled)"
    return f"{user.username}\t{user.role}\t{node}{state}"
