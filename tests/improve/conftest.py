import shutil

import pytest


@pytest.fixture
def bwrap():
    """Use as `pytestmark = pytest.mark.usefixtures("bwrap")` in tests that run the sandbox."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap; CI installs it)")
