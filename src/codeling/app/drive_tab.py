"""The Drive tab: the course's self-driving car in the browser. Choose the shipped map or upload
one, click the map to place A1, A2, A3, train the DQN for a bounded number of seconds in the
background (or pick a trained run), and watch the car drive, changing the temperature, gamma and
the boundary signal. Every handler checks what it is sent (inputs.py) and fails only with one
sentence (guard.py); the work itself is drive_jobs.py's.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np

from codeling.app.drive_jobs import MAX_TRAIN_S, MAX_WATCH_STEPS, Workshop
from codeling.app.guard import RAW, guarded
from codeling.app.inputs import number
from codeling.app.markup import plain
from codeling.errors import CodelingError

MODES = ("greedy", "softmax at the temperature")
TARGET = (40, 120, 230)


def picture(road: np.ndarray, targets: list) -> np.ndarray:
    """The map (asphalt on sand, as rl/maps.py draws it) with the targets placed so far."""
    from PIL import Image, ImageDraw

    image = np.empty((*road.shape, 3), dtype=np.uint8)
    image[:] = (236, 222, 186)
    image[road] = (70, 70, 78)
    drawn = Image.fromarray(image)
    pen = ImageDraw.Draw(drawn)
    r = max(6, min(road.shape) // 60)
    for i, (x, y) in enumerate(targets):
        pen.ellipse((x - r, y - r, x + r, y + r), outline=TARGET, width=3)
        pen.text((x + r + 2, y - r), f"A{i + 1}", fill=TARGET)
    return np.asarray(drawn)


def said(targets: list) -> str:
    if not targets:
        return "Click a road on the map to place A1."
    where = ", ".join(f"A{i + 1} ({x:.0f}, {y:.0f})" for i, (x, y) in enumerate(targets))
    more = " The car visits them in turn." if len(targets) == 3 else f" Click to place A{len(targets) + 1}."
    return where + "." + more


def checked_targets(targets) -> list[list[float]]:
    """The session's targets (a client may send anything in their place)."""
    if not isinstance(targets, list) or len(targets) != 3:
        raise CodelingError("Place three targets first: click the map three times, on roads.")
    return [[number(x, "A target's x", 0, 1e4), number(y, "A target's y", 0, 1e4)] for x, y in targets]


def uploaded_file(value) -> tuple[Path, str]:
    """The path Gradio stored an upload at, and the name it came with."""
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        raise CodelingError("Upload a map as a PNG or JPEG file.")
    folder = Path(gr.utils.get_upload_folder()).resolve()
    path = Path(value["path"]).resolve()
    if folder not in path.parents:  # Gradio checks this too; a handler does not lean on it
        raise CodelingError("Upload a map as a PNG or JPEG file.")
    return path, str(value.get("orig_name") or path.name)


def status_of(job) -> str:
    if job is None:
        return "No training yet."
    name = plain(job.run.name)
    if job.error:
        return f"Training {name} failed: {plain(job.error, 600)}"
    row = job.last
    facts = (
        f"{row['targets_per_1000']:.1f} targets per 1,000 car steps, {row['road_share']:.0%} of steps on road, "
        f"mean reward {row['reward']:.2f}"
        if row
        else "no metrics row yet"
    )
    if job.done:
        return f"Trained **{name}** ({job.stopped}) to step {job.step:,}: {facts}. Pick it under Trained run and Watch."
    return f"Training **{name}**: step {job.step:,} of a {job.budget_s:.0f} s budget; lately {facts}."


def figures_of(figures: dict) -> str:
    order = " > ".join(figures["order"][:12]) + (" ..." if len(figures["order"]) > 12 else "") or "none"
    return (
        f"{figures['steps']} steps: {figures['targets_reached']} targets reached ({order}), "
        f"{figures['targets_per_1000']:.1f} per 1,000 steps, route efficiency {figures['route_efficiency']:.2f}, "
        f"{figures['road_share']:.0%} of steps on road, {figures['wall_hits']} wall hits."
    )


def _layout(shop: Workshop) -> SimpleNamespace:
    """The tab's components, top to bottom."""
    road, own = shop.road("city")
    with gr.Row():
        map_name = gr.Dropdown(list(shop.maps), value="city", label="Map", elem_id="drive-map", scale=1)
        upload = gr.File(
            label="...or upload a map: PNG or JPEG, dark roads on a light ground, at most 256 KB and 1024 px a side",
            file_types=[".png", ".jpg", ".jpeg"],
            elem_id="drive-upload",
            scale=2,
        )
    board = gr.Image(
        picture(road, own), label="Click roads to place A1, A2, A3", interactive=False, elem_id="drive-board"
    )
    targets = gr.State(own)
    placed = gr.Markdown(said(own), elem_id="drive-targets")
    with gr.Row():
        tau = gr.Slider(0.001, 2, value=0.01, step=0.001, label="Temperature tau (the course's T=100 is 0.01)")
        gamma = gr.Slider(0, 0.99, value=0.9, step=0.01, label="Gamma (for training)")
        boundary = gr.Slider(0, 20, value=1, step=0.5, label="Boundary signal (what a sensor off the map reads)")
    with gr.Row():
        seconds = gr.Slider(2, MAX_TRAIN_S, value=30, step=1, label="Training seconds", elem_id="drive-seconds")
        train = gr.Button("Train in the background", variant="primary", elem_id="drive-train")
        stop = gr.Button("Stop training", elem_id="drive-stop")
    status = gr.Markdown(status_of(None), elem_id="drive-status")
    with gr.Row():
        run = gr.Dropdown([], label="Trained run", elem_id="drive-run", scale=2)
        mode = gr.Radio(list(MODES), value=MODES[0], label="Drive", elem_id="drive-mode", scale=2)
        steps = gr.Slider(60, MAX_WATCH_STEPS, value=300, step=30, label="Steps to watch", scale=2)
        watch = gr.Button("Watch it drive", variant="primary", elem_id="drive-watch", scale=1)
    movie = gr.Image(label="The car: A1 > A2 > A3 > A1 ..., the current target red", elem_id="drive-movie")
    figures = gr.Markdown(elem_id="drive-figures")
    seen = gr.State(None)  # the job state this page last drew, so an idle timer redraws nothing
    timer = gr.Timer(1.0)
    return SimpleNamespace(
        map_name=map_name,
        upload=upload,
        board=board,
        targets=targets,
        placed=placed,
        tau=tau,
        gamma=gamma,
        boundary=boundary,
        seconds=seconds,
        train=train,
        stop=stop,
        status=status,
        run=run,
        mode=mode,
        steps=steps,
        watch=watch,
        movie=movie,
        figures=figures,
        seen=seen,
        timer=timer,
    )


def _map_handlers(shop: Workshop):
    """Choosing a map, uploading one, placing targets by clicking: each returns (picture, targets, words)."""

    def failed3(message: str):
        return gr.update(), gr.update(), plain(message, 600)

    @guarded(failed3)
    def chosen(name):
        road, own = shop.road(name)
        return picture(road, own), own, said(own)

    # The file box is emptied after each upload, taken or refused, so the next one can come.
    @guarded(lambda message: (gr.update(), gr.update(), gr.update(), plain(message, 600), None))
    def took(value):
        path, shown = uploaded_file(value)
        name = shop.add_upload(path, shown)
        road, _ = shop.road(name)
        return gr.update(choices=list(shop.maps), value=name), picture(road, []), [], said([]), None

    @guarded(failed3)
    def clicked(name, so_far, evt: gr.SelectData):
        road, _ = shop.road(name)
        index = getattr(evt, "index", None)  # an API call brings no click
        if not isinstance(index, (list, tuple)) or len(index) != 2:
            raise CodelingError("Click a point on the map to place a target.")
        x, y = (number(v, "The clicked point", 0, 1e4, whole=True) for v in index)
        if not (x < road.shape[1] and y < road.shape[0] and road[y, x]):
            raise CodelingError(f"({x}, {y}) is off the road; click on a dark (road) pixel.")
        kept = so_far if isinstance(so_far, list) and len(so_far) < 3 else []
        now = [*kept, [float(x), float(y)]]
        return picture(road, now), now, said(now)

    return chosen, took, clicked


def _run_handlers(shop: Workshop):
    """Training in the background, its status on a timer, the run list, and watching a run drive."""

    @guarded(lambda message: plain(message, 600))
    def started(name, chosen_targets, t, g, b, s):
        from codeling.rl.settings import DriveSettings, load_drive_settings

        tree = load_drive_settings("original").model_dump()
        tree.update(map=shop.map_ref(name), targets=checked_targets(chosen_targets), tensorboard=False)
        tree["dqn"]["tau"], tree["dqn"]["gamma"] = number(t, "Temperature", 0.001, 2), number(g, "Gamma", 0, 0.99)
        tree["car"]["boundary_signal"] = number(b, "Boundary signal", 0, 20)
        settings = DriveSettings.model_validate(tree)
        return status_of(shop.start(settings, number(s, "Training seconds", 2, MAX_TRAIN_S)))

    @guarded(lambda message: plain(message, 600))
    def stopped():
        shop.stop()
        return status_of(shop.job)

    @guarded(lambda message: (plain(message, 600), gr.update(), gr.update()))
    def tick(last):
        job = shop.job
        now = None if job is None else (job.run.name, job.step, job.done, job.error)
        if now == last:
            return gr.skip(), gr.skip(), gr.skip()
        runs_now = gr.update(choices=shop.runs(), value=job.run.name) if job.done and not job.error else gr.update()
        return status_of(job), runs_now, now

    @guarded(lambda message: (None, plain(message, 600)))
    def watched(which, name, chosen_targets, t, b, how, n):
        if how not in MODES:
            raise CodelingError("Choose greedy or softmax driving.")
        tau_now = number(t, "Temperature", 0.001, 2) if how == MODES[1] else None
        gif, found = shop.watch(
            which,
            name,
            checked_targets(chosen_targets),
            number(b, "Boundary signal", 0, 20),
            tau_now,
            number(n, "Steps to watch", 60, MAX_WATCH_STEPS, whole=True),
            seed=0,
        )
        return str(gif), figures_of(found)

    @guarded(lambda message: gr.update())
    def listed():
        found = shop.runs()
        return gr.update(choices=found, value=found[0] if found else None)

    return started, stopped, tick, watched, listed


def drive_tab(runs: Path | None, demo: gr.Blocks) -> Workshop:
    shop = Workshop(runs)
    ui = _layout(shop)
    chosen, took, clicked = _map_handlers(shop)
    started, stopped, tick, watched, listed = _run_handlers(shop)
    ui.map_name.change(chosen, ui.map_name, [ui.board, ui.targets, ui.placed], api_name="drive_map", **RAW)
    ui.upload.upload(
        took, ui.upload, [ui.map_name, ui.board, ui.targets, ui.placed, ui.upload], api_name="drive_upload", **RAW
    )
    ui.board.select(
        clicked, [ui.map_name, ui.targets], [ui.board, ui.targets, ui.placed], api_name="drive_click", **RAW
    )
    knobs = [ui.map_name, ui.targets, ui.tau, ui.gamma, ui.boundary, ui.seconds]
    ui.train.click(started, knobs, ui.status, concurrency_id="drive", api_name="drive_train", **RAW)
    ui.stop.click(stopped, None, ui.status, api_name="drive_stop", **RAW)
    ui.timer.tick(tick, ui.seen, [ui.status, ui.run, ui.seen], show_progress="hidden", **RAW)
    watch_inputs = [ui.run, ui.map_name, ui.targets, ui.tau, ui.boundary, ui.mode, ui.steps]
    ui.watch.click(watched, watch_inputs, [ui.movie, ui.figures], concurrency_id="drive", api_name="drive_watch", **RAW)
    demo.load(listed, None, ui.run, **RAW)
    return shop
