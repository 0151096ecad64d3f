"""`flask messages purge --older-than DAYS`: remove for good what was deleted long enough ago, after asking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from messageboard import store


@click.command("purge")
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Purge messages deleted more than this many days ago (0: the whole trash).",
)
@click.option("--yes", is_flag=True, help="Purge without asking.")
@with_appcontext
def purge(days: int, yes: bool):
    """Remove for good the deleted messages older than DAYS in the trash, with every revision of them."""
    before = datetime.now(UTC) - timedelta(days=days)
    doomed = store.trash_deleted_before(before)
    if not doomed:
        click.echo(f"Nothing in the trash was deleted more than {_days(days)} ago; nothing was purged.")
        return
    revisions = sum(trashed.revisions for trashed in doomed)
    click.echo(
        f"{_counted(len(doomed), 'deleted message')} deleted more than {_days(days)} ago "
        f"(before {before:%Y-%m-%d %H:%M} UTC) will be removed for good, with their "
        f"{_counted(revisions, 'revision')}:"
    )
    for trashed in doomed:
        click.echo(
            f"  {trashed.message.key}  deleted {trashed.deleted_at:%Y-%m-%d %H:%M} UTC by {trashed.deleted_by}, "
            f"{_counted(trashed.revisions, 'revision')}"
        )
    if not yes:
        click.confirm("Purge them?", abort=True)
    messages, revisions = store.purge_trash([trashed.message.id for trashed in doomed], deleted_before=before)
    click.echo(f"Purged {_counted(messages, 'message')} and {_counted(revisions, 'revision')}.")


def _days(days: int) -> str:
    return _counted(days, "day")


def _counted(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
