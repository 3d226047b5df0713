"""A held-out set for the children's helper: mistakes of kinds that no rule (helper/repair/rules.py,
helper/repair/logic.py) and no corruption (helper/fixer/corrupt.py) names, in short programs written the way a
child writes them, pygame games included.

Written and committed before the repair search (issue 29), and not to be edited to fit it: the
search is measured on these cases as they are.

Each case is (kind, name, broken program, the program the child meant, how it is judged). The judge
is "runs" (a fix counts when the program then runs without an error: what `codeling fix FILE`
checks), "expect" (the meant program's output is passed as `--expect`: the mistake prints a wrong
answer, or a fix that merely runs could be wrong), or a tests file (`--tests`). A fix is "right"
when it is the meant program, or prints what the meant program prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    broken: str
    meant: str
    judge: str = "runs"  # "runs" | "expect" | "tests"
    stdin: str = ""
    tests: str | None = None

    @property
    def game(self) -> bool:
        return "import pygame" in self.broken


def game(setup: str, frame: str, top: str = "") -> str:
    """A child's pygame game: open a window, then loop (until the window is closed) over the events
    and one frame. `setup` runs before the loop, `frame` on every frame; both at the left margin,
    `frame` is indented here."""
    body = "".join("        " + line + "\n" if line.strip() else "\n" for line in frame.splitlines())
    return (
        "import pygame\n\n"
        "pygame.init()\n"
        "screen = pygame.display.set_mode((400, 300))\n"
        "clock = pygame.time.Clock()\n"
        f"{top}{setup}"
        "running = True\n"
        "while running:\n"
        "    for event in pygame.event.get():\n"
        "        if event.type == pygame.QUIT:\n"
        "            running = False\n"
        f"{body}"
        "    pygame.display.flip()\n"
        "    clock.tick(30)\n"
        "pygame.quit()\n"
    )


def _both(kind: str, name: str, template: str, wrong: str, right: str, **kw) -> Case:
    """A case whose broken and meant programs differ only where `template` says {x}."""
    return Case(kind, name, template.replace("{x}", wrong), template.replace("{x}", right), **kw)


_BALL = "x = 200\nspeed = 4\n"
_BALL_FRAME = "    x = x + speed\n    screen.fill((0, 0, 0))\n"

CASES: list[Case] = [
    # 1. A comma left out between the values passed or listed.
    _both(
        "missing_comma", "dice", 'import random\nroll = random.randint(1{x}6)\nprint("You rolled", roll)\n', " ", ", "
    ),
    _both(
        "missing_comma",
        "pets",
        'pets = ["cat", "dog"{x}"fish"]\nfor pet in pets:\n    print("I love my", pet)\n',
        " ",
        ", ",
        judge="expect",
    ),
    _both("missing_comma", "lives", 'lives = 3\nprint("You have"{x}lives, "lives")\n', " ", ", ", judge="expect"),
    _both(
        "missing_comma",
        "sun_game",
        game("x = 200\n", "pygame.draw.circle(screen, (255, 200, 0), (x, 150){x}40)\n"),
        " ",
        ", ",
    ),
    # 2. A function named but not called: the round brackets left off.
    _both(
        "missing_call_brackets",
        "shout",
        'name = input("What is your name? ")\nprint("Hello", name.upper{x})\n',
        "",
        "()",
        judge="expect",
        stdin="sam\n",
    ),
    _both(
        "missing_call_brackets",
        "say_hi",
        'def say_hi():\n    print("Hi!")\n\n\nsay_hi{x}\nprint("Bye")\n',
        "",
        "()",
        judge="expect",
    ),
    _both(
        "missing_call_brackets",
        "age",
        'age = int(input{x})\nprint("Next year you will be", age + 1)\n',
        "",
        "()",
        stdin="9\n",
    ),
    Case(
        "missing_call_brackets",
        "events_game",
        game("", "").replace("pygame.event.get()", "pygame.event.get"),
        game("", ""),
    ),
    # 3. Inside a class, an attribute used without self.
    _both(
        "missing_self_dot",
        "dog",
        "class Dog:\n    def __init__(self, name):\n        self.name = name\n\n    def bark(self):\n"
        '        print({x}name, "says woof")\n\n\nDog("Rex").bark()\n',
        "",
        "self.",
        judge="expect",
    ),
    _both(
        "missing_self_dot",
        "player_game",
        game(
            "player = Player()\n",
            "player.move()\nscreen.fill((0, 0, 0))\n",
            top="\n\nclass Player:\n    def __init__(self):\n        self.x = 100\n\n"
            "    def move(self):\n        {x}x += 5\n\n\n",
        ),
        "",
        "self.",
    ),
    _both(
        "missing_self_dot",
        "counter",
        "class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def add(self):\n"
        "        self.count = {x}count + 1\n\n\nc = Counter()\nc.add()\nc.add()\nprint(c.count)\n",
        "",
        "self.",
        judge="expect",
    ),
    # 4. A method written without self in its def line.
    _both(
        "missing_self_param",
        "cat",
        'class Cat:\n    def meow({x}):\n        print("Meow!")\n\n\nkitty = Cat()\nkitty.meow()\n',
        "",
        "self",
    ),
    _both(
        "missing_self_param",
        "ball_game",
        game(
            "ball = Ball()\n",
            "ball.move()\nscreen.fill((0, 0, 0))\npygame.draw.circle(screen, (255, 0, 0), (ball.x, 150), 10)\n",
            top="\n\nclass Ball:\n    def __init__(self):\n        self.x = 20\n\n"
            "    def move({x}):\n        self.x = self.x + 3\n\n\n",
        ),
        "",
        "self",
    ),
    _both(
        "missing_self_param",
        "robot",
        'class Robot:\n    def __init__({x}name):\n        self.name = name\n\n\nr = Robot("Beep")\n'
        'print("I am", r.name)\n',
        "",
        "self, ",
    ),
    # 5. + or - written where += or -= was meant: the sum is worked out and thrown away.
    _both(
        "plus_for_plus_equals",
        "points",
        'score = 0\nfor i in range(5):\n    score {x} 10\nprint("Score:", score)\n',
        "+",
        "+=",
        judge="expect",
    ),
    _both(
        "plus_for_plus_equals",
        "lives",
        'lives = 3\nlives {x} 1\nprint("Lives left:", lives)\n',
        "=-",
        "-=",
        judge="expect",
    ),
    _both(
        "plus_for_plus_equals",
        "coins",
        "total = 0\nfor coin in [1, 5, 10]:\n    total {x} coin\nprint(total)\n",
        "+",
        "+=",
        judge="expect",
    ),
    # 6. / where // was meant: a whole number was needed.
    _both(
        "slash_for_floor",
        "cakes",
        'cakes = 7\nhalf = cakes {x} 2\nfor i in range(half):\n    print("cake", i)\n',
        "/",
        "//",
    ),
    _both(
        "slash_for_floor",
        "middle",
        'names = ["Ann", "Bo", "Cy", "Di", "Ed"]\nmiddle = len(names) {x} 2\n'
        'print("The middle one is", names[middle])\n',
        "/",
        "//",
    ),
    _both("slash_for_floor", "stars", 'width = 9\nprint("*" * (width {x} 2))\n', "/", "//"),
    # 7. range() of a list or a word, where its length was meant.
    _both(
        "range_of_list",
        "pets",
        'pets = ["cat", "dog"]\nfor i in range({x}):\n    print(i, pets[i])\n',
        "pets",
        "len(pets)",
    ),
    _both(
        "range_of_list", "letters", 'word = "hello"\nfor i in range({x}):\n    print(word[i])\n', "word", "len(word)"
    ),
    _both(
        "range_of_list",
        "total",
        "scores = [3, 7, 2]\ntotal = 0\nfor i in range({x}):\n    total = total + scores[i]\nprint(total)\n",
        "scores",
        "len(scores)",
    ),
    # 8. Text written without its quote marks.
    _both(
        "text_without_quotes",
        "cats",
        'answer = input("Do you like cats? ")\nif answer == {x}:\n    print("Me too!")\n',
        "yes",
        '"yes"',
        judge="expect",
        stdin="yes\n",
    ),
    _both(
        "text_without_quotes",
        "colour",
        'color = {x}\nprint("My favourite color is", color)\n',
        "red",
        '"red"',
        judge="expect",
    ),
    _both(
        "text_without_quotes",
        "caption_game",
        game("pygame.display.set_caption({x})\n", ""),
        "Space",
        '"Space"',
    ),
    # 9. else if, where Python says elif.
    _both(
        "else_if",
        "age",
        'age = 9\nif age > 12:\n    print("teen")\n{x} age > 5:\n    print("kid")\nelse:\n    print("little")\n',
        "else if",
        "elif",
    ),
    _both(
        "else_if",
        "guess",
        'secret = 7\nguess = 3\nif guess < secret:\n    print("Too low")\n{x} guess > secret:\n'
        '    print("Too high")\nelse:\n    print("You got it!")\n',
        "else if",
        "elif",
    ),
    _both(
        "else_if",
        "keys_game",
        game(
            "x = 200\n",
            "keys = pygame.key.get_pressed()\nif keys[pygame.K_LEFT]:\n    x -= 5\n{x} keys[pygame.K_RIGHT]:\n"
            "    x += 5\nscreen.fill((0, 0, 0))\n",
        ),
        "else if",
        "elif",
    ),
    # 10. A semicolon where the colon goes.
    _both("semicolon_for_colon", "count", "for i in range(3){x}\n    print(i)\n", ";", ":"),
    _both("semicolon_for_colon", "greet", 'def greet(name){x}\n    print("Hi", name)\n\n\ngreet("Zoe")\n', ";", ":"),
    _both("semicolon_for_colon", "score", 'score = 12\nif score > 10{x}\n    print("You win!")\n', ";", ":"),
    Case(
        "semicolon_for_colon",
        "loop_game",
        game("", "").replace("while running:", "while running;"),
        game("", ""),
    ),
    # 11. == where = was meant: a comparison instead of giving a value.
    _both("double_equals_assign", "start", "score {x} 0\nscore = score + 5\nprint(score)\n", "==", "="),
    _both(
        "double_equals_assign",
        "lives",
        'lives = 3\nlives {x} lives - 1\nprint("Lives:", lives)\n',
        "==",
        "=",
        judge="expect",
    ),
    _both("double_equals_assign", "start_game", game("x {x} 50\n", "x = x + 1\n"), "==", "="),
    # 12. Round brackets where square ones pick out an item.
    _both("round_for_square", "fruit", 'fruits = ["apple", "pear"]\nprint(fruits{x})\n', "(0)", "[0]"),
    _both("round_for_square", "ages", 'ages = {"Ann": 9, "Bo": 10}\nprint(ages{x})\n', '("Bo")', '["Bo"]'),
    _both("round_for_square", "letter", 'word = "cat"\nprint(word{x})\n', "(1)", "[1]"),
    # 13. A function changes a name from outside it without saying global.
    _both(
        "missing_global",
        "points",
        "score = 0\n\n\ndef add_point():\n{x}    score = score + 1\n\n\nadd_point()\nadd_point()\nprint(score)\n",
        "",
        "    global score\n",
    ),
    _both(
        "missing_global",
        "hit_game",
        game("lives = 3\n", "if lives > 0:\n    hit()\n", top="\n\ndef hit():\n{x}    lives -= 1\n\n\n"),
        "",
        "    global lives\n",
    ),
    _both(
        "missing_global",
        "ticks",
        "count = 0\n\n\ndef tick():\n{x}    count += 1\n    print(count)\n\n\nfor i in range(3):\n    tick()\n",
        "",
        "    global count\n",
    ),
    # 14. A total or counter used before it was given a first value.
    _both(
        "counter_not_started", "sum", "{x}for n in [2, 4, 7]:\n    total = total + n\nprint(total)\n", "", "total = 0\n"
    ),
    _both(
        "counter_not_started",
        "sentence",
        'words = ["I", "like", "cake"]\n{x}for w in words:\n    sentence += w + " "\nprint(sentence)\n',
        "",
        'sentence = ""\n',
    ),
    _both("counter_not_started", "frames_game", game("{x}", "frames += 1\n"), "", "frames = 0\n"),
    # 15. print where the function should give back its answer with return.
    _both(
        "print_for_return",
        "double",
        "def double(n):\n    {x}(n * 2)\n",
        "print",
        "return",
        judge="tests",
        tests="assert double(4) == 8\n",
    ),
    _both(
        "print_for_return",
        "greet",
        'def greet(name):\n    {x}("Hi " + name)\n',
        "print",
        "return",
        judge="tests",
        tests='assert greet("Ana") == "Hi Ana"\n',
    ),
    Case(
        "print_for_return",
        "biggest",
        "def biggest(a, b):\n    if a > b:\n        print(a)\n    else:\n        print(b)\n",
        "def biggest(a, b):\n    if a > b:\n        return a\n    else:\n        return b\n",
        judge="tests",
        tests="assert biggest(3, 9) == 9\nassert biggest(5, 1) == 5\n",
    ),
    # 16. A number written as text (in quotes).
    _both("number_as_text", "score", "score = {x}\nscore = score + 1\nprint(score)\n", '"0"', "0"),
    _both("number_as_text", "lives", 'lives = {x}\nif lives > 0:\n    print("Still playing")\n', '"3"', "3"),
    _both("number_as_text", "speed", "speed = {x}\nx = 10\nx = x + speed\nprint(x)\n", '"5"', "5", judge="expect"),
    # 17. pygame wants a pair (x, y) in brackets, and got the two numbers loose.
    _both(
        "loose_pair",
        "window_game",
        game("", "").replace("set_mode((400, 300))", "set_mode({x})"),
        "400, 300",
        "(400, 300)",
    ),
    _both("loose_pair", "fill_game", game("", "screen.fill({x})\n"), "0, 0, 255", "(0, 0, 255)"),
    _both(
        "loose_pair",
        "circle_game",
        game("", "pygame.draw.circle(screen, (255, 255, 0), {x}, 30)\n"),
        "200, 150",
        "(200, 150)",
    ),
    # 18. A pygame name used without pygame. in front.
    _both(
        "missing_module_prefix",
        "arrows_game",
        game(_BALL, "keys = pygame.key.get_pressed()\nif keys[{x}K_LEFT]:\n    x -= speed\n"),
        "",
        "pygame.",
    ),
    Case(
        "missing_module_prefix",
        "quit_game",
        game("", "").replace("event.type == pygame.QUIT", "event.type == QUIT"),
        game("", ""),
    ),
    _both(
        "missing_module_prefix",
        "rect_game",
        game("box = {x}Rect(10, 10, 40, 40)\n", "pygame.draw.rect(screen, (0, 255, 0), box)\n"),
        "",
        "pygame.",
    ),
    # 19. A comma at the end of a line makes a tuple, not a number or text.
    _both("stray_comma", "score", "score = 0{x}\nscore = score + 1\nprint(score)\n", ",", ""),
    _both("stray_comma", "hello", 'name = "Mia"{x}\nprint("Hello " + name)\n', ",", "", judge="expect"),
    _both("stray_comma", "speed", "speed = 5{x}\nx = 10\nx = x + speed\nprint(x)\n", ",", ""),
    # 20. An operator left out between two values.
    _both(
        "missing_operator",
        "area",
        "width = 5\nheight = 3\narea = width{x}height\nprint(area)\n",
        " ",
        " * ",
        judge="expect",
    ),
    _both(
        "missing_operator",
        "price",
        'price = 3\ncount = 4\nprint("Total:", price{x}count)\n',
        " ",
        " * ",
        judge="expect",
    ),
    _both(
        "missing_operator", "birthday", 'age = 9\nprint("Next year you will be", age{x}1)\n', " ", " + ", judge="expect"
    ),
    # Games for the kinds above that had none yet.
    _both(
        "slash_for_floor",
        "grid_game",
        game("cells = [0] * 10\n", "middle = cells[len(cells) {x} 2]\n"),
        "/",
        "//",
    ),
    _both(
        "round_for_square",
        "colours_game",
        game("colors = [(255, 0, 0), (0, 0, 255)]\n", "screen.fill(colors{x})\n"),
        "(1)",
        "[1]",
    ),
    _both(
        "stray_comma",
        "speed_game",
        game("x = 10\nspeed = 3{x}\n", "x = x + speed\n"),
        ",",
        "",
    ),
    _both(
        "number_as_text",
        "speed_game",
        game("x = 10\nspeed = {x}\n", "x = x + speed\n"),
        '"3"',
        "3",
    ),
]
