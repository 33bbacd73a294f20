"""``python -m extract`` is the ``xxgk`` command."""

from .cli import main

main()
