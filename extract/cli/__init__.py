"""The ``xxgk`` command line: a thin layer over the library."""
from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Government information-disclosure annual reports → checked, grounded data.")


def _register() -> None:
    """Sub-commands register themselves on ``app`` when imported."""
    from . import eval_cmd, extract_cmd  # noqa: F401


def main() -> None:
    _register()
    app()
