import sys

from okroute_mock.cli import main

sys.exit(main())
