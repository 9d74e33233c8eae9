"""`python -m lepton_core` is the `lepton` command."""

import sys

from lepton_core.cli import main

sys.exit(main())
