"""`guichet purge | export | erase | users | access-log`: the store's commands for staff."""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING, Annotated

import typer

from chatbot.cli.support import err, friendly_errors, load_settings, out

if TYPE_CHECKING:
    from chatbot.store.storage import Storage


def _storage() -> Storage:
    """The store without spaCy: these commands never write free text."""
    from chatbot.privacy.redaction import Redactor
    from chatbot.wiring import build_storage

    return build_storage(load_settings(), redactor=Redactor())


def _operator() -> str:
    """Who runs the command, for the access log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def register_privacy_commands(app: typer.Typer) -> None:
    """Add the commands to the `guichet` application."""
    users = typer.Typer(
        help="Staff accounts: tokens with roles agent, auditor or admin.", no_args_is_help=True
    )
    app.add_typer(users, name="users")

    @app.command()
    def purge(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Apply the retention periods now (the service also does it on a schedule)."""
        with friendly_errors():
            storage = _storage()
            try:
                report = storage.conversations.purge(dry_run=dry_run)
            finally:
                storage.close()
        if as_json:
            print(json.dumps(report.as_dict()))
            return
        verb = "would be" if dry_run else "were"
        out.print(
            f"Conversation text older than {report.conversations_before}: "
            f"{report.answers_stripped} answers {verb} stripped, {report.sessions_deleted} "
            f"sessions {verb} deleted.\nAudit records older than {report.audit_before}: "
            f"{report.answers_deleted} {verb} deleted."
        )

    @app.command()
    def export(
        session_id: Annotated[str, typer.Argument(help="The resident's session id.")],
    ) -> None:
        """Print everything stored about a conversation, as JSON (a resident's access request)."""
        with friendly_errors():
            storage = _storage()
            try:
                data = storage.conversations.export(session_id)
                key = storage.conversations.pseudonymizer.key(session_id)[:12]
                storage.access_log.append(_operator(), "admin", "export_session", key, {})
            finally:
                storage.close()
        print(json.dumps(data, ensure_ascii=False, indent=2))

    @app.command()
    def erase(
        session_id: Annotated[str, typer.Argument(help="The resident's session id.")],
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Erase a conversation and every trace of it (a resident's erasure request)."""
        if not yes:
            typer.confirm(f"Erase conversation {session_id[:6]}… for good?", abort=True)
        with friendly_errors():
            storage = _storage()
            try:
                removed = storage.conversations.erase(session_id)
                storage.access_log.append(
                    _operator(), "admin", "erase_session", "session", {"answers": removed}
                )
            finally:
                storage.close()
        out.print(f"Erased: the conversation and its {removed} answers.")

    @users.command("add")
    def users_add(
        name: Annotated[str, typer.Argument(help="Account name, e.g. a.martin.")],
        role: Annotated[str, typer.Option(help="agent, auditor or admin.")] = "agent",
    ) -> None:
        """Create an account and print its token (shown once: store it safely)."""
        with friendly_errors():
            storage = _storage()
            try:
                token = storage.staff.add(name, role)
            finally:
                storage.close()
        err.print(f"Account {name} ({role}) created. Its token, shown only now:")
        print(token)

    @users.command("list")
    def users_list(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """List accounts (tokens are never shown again)."""
        with friendly_errors():
            storage = _storage()
            try:
                rows = storage.staff.list()
            finally:
                storage.close()
        if as_json:
            print(json.dumps(rows))
            return
        for row in rows:
            state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
            out.print(f"{row['name']:<24} {row['role']:<8} created {row['created_at']}  {state}")

    @users.command("revoke")
    def users_revoke(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
        """Disable an account: its token stops working at once."""
        with friendly_errors():
            storage = _storage()
            try:
                storage.staff.revoke(name)
            finally:
                storage.close()
        out.print(f"Account {name} revoked.")

    @app.command("access-log")
    def access_log(
        limit: Annotated[int, typer.Option(help="Newest entries to print.")] = 50,
        verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain.")] = False,
    ) -> None:
        """Print the staff access log (newest first), or check that nobody altered it."""
        with friendly_errors():
            storage = _storage()
            try:
                if verify:
                    intact, _, message = storage.access_log.verify()
                else:
                    storage.access_log.append(
                        _operator(), "admin", "read_access_log", "access_log", {"limit": limit}
                    )
                    rows = storage.access_log.entries(limit)
            finally:
                storage.close()
        if verify:
            (out if intact else err).print(message)
            raise typer.Exit(0 if intact else 1)
        for row in rows:
            out.print(
                f"{row['at']}  {row['actor']:<20} {row['role']:<8} {row['action']:<16} "
                f"{row['target']}  {json.dumps(row['detail'], ensure_ascii=False)}"
            )
