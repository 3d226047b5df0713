"""The physical limit of a route: shortest paths along the road (Dijkstra over road pixels,
8-connected, diagonal steps sqrt(2) long), from anywhere to within reach of each target.

A car's route efficiency over the legs it drove is sum(shortest path / road_speed) over
sum(steps it took): 1.0 is driving the shortest road route at full speed every step.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from codeling.errors import CodelingError
from codeling.rl.maps import World

STRIDE = 2  # the search runs on every 2nd pixel: 4x fewer nodes, distances within a pixel or two


def road_fields(world: World, goal_distance: float) -> np.ndarray:
    """(K, H, W) float: the road distance in px from each pixel to the road within goal_distance of
    target k (a pixel off the road takes its nearest road pixel's). inf where no road leads there."""
    road = world.road[::STRIDE, ::STRIDE]
    h, w = road.shape
    index = -np.ones((h, w), dtype=np.int64)
    index[road] = np.arange(road.sum())
    rows, cols, weights = [], [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):  # each undirected edge once
        a = index[0 : h - dy, max(0, -dx) : w - max(0, dx)]
        b = index[dy:h, max(0, dx) : w - max(0, -dx)]
        both = (a >= 0) & (b >= 0)
        rows.append(a[both])
        cols.append(b[both])
        weights.append(np.full(both.sum(), STRIDE * np.hypot(dx, dy)))
    n = int(road.sum())
    graph = coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    yy, xx = np.nonzero(road)
    px, py = xx * STRIDE, yy * STRIDE
    fields = []
    for tx, ty in world.targets:
        sources = np.nonzero(np.hypot(px - tx, py - ty) < goal_distance)[0]
        if len(sources) == 0:  # a goal closer than the grid's spacing: its nearest road node
            sources = np.array([np.argmin(np.hypot(px - tx, py - ty))])
        dist = dijkstra(graph, directed=False, indices=sources, min_only=True)
        field = np.full((h, w), np.inf)
        field[road] = dist
        fields.append(field)
    # Every pixel reads its nearest road node's distance (off-road pixels included).
    _, (ny, nx) = distance_transform_edt(~road, return_indices=True)
    full_y = np.minimum(np.arange(world.height) // STRIDE, h - 1)
    full_x = np.minimum(np.arange(world.width) // STRIDE, w - 1)
    near_y, near_x = ny[full_y][:, full_x], nx[full_y][:, full_x]
    return np.stack([f[near_y, near_x] for f in fields])


def check_connected(world: World, fields: np.ndarray) -> None:
    """One sentence when no road leads from a target to the next one."""
    k = len(world.targets)
    for i in range(k):
        x, y = world.targets[i - 1]
        if not np.isfinite(fields[i][int(y), int(x)]):
            raise CodelingError(
                f"No road leads from A{(i - 1) % k + 1} to A{i + 1} on {world.name}; connect them with road."
            )


def route_efficiency(fields: np.ndarray, legs: list[tuple[int, tuple[float, float], int]], road_speed: float) -> float:
    """legs: (target k, the car's (x, y) when the leg began, steps the leg took). 0.0 without legs."""
    if not legs:
        return 0.0
    shortest = sum(fields[k][int(y), int(x)] / road_speed for k, (x, y), _ in legs)
    return float(shortest / sum(steps for *_, steps in legs))
