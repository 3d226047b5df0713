"""Checkpoints whose manifest matches damaged or hostile content, through `codeling generate`: each
ends in exit status 2 with one sentence, and no manifest entry leads codeling out of the checkpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codeling import rundir
from codeling.digest import sha256_file
from codeling.tokenizers import CharTokenizer

from .conftest import codeling, tiny_checkpoint


def rehash(checkpoint: Path) -> None:
    """Make the manifest match the files as they are now: damage the manifest cannot see."""
    manifest = json.loads((checkpoint / rundir.MANIFEST).read_text())
    manifest["sha256"] = {name: sha256_file(checkpoint / name) for name in manifest["sha256"]}
    (checkpoint / rundir.MANIFEST).write_text(json.dumps(manifest))


def truncated_weights(c: Path) -> None:
    weights = c / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:5000])
    rehash(c)


def random_weights(c: Path) -> None:
    (c / "model.safetensors").write_bytes(bytes(range(256)) * 100)
    rehash(c)


def config_that_no_longer_fits(c: Path) -> None:
    config = json.loads((c / "config.json").read_text())
    config["model"]["n_embd"] = 64
    (c / "config.json").write_text(json.dumps(config))
    rehash(c)


def manifest_edit(edit):
    def damage(c: Path) -> None:
        manifest = json.loads((c / rundir.MANIFEST).read_text())
        (c / rundir.MANIFEST).write_bytes(edit(manifest))

    return damage


def escaping_entry(manifest: dict) -> bytes:
    manifest["sha256"]["../../../../etc/shadow"] = "0" * 64
    return json.dumps(manifest).encode()


DAMAGE = {
    "truncated weights": (truncated_weights, "do not fit together"),
    "random weights": (random_weights, "do not fit together"),
    "config that no longer fits": (config_that_no_longer_fits, "do not fit together"),
    "manifest a list": (manifest_edit(lambda m: b"[1, 2]"), "not the dict a manifest is"),
    "manifest not UTF-8": (manifest_edit(lambda m: b'{"version": 1, "\xff": 2}'), "not UTF-8"),
    "manifest version 99": (manifest_edit(lambda m: json.dumps({**m, "version": 99}).encode()), "version '99'"),
    "manifest entry outside": (manifest_edit(escaping_entry), "not a file in its directory"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "model", CharTokenizer(list("abc xyz\n")))


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_checkpoint_is_refused_with_one_sentence(pristine, tmp_path, case):
    damage, says = DAMAGE[case]
    checkpoint = tmp_path / "model"
    shutil.copytree(pristine, checkpoint)
    damage(checkpoint)
    result = codeling("generate", checkpoint, "--prompt", "a", "--max-new-tokens", "2", "--device", "cpu")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and says in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3 and len(result.stderr) < 600  # one sentence, wrapped


def test_a_run_whose_best_is_damaged_serves_its_newest_whole_checkpoint(pristine, tmp_path):
    from codeling.train.checkpoint import resolve

    run = tmp_path / "run"
    older, newer = run / "checkpoints" / "step-000001", run / "checkpoints" / "step-000002"
    shutil.copytree(pristine, older)
    shutil.copytree(pristine, newer)
    (newer / "model.safetensors").write_bytes(b"damaged")
    rundir.point(run, rundir.BEST, newer)
    assert resolve(run) == older.resolve()
