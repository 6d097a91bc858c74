"""The thread policy gives torch the cores other processes left idle."""
import subprocess
import sys
import time

import pytest

from index.threads import ThreadPolicy, threads_for


@pytest.mark.parametrize("cores, others, want", [
    (2, 0.0, 2), (2, 0.4, 2), (2, 0.6, 1), (2, 1.0, 1), (2, 3.5, 1), (8, 2.2, 6), (1, 0.0, 1)])
def test_threads_for_leaves_the_neighbours_their_cores(cores, others, want):
    assert threads_for(cores, others) == want


def test_a_fixed_count_is_used_whatever_the_machine_does():
    class Torch:
        n = 4
        def get_num_threads(self): return self.n
        def set_num_threads(self, n): self.n = n
    torch = Torch()
    assert ThreadPolicy(fixed=1, cores=2).apply(torch) == 1 and torch.n == 1
    with pytest.raises(ValueError, match="threads must be"):
        ThreadPolicy(fixed=-1)


def test_a_busy_neighbour_is_seen_and_given_its_core():
    """A real CPU-bound process beside us: the policy measures about one busy core and keeps
    one thread of two."""
    policy = ThreadPolicy(cores=2)
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        policy.update()                      # the window with the neighbour running
        assert policy.others_busy > 0.6, policy.others_busy
        assert policy.threads == 1
    finally:
        neighbour.kill()
        neighbour.wait()
