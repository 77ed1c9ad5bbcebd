import sys

from okroute_verify.cli import main

sys.exit(main())
