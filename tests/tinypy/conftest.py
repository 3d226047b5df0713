from pathlib import Path

import pytest

# 300 samples written by the public TinyPy generator (its older 0-9 version, quirks included), shipped
# with the tests so a fresh clone checks that codeling reads files it did not write. Never trained on.
PUBLIC_SAMPLE = Path(__file__).resolve().parent / "data" / "tinypy_public_sample.txt"


@pytest.fixture(scope="session")
def public_sample() -> Path:
    assert PUBLIC_SAMPLE.is_file(), f"{PUBLIC_SAMPLE} is missing from the checkout"
    return PUBLIC_SAMPLE
