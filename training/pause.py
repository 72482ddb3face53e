"""A plain test hook for kill tests: with SFTMART_PAUSE_AT=<stage> set, the process stops at that
named stage of an adapter node and waits to be killed (kill -9), so a test can kill it at a known
point instead of guessing with timers. Unset (every normal run), `pause_at` returns at once.

Stages (where `pause_at` is called):
  training   right after a checkpoint of an unfinished run is saved (training.train)
  merge      the merged guide model's weights staged, not yet published (training.models.merge_adapter)
  recording  the run trained (and merged), its row not yet in the warehouse (training.dag)
  publish_log_aside  the published file's write-ahead log renamed aside, the copy not yet in place
  publish_replaced   the copy renamed over the published file, the aside log not yet removed
                     (both in sftmart.publish.publish)

When it pauses it writes its pid to the file $SFTMART_PAUSE_FLAG (when set) and says so on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PAUSE_STAGES = ("training", "merge", "recording", "publish_log_aside", "publish_replaced")
PAUSE_AT_ENV = "SFTMART_PAUSE_AT"
PAUSE_FLAG_ENV = "SFTMART_PAUSE_FLAG"


def pause_at(stage: str) -> None:
    """Blocks for ever when $SFTMART_PAUSE_AT names `stage`; returns at once otherwise."""
    if stage not in PAUSE_STAGES:
        raise ValueError(f"unknown pause stage {stage!r}; stages are {PAUSE_STAGES}")
    if os.environ.get(PAUSE_AT_ENV) != stage:
        return
    flag = os.environ.get(PAUSE_FLAG_ENV)
    if flag:
        staging = Path(f"{flag}.{os.getpid()}.tmp")
        staging.write_text(str(os.getpid()))
        staging.replace(flag)  # the test sees the whole pid or no file
    print(f"{PAUSE_AT_ENV}={stage}: paused (pid {os.getpid()}), waiting to be killed", file=sys.stderr, flush=True)
    while True:
        time.sleep(60)
