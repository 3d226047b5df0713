"""Held-out set for the repair search (issue 38): children's programs whose mistakes are of kinds
named nowhere in the rules (helper/repair/rules.py, logic.py), the edit grammar (edits.py), the
corruptions (helper/fixer/corrupt.py) or the earlier sets (benchmarks/helper_unseen.py,
helper_dev.py).

Written and committed before any of issue 38's repair work, and not to be edited to fit it: the
repair is measured on these cases as they are. Nothing here may be copied into src/ or tests/.

Each case is (kind, name, broken program, the program the child meant). Half the kinds are silent:
the broken program runs without an error and prints the wrong thing, so the child gives what it
should print (`--expect`, the meant program's output). The other half raise an error that several
edits would silence, and are checked only for running without it (what `codeling fix FILE` checks).
Either way a fix is scored against the meant program's output: right only when the first-ranked
fix prints exactly what the meant program prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    broken: str
    meant: str
    silent: bool  # True: runs and prints the wrong thing (judged with --expect); False: raises
    stdin: str = ""


def _s(kind: str, name: str, broken: str, meant: str, stdin: str = "") -> Case:
    return Case(kind, name, broken, meant, True, stdin)


def _e(kind: str, name: str, broken: str, meant: str, stdin: str = "") -> Case:
    return Case(kind, name, broken, meant, False, stdin)


CASES: list[Case] = [
    # --- silent kinds: the program runs and prints the wrong thing ---------------------------------
    # 1. A method's result thrown away: strings do not change in place.
    _s(
        "method_result_discarded",
        "shout",
        'word = "hooray"\nword.upper()\nprint(word)\n',
        'word = "hooray"\nword = word.upper()\nprint(word)\n',
    ),
    _s(
        "method_result_discarded",
        "tidy",
        'name = "  milo  "\nname.strip()\nprint("[" + name + "]")\n',
        'name = "  milo  "\nname = name.strip()\nprint("[" + name + "]")\n',
    ),
    _s(
        "method_result_discarded",
        "swap_letters",
        'secret = "banana"\nsecret.replace("a", "o")\nprint(secret)\n',
        'secret = "banana"\nsecret = secret.replace("a", "o")\nprint(secret)\n',
    ),
    # 2. and where or was meant, or or where and was meant.
    _s(
        "and_or_swapped",
        "ride",
        'height = 150\nage = 6\nif height > 120 or age > 8:\n    print("You can ride")\nelse:\n'
        '    print("Sorry, not yet")\n',
        'height = 150\nage = 6\nif height > 120 and age > 8:\n    print("You can ride")\nelse:\n'
        '    print("Sorry, not yet")\n',
    ),
    _s(
        "and_or_swapped",
        "weekend",
        'day = "sunday"\nif day == "saturday" and day == "sunday":\n    print("No school!")\nelse:\n'
        '    print("School today")\n',
        'day = "sunday"\nif day == "saturday" or day == "sunday":\n    print("No school!")\nelse:\n'
        '    print("School today")\n',
    ),
    _s(
        "and_or_swapped",
        "treasure",
        "keys = 0\ngold = 5\nfor room in range(3):\n    if keys > 0 or gold > 0:\n        gold = gold - 2\n"
        "print(gold)\n",
        "keys = 0\ngold = 5\nfor room in range(3):\n    if keys > 0 and gold > 0:\n        gold = gold - 2\n"
        "print(gold)\n",
    ),
    # 3. A function works its answer out and never gives it back.
    _s(
        "missing_return_value",
        "area",
        "def area(width, height):\n    size = width * height\n\n\nprint(area(3, 4))\n",
        "def area(width, height):\n    size = width * height\n    return size\n\n\nprint(area(3, 4))\n",
    ),
    _s(
        "missing_return_value",
        "shout_name",
        'def loud(name):\n    name = name.upper() + "!"\n\n\nprint(loud("zara"))\n',
        'def loud(name):\n    name = name.upper() + "!"\n    return name\n\n\nprint(loud("zara"))\n',
    ),
    _s(
        "missing_return_value",
        "candies",
        'def share(candies, kids):\n    each = candies // kids\n\n\nprint("Each kid gets", share(12, 4))\n',
        "def share(candies, kids):\n    each = candies // kids\n    return each\n\n\n"
        'print("Each kid gets", share(12, 4))\n',
    ),
    # 4. A line inside the loop that belongs after it (prints every step instead of once).
    _s(
        "print_inside_loop",
        "apples",
        'apples = 0\nfor tree in range(4):\n    apples = apples + 3\n    print("Apples:", apples)\n',
        'apples = 0\nfor tree in range(4):\n    apples = apples + 3\nprint("Apples:", apples)\n',
    ),
    _s(
        "print_inside_loop",
        "longest",
        'names = ["Al", "Beatrix", "Cy"]\nlongest = ""\nfor n in names:\n    if len(n) > len(longest):\n'
        "        longest = n\n    print(longest)\n",
        'names = ["Al", "Beatrix", "Cy"]\nlongest = ""\nfor n in names:\n    if len(n) > len(longest):\n'
        "        longest = n\nprint(longest)\n",
    ),
    _s(
        "print_inside_loop",
        "stars",
        'line = ""\nfor i in range(5):\n    line = line + "*"\n    print(line)\n',
        'line = ""\nfor i in range(5):\n    line = line + "*"\nprint(line)\n',
    ),
    # 5. A counter started again on every turn of the loop.
    _s(
        "reset_inside_loop",
        "jumps",
        'for day in range(3):\n    jumps = 0\n    jumps = jumps + 10\nprint("Jumps:", jumps)\n',
        'jumps = 0\nfor day in range(3):\n    jumps = jumps + 10\nprint("Jumps:", jumps)\n',
    ),
    _s(
        "reset_inside_loop",
        "shopping",
        'prices = [2, 5, 3]\nfor p in prices:\n    cost = 0\n    cost = cost + p\nprint("Cost:", cost)\n',
        'prices = [2, 5, 3]\ncost = 0\nfor p in prices:\n    cost = cost + p\nprint("Cost:", cost)\n',
    ),
    _s(
        "reset_inside_loop",
        "vowels",
        'word = "elephant"\nfor letter in word:\n    found = 0\n    if letter in "aeiou":\n'
        "        found = found + 1\nprint(found)\n",
        'word = "elephant"\nfound = 0\nfor letter in word:\n    if letter in "aeiou":\n'
        "        found = found + 1\nprint(found)\n",
    ),
    # 6. Braces in a string that was meant to be an f-string.
    _s(
        "missing_f_prefix",
        "hello",
        'pet = "Biscuit"\nprint("My hamster is called {pet}")\n',
        'pet = "Biscuit"\nprint(f"My hamster is called {pet}")\n',
    ),
    _s(
        "missing_f_prefix",
        "level",
        'level = 4\nmessage = "You reached level {level}!"\nprint(message)\n',
        'level = 4\nmessage = f"You reached level {level}!"\nprint(message)\n',
    ),
    _s(
        "missing_f_prefix",
        "sum_up",
        'a = 7\nb = 5\nprint("{a} plus {b} is {a + b}")\n',
        'a = 7\nb = 5\nprint(f"{a} plus {b} is {a + b}")\n',
    ),
    # 7. Items removed from the list the loop is walking over (some are skipped).
    _s(
        "remove_while_looping",
        "bugs",
        'garden = ["bug", "bug", "rose", "bug", "tulip"]\nfor thing in garden:\n    if thing == "bug":\n'
        "        garden.remove(thing)\nprint(garden)\n",
        'garden = ["bug", "bug", "rose", "bug", "tulip"]\nfor thing in garden[:]:\n    if thing == "bug":\n'
        "        garden.remove(thing)\nprint(garden)\n",
    ),
    _s(
        "remove_while_looping",
        "odd_out",
        "numbers = [1, 3, 5, 6, 7]\nfor n in numbers:\n    if n % 2 == 1:\n        numbers.remove(n)\nprint(numbers)\n",
        "numbers = [1, 3, 5, 6, 7]\nfor n in numbers[:]:\n    if n % 2 == 1:\n        numbers.remove(n)\n"
        "print(numbers)\n",
    ),
    _s(
        "remove_while_looping",
        "team",
        'players = ["Ann", "Ben", "Bo", "Cat"]\nfor p in players:\n    if p.startswith("B"):\n'
        "        players.remove(p)\nprint(len(players), players)\n",
        'players = ["Ann", "Ben", "Bo", "Cat"]\nfor p in players[:]:\n    if p.startswith("B"):\n'
        "        players.remove(p)\nprint(len(players), players)\n",
    ),
    # 8. A second name for the same list, where a copy was meant.
    _s(
        "alias_not_copy",
        "backup",
        "scores = [10, 20]\nold_scores = scores\nscores.append(30)\nprint(old_scores)\n",
        "scores = [10, 20]\nold_scores = scores.copy()\nscores.append(30)\nprint(old_scores)\n",
    ),
    _s(
        "alias_not_copy",
        "lunch",
        'mine = ["apple", "cheese"]\nyours = mine\nyours.append("cake")\nprint("Mine:", mine)\n'
        'print("Yours:", yours)\n',
        'mine = ["apple", "cheese"]\nyours = mine.copy()\nyours.append("cake")\nprint("Mine:", mine)\n'
        'print("Yours:", yours)\n',
    ),
    _s(
        "alias_not_copy",
        "start_board",
        "start = [0, 0, 0]\nboard = start\nboard[1] = 5\nprint(start, board)\n",
        "start = [0, 0, 0]\nboard = start.copy()\nboard[1] = 5\nprint(start, board)\n",
    ),
    # --- kinds that raise: several edits would silence the error -----------------------------------
    # 9. A while loop that never moves towards its end.
    _e(
        "loop_without_progress",
        "countdown",
        'n = 5\nwhile n > 0:\n    print(n)\nprint("Blast off!")\n',
        'n = 5\nwhile n > 0:\n    print(n)\n    n = n - 1\nprint("Blast off!")\n',
    ),
    _e(
        "loop_without_progress",
        "steps",
        'steps = 0\nwhile steps < 3:\n    print("step", steps)\n',
        'steps = 0\nwhile steps < 3:\n    print("step", steps)\n    steps = steps + 1\n',
    ),
    _e(
        "loop_without_progress",
        "cookies",
        'cookies = 10\neaten = 0\nwhile eaten < cookies:\n    print("yum")\nprint("all gone")\n',
        'cookies = 10\neaten = 0\nwhile eaten < cookies:\n    print("yum")\n    eaten = eaten + 1\nprint("all gone")\n',
    ),
    # 10. The result of a method that changes a list in place (it gives back None) kept as the list.
    _e(
        "in_place_result_kept",
        "sorted_ages",
        'ages = [9, 7, 11]\nages = ages.sort()\nprint("Youngest:", ages[0])\n',
        'ages = [9, 7, 11]\nages.sort()\nprint("Youngest:", ages[0])\n',
    ),
    _e(
        "in_place_result_kept",
        "guests",
        'guests = ["Ada", "Max"]\nguests = guests.append("Lu")\nprint(len(guests), "guests")\n',
        'guests = ["Ada", "Max"]\nguests.append("Lu")\nprint(len(guests), "guests")\n',
    ),
    _e(
        "in_place_result_kept",
        "backwards",
        "cards = [1, 2, 3, 4]\ncards = cards.reverse()\nfor c in cards:\n    print(c)\n",
        "cards = [1, 2, 3, 4]\ncards.reverse()\nfor c in cards:\n    print(c)\n",
    ),
    # 11. A dictionary walked over as if it gave pairs.
    _e(
        "dict_pairs_without_items",
        "pets_ages",
        'ages = {"Rex": 3, "Tom": 5}\nfor pet, age in ages:\n    print(pet, "is", age)\n',
        'ages = {"Rex": 3, "Tom": 5}\nfor pet, age in ages.items():\n    print(pet, "is", age)\n',
    ),
    _e(
        "dict_pairs_without_items",
        "colours",
        'likes = {"Mo": "green", "Ella": "pink"}\nfor kid, colour in likes:\n    print(kid + " likes " + colour)\n',
        'likes = {"Mo": "green", "Ella": "pink"}\nfor kid, colour in likes.items():\n'
        '    print(kid + " likes " + colour)\n',
    ),
    _e(
        "dict_pairs_without_items",
        "shop",
        'shop = {"pen": 2, "book": 6}\ntotal = 0\nfor thing, price in shop:\n    total = total + price\nprint(total)\n',
        'shop = {"pen": 2, "book": 6}\ntotal = 0\nfor thing, price in shop.items():\n    total = total + price\n'
        "print(total)\n",
    ),
    # 12. A method called on the class, where an object of it was meant.
    _e(
        "class_not_object",
        "robot",
        'class Robot:\n    def beep(self):\n        print("Beep beep")\n\n\nRobot.beep()\n',
        'class Robot:\n    def beep(self):\n        print("Beep beep")\n\n\nRobot().beep()\n',
    ),
    _e(
        "class_not_object",
        "dragon",
        'class Dragon:\n    def roar(self):\n        return "ROAR"\n\n\nprint(Dragon.roar())\n',
        'class Dragon:\n    def roar(self):\n        return "ROAR"\n\n\nprint(Dragon().roar())\n',
    ),
    _e(
        "class_not_object",
        "dice",
        'class Die:\n    def sides(self):\n        return 6\n\n\nd = Die\nprint("It has", d.sides(), "sides")\n',
        'class Die:\n    def sides(self):\n        return 6\n\n\nd = Die()\nprint("It has", d.sides(), "sides")\n',
    ),
    # 13. The loop gives the items, and they are used as positions.
    _e(
        "item_used_as_index",
        "fruit_list",
        'fruit = ["kiwi", "plum"]\nfor f in fruit:\n    print(fruit[f])\n',
        'fruit = ["kiwi", "plum"]\nfor f in fruit:\n    print(f)\n',
    ),
    _e(
        "item_used_as_index",
        "sum_marks",
        "marks = [4, 8, 6]\ntotal = 0\nfor m in marks:\n    total = total + marks[m]\nprint(total)\n",
        "marks = [4, 8, 6]\ntotal = 0\nfor m in marks:\n    total = total + m\nprint(total)\n",
    ),
    _e(
        "item_used_as_index",
        "planets",
        'planets = ["Mars", "Venus"]\nfor p in planets:\n    print("Hello", planets[p])\n',
        'planets = ["Mars", "Venus"]\nfor p in planets:\n    print("Hello", p)\n',
    ),
    # 14. A function's arguments given in the wrong order.
    _e(
        "arguments_swapped",
        "birthday",
        'def birthday(name, age):\n    print(name + " is " + str(age) + " today")\n\n\nbirthday(8, "Noor")\n',
        'def birthday(name, age):\n    print(name + " is " + str(age) + " today")\n\n\nbirthday("Noor", 8)\n',
    ),
    _e(
        "arguments_swapped",
        "repeat",
        'def cheer(word, times):\n    for i in range(times):\n        print(word)\n\n\ncheer(2, "Go!")\n',
        'def cheer(word, times):\n    for i in range(times):\n        print(word)\n\n\ncheer("Go!", 2)\n',
    ),
    _e(
        "arguments_swapped",
        "pick",
        'def pick(things, n):\n    return things[n]\n\n\nprint(pick(1, ["red", "blue"]))\n',
        'def pick(things, n):\n    return things[n]\n\n\nprint(pick(["red", "blue"], 1))\n',
    ),
    # 15. A method of another kind of value (what a set or a list has, asked of the other).
    _e(
        "method_of_another_type",
        "stickers",
        'stickers = []\nstickers.add("star")\nstickers.add("moon")\nprint(stickers)\n',
        'stickers = []\nstickers.append("star")\nstickers.append("moon")\nprint(stickers)\n',
    ),
    _e(
        "method_of_another_type",
        "seen",
        'seen = set()\nfor c in "hello":\n    seen.append(c)\nprint(len(seen))\n',
        'seen = set()\nfor c in "hello":\n    seen.add(c)\nprint(len(seen))\n',
    ),
    _e(
        "method_of_another_type",
        "sentence",
        'words = ["I", "can", "code"]\nprint(words.join(" "))\n',
        'words = ["I", "can", "code"]\nprint(" ".join(words))\n',
    ),
    # 16. A function used before the lines that make it.
    _e(
        "used_before_defined",
        "greeting",
        'greet("Kai")\n\n\ndef greet(name):\n    print("Hi", name)\n',
        'def greet(name):\n    print("Hi", name)\n\n\ngreet("Kai")\n',
    ),
    _e(
        "used_before_defined",
        "double_it",
        "print(double(21))\n\n\ndef double(x):\n    return x * 2\n",
        "def double(x):\n    return x * 2\n\n\nprint(double(21))\n",
    ),
    _e(
        "used_before_defined",
        "colour_name",
        'favourite = "teal"\nshow(favourite)\n\n\ndef show(c):\n    print("I like", c)\n',
        'favourite = "teal"\n\n\ndef show(c):\n    print("I like", c)\n\n\nshow(favourite)\n',
    ),
]
