"""The ``xxgk`` command line: a thin layer over the library.

Built on click, which imports in a few milliseconds (a command's start-up is part of every run);
rich is imported only by what draws a table or a progress bar.
"""
from __future__ import annotations

import click


class _Group(click.Group):
    """Lists its commands in --help in the order they were registered (click sorts them by name)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Group, no_args_is_help=True, context_settings={"show_default": True})
def app() -> None:
    """Government information-disclosure annual reports → checked, grounded data."""


def die(message: str, code: int = 2) -> None:
    """Stop with one ``error: message`` line on stderr and the exit ``code`` (2: a usage error)."""
    click.echo(f"{click.style('error:', fg='red')} {message}", err=True)
    raise click.exceptions.Exit(code)


def _register() -> None:
    """Sub-commands register themselves on ``app`` when imported."""
    from . import eval_cmd, extract_cmd  # noqa: F401


def main() -> None:
    _register()
    app()
