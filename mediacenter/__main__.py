"""`python -m mediacenter`: the same as the `mediacenter` command."""

import sys

from mediacenter.cli import main

sys.exit(main())
