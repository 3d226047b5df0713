"""The Drive tab end to end in a headless Chromium: place three targets by clicking the map,
train the car for a few seconds in the background, watch it drive; an upload that is not an image
and a click off the road are refused in one sentence."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from playwright.sync_api import expect

from .conftest import open_tab

LONG = 60_000  # ms


@pytest.fixture
def drive_runs(app_dirs):
    """The runs this test trains go under the app's runs folder; removed after, so the other tests'
    lists of runs stay as they were."""
    yield app_dirs["runs"]
    for run in app_dirs["runs"].glob("drive-*"):
        shutil.rmtree(run)


def click_map(page, x: float, y: float) -> None:
    """Click the map image at its own pixel (x, y), wherever the page scaled it to."""
    # Each click redraws the map: wait until the new picture has loaded, or its size reads 0.
    page.wait_for_function("() => { const i = document.querySelector('#drive-board img'); "
                           "return i && i.complete && i.naturalWidth > 0; }", timeout=LONG)  # fmt: skip
    image = page.locator("#drive-board img")
    box = image.bounding_box()
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    scale = min(box["width"] / natural[0], box["height"] / natural[1])  # object-fit: contain
    left = box["x"] + (box["width"] - natural[0] * scale) / 2
    top = box["y"] + (box["height"] - natural[1] * scale) / 2
    page.mouse.click(left + (x + 0.5) * scale, top + (y + 0.5) * scale)  # the middle of the pixel


def test_drive_tab_places_targets_trains_in_the_background_and_shows_the_car(page, drive_runs, shoot, tmp_path):
    open_tab(page, "Drive")
    placed = page.locator("#drive-targets")
    expect(placed).to_contain_text("A1 (80, 80), A2 (560, 400), A3 (560, 80)", timeout=LONG)  # the city's own
    expect(page.locator("#drive-board img")).to_be_visible(timeout=LONG)
    click_map(page, 160, 160)  # inside a block: sand
    expect(placed).to_contain_text("(160, 160) is off the road", timeout=LONG)
    for i, (x, y) in enumerate([(240, 80), (400, 400), (80, 240)]):  # all three on the city's streets
        click_map(page, x, y)
        expect(placed).to_contain_text(f"A{i + 1} ({x}, {y})", timeout=LONG)
    expect(placed).to_contain_text("The car visits them in turn")

    seconds = page.locator("#drive-seconds input[type=number]")
    seconds.fill("3")
    seconds.press("Enter")
    page.locator("#drive-train").click()
    status = page.locator("#drive-status")
    expect(status).to_contain_text(re.compile(r"Trained drive-\d{8}-\d{6} \(done\) to step [\d,]+"), timeout=LONG)
    runs = list(drive_runs.glob("drive-*"))
    assert len(runs) == 1 and (runs[0] / "metrics.jsonl").is_file()
    settings = (runs[0] / "config.yaml").read_text()
    assert "- 240.0" in settings and "- 400.0" in settings  # it trained on the clicked targets

    page.locator("#drive-watch").click()
    figures = page.locator("#drive-figures")
    expect(figures).to_contain_text(re.compile(r"300 steps: \d+ targets reached"), timeout=LONG)
    movie = page.locator("#drive-movie img")
    expect(movie).to_have_attribute("src", re.compile(r"\.gif"), timeout=LONG)
    assert movie.evaluate("img => img.naturalWidth") == 640
    shoot(page, "drive-tab")
    first = movie.get_attribute("src")
    page.get_by_label("softmax at the temperature").check()  # the course's way of driving
    page.locator("#drive-watch").click()
    expect(movie).not_to_have_attribute("src", first, timeout=LONG)
    expect(figures).to_contain_text(re.compile(r"300 steps: \d+ targets reached"))

    # An upload that is not an image is refused in a sentence; a real map becomes the chosen one.
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    page.locator("#drive-upload input[type=file]").set_input_files(str(junk))
    expect(placed).to_contain_text("is not a PNG or JPEG image", timeout=LONG)
    from PIL import Image

    road = np.full((100, 120, 3), 255, dtype=np.uint8)
    road[40:60, :] = 0  # one dark street across a white ground
    Image.fromarray(road).save(tmp_path / "street.png")
    page.locator("#drive-upload input[type=file]").set_input_files(str(tmp_path / "street.png"))
    expect(placed).to_contain_text("Click a road on the map to place A1", timeout=LONG)
    expect(page.locator("#drive-map input")).to_have_value(re.compile(r"upload: street"))
