"""The ``xxgk`` command line: a thin layer over the library."""
from __future__ import annotations

import importlib

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Government information-disclosure annual reports → checked, grounded data.")


def _register() -> None:
    """Sub-commands register themselves on ``app`` when imported."""
    from . import extract_cmd  # noqa: F401
    try:
        importlib.import_module(f"{__name__}.eval_cmd")
    except ModuleNotFoundError as e:  # the eval command is optional until it lands
        if e.name != f"{__name__}.eval_cmd":
            raise


def main() -> None:
    _register()
    app()
