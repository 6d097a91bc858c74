"""How many threads torch may use for the next encoding: the cores the rest of the machine left idle.

On a quiet 2-core machine two threads encode a question fastest. When another process keeps a
core busy, two threads are worse than one: torch's worker waits at every layer for a thread
that the scheduler has parked behind the neighbour, and the slowest answers take 5-10 times
longer (measured in `python -m eval.bench --busy`). So before each encoding the policy looks at
what the machine did since its last look (the CPU time all processes used, minus this
process's own) and gives torch the cores that were left idle, at least one.

Nothing is tuned here: the rule is "leave the neighbours their cores". A fixed count (the
`threads` setting: RAG_THREADS, or OMP_NUM_THREADS) turns the policy off.
"""
from __future__ import annotations

import os
import threading
import time

SAMPLE_EVERY = 0.2   # seconds: a shorter window says more about our own burst than about the neighbours


def threads_for(cores: int, others_busy: float) -> int:
    """The cores the neighbours left: all of them, less the cores they kept busy, at least one."""
    return max(1, min(cores, cores - round(others_busy)))


class ThreadPolicy:
    """`apply()` before an encoding sets torch's thread count for it (cheap: two /proc reads)."""

    def __init__(self, fixed: int | None = None, cores: int | None = None):
        import psutil

        if fixed is not None and fixed < 0:
            raise ValueError(f"threads must be 0 (as many as are idle) or a positive count, got {fixed}")

        self._psutil = psutil
        self.fixed = fixed
        if cores is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.cores = cores
        self._me = psutil.Process()
        self._lock = threading.Lock()
        self._last = self._sample()
        self.threads = fixed or self.cores
        self.others_busy = 0.0

    def _sample(self) -> tuple[float, float, float]:
        """(wall time, CPU seconds busy on the whole machine, CPU seconds of this process)."""
        total = self._psutil.cpu_times()
        busy = sum(total) - total.idle - getattr(total, "iowait", 0.0)
        mine = self._me.cpu_times()
        return time.monotonic(), busy, mine.user + mine.system

    def update(self) -> int:
        """Look at the machine if enough time has passed, and return the thread count to use."""
        if self.fixed:
            return self.fixed
        with self._lock:
            now = self._sample()
            wall = now[0] - self._last[0]
            if wall >= SAMPLE_EVERY:
                others = max(0.0, (now[1] - self._last[1]) - (now[2] - self._last[2]))
                self.others_busy = others / wall
                self.threads = threads_for(self.cores, self.others_busy)
                self._last = now
            return self.threads

    def apply(self, torch) -> int:
        """Set torch's intra-op thread count for the next encoding; returns it."""
        n = self.update()
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
        return n
