"""Entrypoint for `ray job submit`, KubeRay and the laptop alike: parse config, build, print the summary.

    ray job submit --working-dir . -- python ray_jobs/build_dataset.py -c conf/cluster.yaml output.uri=s3://b/p

Inside a Ray job, Ray is already running and ``ray.init()`` joins it. Re-submitting the same config and output is
safe: a completed output is recognised by its build id and left as it is.
"""

import sys

from audioflan_ray.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
