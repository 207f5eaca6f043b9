"""`python -m infra.cli`: the `lease` command line."""

from infra.cli import main

main()
