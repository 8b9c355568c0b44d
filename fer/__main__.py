"""`python -m fer` runs the command line."""

import sys

from fer.cli import main

sys.exit(main())
