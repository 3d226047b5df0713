from pathlib import Path

import pytest

PUBLIC_SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tinypy_public_sample.txt"


@pytest.fixture(scope="session")
def public_sample() -> Path:
    if not PUBLIC_SAMPLE.is_file():
        pytest.skip(f"{PUBLIC_SAMPLE} is not on this machine")
    return PUBLIC_SAMPLE
