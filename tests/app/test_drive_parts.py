"""The Drive tab's server side without a browser: uploads checked, targets checked, one training
at a time, nothing written for a refused training, runs named only from the list."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from codeling.app.drive_jobs import Job, Workshop
from codeling.app.drive_tab import checked_targets, picture
from codeling.errors import CodelingError
from codeling.rl.settings import DriveSettings, load_drive_settings


def png(path, pixels: np.ndarray):
    Image.fromarray(pixels).save(path)
    return path


def street(width=120, height=100) -> np.ndarray:
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    image[40:60, :] = 0
    return image


def settings(targets, map_ref="city") -> DriveSettings:
    tree = load_drive_settings("original").model_dump()
    tree.update(map=map_ref, targets=targets, tensorboard=False)
    return DriveSettings.model_validate(tree)


def test_an_uploaded_map_is_kept_and_offered_with_no_targets(tmp_path):
    shop = Workshop(tmp_path / "runs")
    name = shop.add_upload(png(tmp_path / "my street.png", street()), "my street.png")
    assert name.startswith("upload: mystreet (") and name in shop.maps
    road, own = shop.road(name)
    assert own == [] and road.shape == (100, 120) and road[50].all() and not road[10].any()
    assert picture(road, [[10, 50]]).shape == (100, 120, 3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"GIF89a not a map"), "is not a PNG or JPEG image"),
        (lambda p: p.write_bytes(b"\0" * 300_000), "more than a map image"),
        (lambda p: png(p, np.full((80, 80, 3), 255, dtype=np.uint8)), "has no road"),
        (lambda p: png(p, street(1100, 64)), "at most 1024 px a side"),
    ],
)
def test_a_bad_upload_is_one_sentence_and_offers_nothing(tmp_path, make, message):
    shop = Workshop(tmp_path / "runs")
    make(tmp_path / "map.png")
    with pytest.raises(CodelingError, match=message):
        shop.add_upload(tmp_path / "map.png", "map.png")
    assert list(shop.maps) == ["city", "harbour"]


@pytest.mark.parametrize("targets", [None, [[1, 2], [3, 4]], [[1, 2], [3, 4], ["x", 5]], [[1, 2], [3, 4], [5, 1e9]]])
def test_the_targets_a_page_sends_are_checked(targets):
    with pytest.raises(CodelingError):
        checked_targets(targets)


def test_a_target_off_the_road_is_refused_before_anything_is_written(tmp_path):
    shop = Workshop(tmp_path / "runs")
    with pytest.raises(CodelingError, match="A2 .* is off the road"):
        shop.start(settings([[80, 80], [160, 160], [560, 80]]), 5)
    assert shop.job is None and not (tmp_path / "runs").exists()


def test_a_second_training_waits_for_the_first(tmp_path):
    shop = Workshop(tmp_path / "runs")
    shop.job = Job(tmp_path / "runs" / "drive-busy", 60)  # running: not done
    with pytest.raises(CodelingError, match="training already"):
        shop.start(settings([[80, 80], [560, 400], [560, 80]]), 5)


def test_maps_and_runs_are_named_only_from_their_lists(tmp_path):
    shop = Workshop(tmp_path)
    (tmp_path / "not-a-run").mkdir()
    with pytest.raises(CodelingError, match="no such map"):
        shop.map_ref("/etc/passwd")
    for name in ("not-a-run", "../..", None):
        with pytest.raises(CodelingError, match="no such drive run"):
            shop.run_path(name)
