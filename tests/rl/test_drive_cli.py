"""`codeling drive` through the installed entry point: bad input is one sentence, exit 2, nothing
written; a short train, then eval and watch of what it saved."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CODELING = str(Path(sys.executable).with_name("codeling"))  # the entry point `pip install` made


def codeling(*args):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([CODELING, *map(str, args)], capture_output=True, text=True, timeout=300, env=env)


def refused(result, *words):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    road = np.full((100, 160, 3), 235, dtype=np.uint8)
    road[40:60] = 20
    Image.fromarray(road).save(folder / "street.png")
    Image.fromarray(np.full((100, 160, 3), 235, dtype=np.uint8)).save(folder / "sand.png")
    (folder / "notes.png").write_text("these are not pixels")
    return folder


@pytest.mark.parametrize(
    "args, words",
    [
        (["--map", "notes.png", "--targets", "10,50;80,50;150,50"], ["not a PNG or JPEG"]),
        (["--map", "sand.png", "--targets", "10,50;80,50;150,50"], ["no road"]),
        (["--map", "street.png", "--targets", "10,50;80,10;150,50"], ["A2", "off the road"]),
        (["--map", "street.png", "--targets", "10,50;80,50;170,50"], ["A3", "outside"]),
        (["--map", "street.png", "--targets", "10,50;80,50"], ["at least three targets"]),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(maps, tmp_path, args, words):
    args = [a if not a.endswith(".png") else str(maps / a) for a in args]
    out = tmp_path / "run"
    refused(codeling("drive", "train", *args, "--out", out), *words)
    assert not out.exists()


def test_train_eval_watch(tmp_path):
    run = tmp_path / "run"
    result = codeling(
        "drive", "train", "--minutes", "0.05", "--set", "cars=4", "--set", "tensorboard=false", "--out", run
    )
    assert result.returncode == 0, result.stderr
    assert (run / "latest" / "model.safetensors").is_file()

    report = tmp_path / "eval.json"
    result = codeling("drive", "eval", run, "--steps", "100", "--seeds", "2", "--json", report)
    assert result.returncode == 0, result.stderr
    figures = json.loads(report.read_text())
    assert len(figures["seeds"]) == 2 and figures["map"] == "city"

    gif = tmp_path / "car.gif"
    result = codeling("drive", "watch", run, "--steps", "20", "--every", "5", "--out", gif)
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as image:
        assert image.n_frames == 5 and image.size == (640, 480)
