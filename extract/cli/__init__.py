"""The ``xxgk`` command line: a thin layer over the library."""
from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Government information-disclosure annual reports → checked, grounded data.")


def main() -> None:
    # sub-commands register themselves on import
    from . import extract_cmd, eval_cmd  # noqa: F401
    app()
