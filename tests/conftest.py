import shutil

import pytest
import torch

# Two cores, shared with the test runner: one intra-op thread keeps runs repeatable and fast.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def sandbox_mode() -> str:
    """bwrap, for every test that runs programs through the sandbox. Without it such a test skips
    and says why: none passes on the unisolated `process` mode in silence."""
    if shutil.which("bwrap") is None:
        pytest.skip(
            "bubblewrap is not installed, and these tests run programs only isolated "
            "(apt-get install bubblewrap; `make test` installs it as root)"
        )
    return "bwrap"
