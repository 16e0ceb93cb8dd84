"""`python -m dementi.cli` = the `dementi` console script (tests and the supervisor spawn it so)."""

from dementi.cli import cli

cli()
