import sys

from audioflan_ray.cli import main

sys.exit(main())
