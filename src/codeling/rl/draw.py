"""Pictures of the car: one frame (map, targets, trail, car, sensors) and a GIF of a rollout."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from codeling.rl.maps import World, map_image

TARGET = (40, 120, 230)
GOAL = (230, 60, 40)
CAR = (250, 200, 0)
SENSOR = ((40, 200, 60), (60, 120, 255), (255, 80, 200))  # 0, +angle (left), -angle (right)


def draw_frame(base: np.ndarray, world: World, pos, angle: float, sensors, goal: int, trail=None) -> np.ndarray:
    """`base` (the map image) with the targets (the current goal in red), the trail, the car as a
    triangle pointing along its heading and its three sensors as dots: (H, W, 3) uint8."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(base)
    pen = ImageDraw.Draw(image)
    r = max(6, int(min(world.width, world.height) / 60))
    for i, (x, y) in enumerate(world.targets):
        colour = GOAL if i == goal else TARGET
        pen.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=3)
        pen.text((x + r + 2, y - r), f"A{i + 1}", fill=colour)
    if trail is not None and len(trail) > 1:
        pen.line([tuple(p) for p in np.asarray(trail)], fill=(255, 255, 255), width=1)
    for (sx, sy), colour in zip(np.asarray(sensors), SENSOR):
        pen.ellipse((sx - 3, sy - 3, sx + 3, sy + 3), fill=colour)
    a = np.radians(angle)
    ahead, side = np.array([np.cos(a), -np.sin(a)]), np.array([np.sin(a), np.cos(a)])
    p = np.asarray(pos, dtype=float)
    nose, left, right = p + 10 * ahead, p - 6 * ahead + 5 * side, p - 6 * ahead - 5 * side
    pen.polygon([tuple(nose), tuple(left), tuple(right)], fill=CAR, outline=(0, 0, 0))
    return np.asarray(image)


def rollout_frames(world: World, rollout, every: int = 2, trail: int = 200) -> list[np.ndarray]:
    """Frames of a greedy_rollout (rl/rollout.py), one every `every` steps, with the last `trail` positions."""
    base = map_image(world)
    frames = []
    for t in range(0, len(rollout.positions), every):
        frames.append(
            draw_frame(
                base,
                world,
                rollout.positions[t],
                rollout.angles[t],
                rollout.sensors[t],
                int(rollout.goals[t]),
                rollout.positions[max(0, t - trail) : t + 1],
            )
        )
    return frames


def save_gif(frames: list[np.ndarray], out: str | Path, fps: int = 30) -> Path:
    """Write frames as an animated GIF (PIL), atomically."""
    import io

    from PIL import Image

    from codeling import atomic

    out = Path(out)
    images = [Image.fromarray(f).convert("P", palette=Image.Palette.ADAPTIVE, colors=64) for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    atomic.write_bytes(out, buffer.getvalue())
    return out
