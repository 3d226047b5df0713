"""The city car's facts: sensors and orientation on an asymmetric map (rows run down), the
reward table, the order of targets, the edge, map and target validation, Gymnasium's checker."""

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from codeling.errors import CodelingError
from codeling.rl.car import Cars, CarSettings, CityCar
from codeling.rl.maps import load_world, make_world, parse_targets


def half_road(width=200, height=200):
    """Road on the bottom half only (rows >= 100): above the car is sand, below it road."""
    road = np.zeros((height, width), dtype=bool)
    road[100:, :] = True
    return road


def one_car(world, settings=None, pos=(100.0, 100.0), angle=0.0, goal=0):
    cars = Cars(world, settings or CarSettings(), 1)
    obs = cars.place(np.array([0]), np.array([pos]), np.array([angle]), np.array([goal]))
    return cars, obs[0]


def test_sensors_see_left_as_up_the_image():
    # The car at the sand/road border facing east (+x): its left (+30 degrees) sensor is up the image,
    # 15 px into the sand; its right (-30) sensor is down, 15 px into the road.
    world = make_world(half_road(), [(20, 150), (100, 150), (180, 150)])
    cars, obs = one_car(world, pos=(100.0, 100.0), angle=0.0)
    points = cars.sensor_points()[0]
    np.testing.assert_allclose(points[0], [130, 100])
    np.testing.assert_allclose(points[1], [100 + 30 * np.cos(np.radians(30)), 85], atol=1e-9)
    np.testing.assert_allclose(points[2], [100 + 30 * np.cos(np.radians(30)), 115], atol=1e-9)
    # Middle: a 20x20 window straddling the border, half sand; left: all sand; right: all road.
    np.testing.assert_allclose(obs[:3], [0.5, 1.0, 0.0])
    # Facing west the sides swap: left is now down the image, on road.
    _, obs = one_car(world, pos=(100.0, 100.0), angle=180.0)
    np.testing.assert_allclose(obs[:3], [0.5, 0.0, 1.0])


def test_a_sensor_off_the_map_reads_the_boundary_signal():
    world = make_world(half_road(), [(20, 150), (100, 150), (180, 150)])
    _, obs = one_car(world, CarSettings(boundary_signal=10.0), pos=(180.0, 150.0), angle=0.0)
    assert obs[0] == 10.0  # 30 px ahead is x = 210, off a 200 px map
    assert obs[1] == 10.0 and obs[2] == 10.0


def test_orientation_is_the_signed_angle_to_the_goal_over_180():
    world = make_world(half_road(), [(100, 190), (10, 150), (190, 150)])
    # Goal straight down the image (rows grow) from a car facing east: 90 degrees to the right.
    _, obs = one_car(world, pos=(100.0, 110.0), angle=0.0, goal=0)
    np.testing.assert_allclose(obs[3:], [-0.5, 0.5], atol=1e-6)
    # Facing south (270 degrees) the goal is dead ahead; facing north it is behind (+-1).
    _, obs = one_car(world, pos=(100.0, 110.0), angle=270.0, goal=0)
    np.testing.assert_allclose(obs[3:], [0.0, 0.0], atol=1e-6)
    _, obs = one_car(world, pos=(100.0, 150.0), angle=180.0, goal=2)
    assert abs(abs(obs[3]) - 1.0) < 1e-6
    # Goal up the image and to the west of a car facing east: to its left, positive.
    _, obs = one_car(world, pos=(100.0, 180.0), angle=0.0, goal=1)
    assert obs[3] == pytest.approx(np.degrees(np.arctan2(30, -90)) / 180, abs=1e-6) and obs[3] > 0


def test_reward_table():
    s = CarSettings()
    world = make_world(half_road(), [(190, 150), (10, 190), (100, 190)])
    # Road, driving towards the goal: +0.1, at road speed.
    cars, _ = one_car(world, pos=(100.0, 150.0), angle=0.0)
    r = cars.step(np.array([0]))
    assert r.reward[0] == pytest.approx(s.reward_closer) and r.on_road[0]
    assert cars.pos[0, 0] == pytest.approx(106.0)
    # Road, driving away: -0.2.
    cars, _ = one_car(world, pos=(100.0, 150.0), angle=180.0)
    assert cars.step(np.array([0])).reward[0] == pytest.approx(s.reward_road)
    # Into the sand (north, rows shrink): -1, and from sand the car moves at sand speed.
    cars, _ = one_car(world, pos=(100.0, 101.0), angle=90.0)
    r = cars.step(np.array([0]))
    assert not r.on_road[0] and r.reward[0] == pytest.approx(s.reward_sand)
    cars.step(np.array([0]))
    assert cars.pos[0, 1] == pytest.approx(101.0 - 6.0 - 1.0)
    # Into the edge: -1, kept edge_margin inside, counted as a wall hit.
    cars, _ = one_car(world, pos=(190.0, 150.0), angle=0.0, goal=1)
    r = cars.step(np.array([0]))
    assert r.wall[0] and r.reward[0] == pytest.approx(s.reward_edge)
    assert cars.pos[0, 0] == pytest.approx(200 - s.edge_margin)


def test_actions_turn_left_and_right():
    world = make_world(half_road(), [(190, 150), (10, 190), (100, 190)])
    cars, _ = one_car(world, pos=(100.0, 150.0), angle=0.0)
    cars.step(np.array([1]))
    assert cars.angle[0] == pytest.approx(20.0)
    assert cars.pos[0, 1] < 150.0  # turned left = up the image
    cars.step(np.array([2]))
    cars.step(np.array([2]))
    assert cars.angle[0] == pytest.approx(340.0)


def test_targets_are_visited_in_order_and_wrap():
    # A straight road east; targets every 60 px; goal_distance 20: the car passes them in turn.
    road = np.zeros((100, 400), dtype=bool)
    road[40:60, :] = True
    world = make_world(road, [(100, 50), (160, 50), (220, 50)])
    cars, _ = one_car(world, CarSettings(goal_distance=20.0), pos=(50.0, 50.0), angle=0.0)
    reached = []
    for _ in range(40):
        r = cars.step(np.array([0]))
        if r.reached[0] >= 0:
            reached.append(int(r.reached[0]))
    assert reached == [0, 1, 2]
    assert cars.goal[0] == 0  # after A3 comes A1 again


def test_many_cars_sense_as_one_car_each():
    world = load_world()
    rng = np.random.default_rng(0)
    many = Cars(world, CarSettings(), 64)
    obs = many.spawn(np.arange(64), rng)
    for i in (0, 17, 63):
        _, alone = one_car(world, pos=tuple(many.pos[i]), angle=many.angle[i], goal=many.goal[i])
        np.testing.assert_allclose(obs[i], alone, atol=1e-6)
    # One step of all 64 is the step each would take alone.
    before = many.pos[5].copy(), many.angle[5], many.goal[5]
    actions = rng.integers(0, 3, 64)
    step = many.step(actions)
    alone, _ = one_car(world, pos=tuple(before[0]), angle=before[1], goal=before[2])
    r = alone.step(actions[5:6])
    np.testing.assert_allclose(step.obs[5], r.obs[0], atol=1e-6)
    assert step.reward[5] == r.reward[0]


def test_gymnasium_check_env_passes_and_render_draws():
    env = CityCar(render_mode="rgb_array")
    check_env(env, skip_render_check=False)
    obs, info = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    assert set(info) >= {"goal", "distance", "on_road"}
    frame = env.render()
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    obs, reward, terminated, truncated, info = env.step(0)
    assert not terminated and isinstance(reward, float)


def test_course_preset_car_checks_too():
    from codeling.rl.settings import load_drive_settings

    s = load_drive_settings("course")
    assert (s.car.boundary_signal, s.car.rotation, s.car.road_speed, s.car.goal_distance) == (10.0, 5.0, 2.0, 25.0)
    check_env(CityCar(settings=s.car, start="last"))


def test_bad_maps_and_targets_are_one_sentence(tmp_path):
    road = half_road()
    with pytest.raises(CodelingError, match="at least three targets"):
        make_world(road, [(10, 150), (20, 150)])
    with pytest.raises(CodelingError, match="outside the 200x200 map"):
        make_world(road, [(10, 150), (20, 150), (250, 150)])
    with pytest.raises(CodelingError, match="A2 .* off the road"):
        make_world(road, [(10, 150), (20, 50), (30, 150)])
    with pytest.raises(CodelingError, match="has no road"):
        make_world(np.zeros((100, 100), bool), [(1, 1)] * 3)
    with pytest.raises(CodelingError, match="x,y;x,y;x,y"):
        parse_targets("1,2;3")
    assert parse_targets("1,2; 3.5,4;5,6") == [(1, 2), (3.5, 4), (5, 6)]
    text = tmp_path / "map.png"
    text.write_text("not an image")
    with pytest.raises(CodelingError, match="not a PNG or JPEG"):
        load_world(text, [(1, 1)] * 3)


def test_a_map_image_loads_dark_as_road(tmp_path):
    from PIL import Image

    pixels = np.full((120, 160, 3), 240, dtype=np.uint8)
    pixels[60:, :] = 30  # a dark bottom half
    Image.fromarray(pixels).save(tmp_path / "m.jpg", quality=95)
    world = load_world(tmp_path / "m.jpg", [(10, 100), (80, 100), (150, 100)])
    assert world.road[100, 10] and not world.road[10, 10]
    assert world.road.shape == (120, 160)
