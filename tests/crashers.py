"""Fake work functions for the pool tests (top level: sent to worker processes)."""

import os

from pipeline.pool import read_job


def die_on_poison(job, limits):
    if "poison" in job.name:
        os._exit(3)  # a worker killed mid-file (segfault, OOM killer)
    return read_job(job, limits)
