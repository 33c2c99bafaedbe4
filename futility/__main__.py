"""``python -m futility``: the command line."""
from futility.cli import main

main()
