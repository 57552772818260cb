"""`python -m bot` is the same as the `riskwire` command."""

import sys

from bot.cli import main

sys.exit(main())
