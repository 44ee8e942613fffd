import sys

from bedstretch.cli import main

sys.exit(main())
