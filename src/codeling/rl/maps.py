"""The car's world: a map image turned into a road mask, the targets on it, and the two city maps
codeling draws itself (no download, the same pixels on every machine).

A map is any PNG or JPEG: dark pixels (luminance below 128) are road, light pixels are off-road
("sand"), as on the course's Kivy canvas. Coordinates are image coordinates: x runs right along a
row, y runs *down* the rows, (0, 0) is the top-left pixel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codeling import files
from codeling.errors import CodelingError

MAX_MAP_BYTES = 20 * files.MB
MAX_SIDE = 4096  # pixels; a larger map makes every sensor table and route search slow for no gain
MIN_SIDE = 64  # the sensors look 30 px ahead in a 20 px window: a smaller map has no room to drive
ROAD_BELOW = 128  # luminance under which a pixel is road


@dataclass(frozen=True)
class World:
    """A map and its targets. `road[y, x]` is True on road; `offroad_sum` is the integral image of
    the off-road mask (one row and column of zeros in front), so the share of off-road pixels in
    any rectangle is four lookups whatever its size; `targets` is (K, 2) float (x, y), K >= 3."""

    name: str
    road: np.ndarray
    targets: np.ndarray
    offroad_sum: np.ndarray

    @property
    def width(self) -> int:
        return self.road.shape[1]

    @property
    def height(self) -> int:
        return self.road.shape[0]


def make_world(road: np.ndarray, targets, name: str = "map") -> World:
    """A World from a road mask and targets, each checked: one CodelingError sentence otherwise."""
    road = np.asarray(road, dtype=bool)
    if not road.any():
        raise CodelingError(f"{name} has no road (no pixel darker than {ROAD_BELOW}); draw roads in a dark colour.")
    targets = check_targets(road, targets, name)
    offroad = np.zeros((road.shape[0] + 1, road.shape[1] + 1), dtype=np.int32)
    offroad[1:, 1:] = np.cumsum(np.cumsum(~road, axis=0, dtype=np.int32), axis=1)
    return World(name, road, targets, offroad)


def check_targets(road: np.ndarray, targets, name: str = "map") -> np.ndarray:
    """Targets as a (K, 2) float array, or one sentence: at least three, each inside the map and on road."""
    try:
        points = np.asarray(targets, dtype=float).reshape(-1, 2) if targets is not None else np.zeros((0, 2))
    except (TypeError, ValueError):
        raise CodelingError("Targets must be x,y pairs, e.g. --targets '80,80;560,400;560,80'.") from None
    if len(points) < 3:
        raise CodelingError(f"Give at least three targets (got {len(points)}), e.g. --targets '80,80;560,400;560,80'.")
    height, width = road.shape
    for i, (x, y) in enumerate(points, 1):
        if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < width and 0 <= y < height):
            raise CodelingError(
                f"Target A{i} ({x:g}, {y:g}) lies outside the {width}x{height} map; pick a point on it."
            )
        if not road[int(y), int(x)]:
            raise CodelingError(f"Target A{i} ({x:g}, {y:g}) is off the road of {name}; put every target on a road.")
    return points


def parse_targets(text: str) -> list[tuple[float, float]]:
    """ "x,y;x,y;x,y" -> [(x, y), ...]; one sentence on anything else."""
    pairs = []
    for part in (p for p in text.replace(" ", "").split(";") if p):
        xy = part.split(",")
        try:
            if len(xy) != 2:
                raise ValueError
            pairs.append((float(xy[0]), float(xy[1])))
        except ValueError:
            raise CodelingError(f"Cannot read target {part!r}; write targets as 'x,y;x,y;x,y' in pixels.") from None
    return pairs


def read_road(path: str | Path) -> np.ndarray:
    """The road mask of a PNG/JPEG file (size and format checked before decoding)."""
    from PIL import Image, UnidentifiedImageError

    data = files.read_bytes(path, MAX_MAP_BYTES, "map image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise CodelingError(f"{path} is a {image.format} image; give the map as a PNG or JPEG.")
            if max(image.size) > MAX_SIDE or min(image.size) < MIN_SIDE:
                raise CodelingError(
                    f"{path} is {image.size[0]}x{image.size[1]} pixels; "
                    f"a map must be {MIN_SIDE} to {MAX_SIDE} px a side."
                )
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise CodelingError(f"{path} is not a PNG or JPEG image; give the map as an image file.") from None
    # Transparent pixels count as background (off-road), whatever colour they hide.
    pixels = np.asarray(rgba, dtype=np.float32)
    luminance = pixels[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return (luminance < ROAD_BELOW) & (pixels[..., 3] >= 128)


# The maps codeling draws. Roads are 40 px wide: the side sensors (30 px ahead at 30 degrees, a
# 20 px window) then see the kerb from the middle of a street, which is what they learn from.
ROAD_WIDTH = 40


def _street(road: np.ndarray, x0: int, y0: int, x1: int, y1: int, half: int = ROAD_WIDTH // 2) -> None:
    """An axis-aligned street from (x0, y0) to (x1, y1), ROAD_WIDTH wide, with square ends."""
    road[max(min(y0, y1) - half, 0) : max(y0, y1) + half, max(min(x0, x1) - half, 0) : max(x0, x1) + half] = True


def city() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The shipped map (640x480): a grid of streets, one block missing a street (a park) so the map
    is not symmetric, and its targets A1 top-left, A2 bottom-right, A3 top-right."""
    road = np.zeros((480, 640), dtype=bool)
    for y in (80, 240, 400):
        _street(road, 80, y, 560, y)
    for x in (80, 240, 400, 560):
        _street(road, x, 80, x, 400)
    # The park: the bottom street stops short of the left edge street.
    road[380:420, 100:220] = False
    return road, [(80.0, 80.0), (560.0, 400.0), (560.0, 80.0)]


def harbour() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The held-out map (640x480), never tuned on: a ring road around a harbour basin, a quay
    street along the bottom and two spurs, so routes are curved rather than a grid's."""
    yy, xx = np.mgrid[0:480, 0:640]
    radius = np.hypot(xx - 300.0, yy - 220.0)
    road = np.abs(radius - 160) < ROAD_WIDTH // 2
    _street(road, 60, 420, 580, 420)
    _street(road, 300, 380, 300, 420)  # the ring's bottom down to the quay
    _street(road, 580, 100, 580, 420)  # the east road, joined to the ring by a spur
    _street(road, 440, 220, 580, 220)
    _street(road, 60, 220, 60, 420)  # the west road, joined by a spur
    _street(road, 60, 220, 140, 220)
    return road, [(300.0, 60.0), (580.0, 420.0), (60.0, 420.0)]


DRAWN = {"city": city, "harbour": harbour}


def load_world(map_path: str | Path | None = None, targets=None) -> World:
    """The World of a map file (or the shipped city map when None, or a drawn map's name such as
    "harbour") with `targets` (a list of (x, y), or None for the drawn map's own). A file given
    without targets is refused: only a drawn map knows where its targets are."""
    if map_path is None or str(map_path) in DRAWN:
        name = str(map_path or "city")
        road, own = DRAWN[name]()
        return make_world(road, own if targets is None else targets, name)
    road = read_road(map_path)
    if targets is None:
        raise CodelingError(f"{map_path} comes without targets; pass --targets 'x,y;x,y;x,y' on its roads.")
    return make_world(road, targets, Path(map_path).name)


def map_image(world: World) -> np.ndarray:
    """The map as an RGB image (H, W, 3) uint8: asphalt grey roads on sand."""
    image = np.empty((*world.road.shape, 3), dtype=np.uint8)
    image[:] = (236, 222, 186)
    image[world.road] = (70, 70, 78)
    return image
