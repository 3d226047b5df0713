"""Packages and environment variables a caller chooses to hand a sandboxed program (e.g. pygame with
SDL's dummy drivers): exactly those, and nothing else of the host."""

from __future__ import annotations

import pytest

from codeling.errors import CodelingError
from codeling.sandbox import Limits, SandboxConfig, run_program


def make_packages(root):
    for name, value in (("shown", "1"), ("hidden", "2")):
        (root / name).mkdir()
        (root / name / "__init__.py").write_text(f"VALUE = {value}\n")
    return str(root / "shown")


@pytest.mark.usefixtures("bwrap")
def test_bwrap_exposes_only_the_named_packages_and_variables(tmp_path, monkeypatch):
    shown = make_packages(tmp_path)
    monkeypatch.setenv("CODELING_SECRET", "host-only")
    config = SandboxConfig(packages=(shown,), env=(("SDL_VIDEODRIVER", "dummy"),))
    source = (
        "import os, shown\nprint(shown.VALUE, os.environ.get('SDL_VIDEODRIVER'), os.environ.get('CODELING_SECRET'))\n"
        "try:\n    import hidden\nexcept ImportError:\n    print('no hidden')\n"
        "open(shown.__file__, 'a')\n"
    )
    result = run_program(source, limits=Limits(timeout_s=10), config=config)
    assert result.stdout == "1 dummy None\nno hidden\n"
    assert result.status == "error" and result.exception in ("OSError", "PermissionError")  # read-only


@pytest.mark.filterwarnings("ignore::codeling.sandbox.UnsafeSandboxWarning")
def test_process_mode_passes_the_packages_and_variables_too(tmp_path):
    shown = make_packages(tmp_path)
    config = SandboxConfig(mode="process", packages=(shown,), env=(("SDL_AUDIODRIVER", "dummy"),))
    result = run_program("import os, shown\nprint(shown.VALUE, os.environ['SDL_AUDIODRIVER'])\n", config=config)
    assert (result.status, result.stdout) == ("ok", "1 dummy\n")


def test_a_package_that_is_not_a_directory_is_refused(tmp_path):
    with pytest.raises(CodelingError, match="not a directory"):
        SandboxConfig(packages=(str(tmp_path / "missing"),))
