"""A development set for the repair search: other children's programs with mistakes of the same
unseen kinds as benchmarks/helper_unseen.py. The search's order of edit kinds was chosen looking at
these cases only, after the held-out set's first measurement (docs/RESULTS.md), so that the
held-out set stays a measurement and not a target.
"""

from __future__ import annotations

from helper_unseen import Case, _both, game

DEV_CASES: list[Case] = [
    _both("missing_comma", "colours", 'colors = ["red"{x}"blue"]\nprint(len(colors))\n', " ", ", ", judge="expect"),
    _both("missing_comma", "point", "x = 3\ny = 4\nprint(max(x{x}y))\n", " ", ", "),
    _both("missing_call_brackets", "lower", 'word = "HELLO"\nprint(word.lower{x})\n', "", "()", judge="expect"),
    _both("missing_call_brackets", "chance", "import random\nluck = random.random{x}\nprint(luck < 2)\n", "", "()"),
    _both(
        "missing_self_dot",
        "score",
        "class Game:\n    def __init__(self):\n        self.score = 0\n\n    def win(self):\n"
        "        {x}score += 10\n\n\ng = Game()\ng.win()\nprint(g.score)\n",
        "",
        "self.",
    ),
    _both(
        "missing_self_param",
        "bird",
        'class Bird:\n    def sing({x}):\n        print("Tweet")\n\n\nBird().sing()\n',
        "",
        "self",
    ),
    _both(
        "plus_for_plus_equals",
        "steps",
        "steps = 0\nfor i in range(4):\n    steps {x} 2\nprint(steps)\n",
        "+",
        "+=",
        judge="expect",
    ),
    _both(
        "slash_for_floor",
        "teams",
        'kids = 10\nteam = kids {x} 2\nprint("Team size", team)\nprint("x" * team)\n',
        "/",
        "//",
    ),
    _both(
        "range_of_list",
        "toys",
        'toys = ["car", "ball", "kite"]\nfor i in range({x}):\n    print(toys[i])\n',
        "toys",
        "len(toys)",
    ),
    _both("text_without_quotes", "pet", 'pet = {x}\nprint("I have a", pet)\n', "dog", '"dog"', judge="expect"),
    _both(
        "else_if",
        "temp",
        'temp = 20\nif temp > 25:\n    print("hot")\n{x} temp > 15:\n    print("nice")\n',
        "else if",
        "elif",
    ),
    _both("semicolon_for_colon", "while", "n = 3\nwhile n > 0{x}\n    n = n - 1\nprint(n)\n", ";", ":"),
    _both("double_equals_assign", "name", 'name {x} "Ola"\nprint("Hi", name)\n', "==", "="),
    _both("round_for_square", "grid", "row = [0, 1, 0]\nif row{x} == 1:\n    print('wall')\n", "(1)", "[1]"),
    _both(
        "missing_global",
        "level",
        "level = 1\n\n\ndef up():\n{x}    level += 1\n\n\nup()\nprint(level)\n",
        "",
        "    global level\n",
    ),
    _both(
        "counter_not_started",
        "count",
        "{x}for c in 'banana':\n    if c == 'a':\n        n += 1\nprint(n)\n",
        "",
        "n = 0\n",
    ),
    _both(
        "print_for_return",
        "square",
        "def square(n):\n    {x}(n * n)\n",
        "print",
        "return",
        judge="tests",
        tests="assert square(3) == 9\n",
    ),
    _both("number_as_text", "age", "age = {x}\nprint(age + 1)\n", '"8"', "8", judge="expect"),
    _both(
        "loose_pair",
        "line_game",
        game("", "pygame.draw.line(screen, (255, 255, 255), {x}, (300, 200))\n"),
        "10, 10",
        "(10, 10)",
    ),
    _both(
        "missing_module_prefix",
        "space_game",
        game("", "keys = pygame.key.get_pressed()\nif keys[{x}K_SPACE]:\n    pass\n"),
        "",
        "pygame.",
    ),
    _both("stray_comma", "lives", "lives = 3{x}\nlives = lives - 1\nprint(lives)\n", ",", ""),
    _both("missing_operator", "double", "n = 4\nprint(n{x}2)\n", " ", " * ", judge="expect"),
]
