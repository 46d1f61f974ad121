import sys

from mediacenter.cli import main

sys.exit(main())
