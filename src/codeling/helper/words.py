"""What the helper says, in words a ten-year-old can read: for each kind of problem, what happened
and one hint. Short sentences and short words keep the reading level at grade 5 or lower
(benchmarks/helper_fix.py measures every template with textstat).

Fields in braces are filled in by explain.py: {name} a name or key from the program, {bracket} a
bracket, {suggestion} a nearby name, {module} a module, {expected}/{got} output lines.
"""

from __future__ import annotations

# kind -> (what happened, hint)
TEMPLATES: dict[str, tuple[str, str]] = {
    "ok": ("Your program ran to the end with no errors.", "Nice work! Try to add something new."),
    "game_running": (
        "Your game started and kept on running with no errors.",
        "A game loops until you close it. That is fine.",
    ),
    "missing_colon": (
        "Python wanted a colon (:) at the end of this line.",
        "Lines that start with if, else, for, while or def end with a colon.",
    ),
    "unclosed_bracket": (
        "You opened the bracket {bracket} here, but you did not close it.",
        "Each ( needs a ), each [ needs a ], and each {{ needs a }}.",
    ),
    "unmatched_bracket": (
        "This closing bracket {bracket} has no open bracket to go with it.",
        "Take it out, or add the open bracket where it should start.",
    ),
    "mismatched_bracket": (
        "This bracket {bracket} does not match the one you opened.",
        "Each ( needs a ), each [ needs a ], and each {{ needs a }}.",
    ),
    "unclosed_quote": (
        "Some text starts with a quote mark, but it has no end quote.",
        "Text must start and end with the same kind of quote mark.",
    ),
    "print_statement": (
        "print needs round brackets.",
        "Put what you want to show inside the brackets, like print('hi').",
    ),
    "assign_not_equal": (
        "You used one = where Python wanted two: ==.",
        "One = puts a value in a name. Two == ask if two things are the same.",
    ),
    "missing_comma": (
        "Python thinks a comma is missing here.",
        "Put a comma between the things in a list or between the values you pass.",
    ),
    "invalid_character": (
        "This line has a sign that Python does not know: {name}.",
        "Type it again on your keyboard. Curly quotes must be plain quotes.",
    ),
    "bad_number": (
        "A number has letters stuck to it.",
        "Put a space or a * between a number and a name, like 2 * x.",
    ),
    "bad_assign": (
        "The left side of this = is not a name, so Python cannot put a value in it.",
        "Write the name first, then =, then the value. To check if two things are the same, use ==.",
    ),
    "syntax": (
        "Python could not read this line.",
        "Look for a typo or a missing sign near the arrow. Check the line above too.",
    ),
    "indent_expected": (
        "The lines after a colon must be pushed in, but this one is not.",
        "Push it in with 4 spaces, so Python knows it belongs to the line above.",
    ),
    "indent_unexpected": (
        "This line is pushed in, but it should not be.",
        "Line it up with the line above it.",
    ),
    "indent_mismatch": (
        "This line does not line up with the lines around it.",
        "Lines that belong together must start at the same place. Use 4 spaces for each step.",
    ),
    "tabs": (
        "This line mixes tabs and spaces to push it in.",
        "Use only spaces. Four spaces make one step.",
    ),
    "name_error": (
        "Python does not know the name {name}.",
        "Check how you spelled it, or give {name} a value before this line.",
    ),
    "missing_import": (
        "Python does not know {name} yet, because you did not import it.",
        "Put import {module} at the top of your program.",
    ),
    "unbound_local": (
        "You used {name} in a function before you gave it a value there.",
        "To change a name from outside the function, write global {name} as the first line of the function.",
    ),
    "type_text_number": (
        "You tried to mix text and a number.",
        "input() gives you text. Use int(...) to make it a number, or str(...) to make a number into text.",
    ),
    "type_not_callable": (
        "You put () after something that is not a function.",
        "Only a function can be called with (). Check the name before the (.",
    ),
    "type_arguments": (
        "You gave a function the wrong number of values.",
        "Count the values in the () and compare them with the def line.",
    ),
    "type_error": (
        "A value is the wrong kind of thing for what you asked.",
        "Check if each value is a number, text or a list.",
    ),
    "index_error": (
        "You asked for a place in a list that is not there.",
        "A list of 3 things has places 0, 1 and 2. The last place is one less than the length.",
    ),
    "key_error": (
        "The dictionary has no key {name}.",
        "Check how you spelled the key, or add it to the dictionary first.",
    ),
    "zero_division": (
        "You tried to divide by zero. No one can do that!",
        "Check that the number you divide by is not 0 before you divide.",
    ),
    "attribute_error": (
        "{module} has no part called {name}.",
        "Check how you spelled the word after the dot.",
    ),
    "value_number": (
        "int() or float() could not turn {name} into a number.",
        "They only work on text made of digits, like '42'.",
    ),
    "value_error": (
        "A value is the right kind, but Python cannot use it here.",
        "Look at the value on this line and the one it should be.",
    ),
    "recursion": (
        "A function calls itself again and again and never stops.",
        "Give the function a case where it stops and does not call itself.",
    ),
    "eof": (
        "Your program asked for input, but there was nothing more to read.",
        "Give it the typing it needs with --stdin and a file.",
    ),
    "module_not_found": (
        "Python cannot find a module called {name}.",
        "Check how you spelled it. Only Python's own modules and pygame work here.",
    ),
    "pygame_missing": (
        "Your program uses pygame, but pygame is not installed here.",
        "Ask a grown-up to run: pip install codeling[learn]",
    ),
    "pygame_not_init": (
        "Your program used pygame before it started pygame.",
        "Put pygame.init() near the top, before you make the window.",
    ),
    "pygame_closed": (
        "Your program used the window after it was closed.",
        "Stop the loop right after pygame.quit(), for example with break.",
    ),
    "pygame_error": (
        "pygame could not do what you asked.",
        "Look at the pygame line here and check its values.",
    ),
    "infinite_loop": (
        "Your program kept on going and never stopped.",
        "A while loop goes on while its test is true. Make sure the loop can end, or use break.",
    ),
    "memory": (
        "Your program used up all of its memory.",
        "Look for a list that grows and grows, or a loop that never ends.",
    ),
    "output_limit": (
        "Your program printed far too much.",
        "Look for a print inside a loop that never ends.",
    ),
    "too_many_programs": (
        "Your program tried to start too many copies of itself.",
        "A program here may not start other programs. Take out os.fork().",
    ),
    "killed": (
        "Your program was stopped before it could end.",
        "Look for a loop that never ends, or a program that starts too many programs.",
    ),
    "test_failed": (
        "Your program runs, but a test did not pass.",
        "Look at the test on this line. What did it want, and what did your program give?",
    ),
    "wrong_output": (
        "Your program runs, but it printed {got} where {expected} was expected.",
        "Look at the part of your program that prints this line.",
    ),
    "error": (
        "Something went wrong: Python raised {name}.",
        "Read the line the arrow points at, and check each value on it.",
    ),
}

# Hints that name where the child gives the program something: the command line's flags above, the
# web app's own boxes here (a child in the app has no --stdin to pass).
APP_HINTS = {
    "eof": "Type what it needs into the box 'What you type in' and try again.",
}

SUGGEST = "Did you mean {suggestion}?"
MODEL_FIX = "My fixer model wrote a new line {line}, and I checked that it works."
NO_FIX = "I could not find a small fix that really works, so I did not change anything."
NOTHING_TO_FIX = "There is nothing to fix: your program works."

# What a fix found by the repair search (helper/repair/search.py) does, one sentence per edit kind
# (helper/repair/edits.py). Fields: {old} what was there, {new} what is there now, {line} the line.
EDIT_NOTES: dict[str, str] = {
    "replace": "Write {new} instead of {old} on line {line}.",
    "insert": "Add {new} on line {line}.",
    "delete": "Take out {old} on line {line}.",
    "case": "Write {new} instead of {old}. Big and small letters are not the same to Python.",
    "name": "Write {new} instead of {old} on line {line}.",
    "quote": "Put quote marks around {old} on line {line}, so Python reads it as text.",
    "unquote": "Take the quote marks off {old} on line {line}, so Python reads it as a number.",
    "call": "Add () after {old} on line {line}, so it runs. Without () it is just a name.",
    "wrap_int": "Write {new} on line {line}. int() turns text into a number.",
    "wrap_str": "Write {new} on line {line}. str() turns a number into text.",
    "wrap_len": "Write {new} on line {line}. len() counts how many things there are.",
    "square": "Use [ ] instead of ( ) on line {line}. Square brackets pick one thing out.",
    "group": "Put {old} in round brackets on line {line}, so they go in as one pair.",
    "keyword": "Write {new} instead of {old} on line {line}.",
    "return": "Add return on line {line}, so the function gives back its answer.",
    "self": "Add self in the brackets of the def on line {line}. A method needs it first.",
    "global": "Add {new} at the top of the function, so it can change that name.",
    "start": "Add {new} before line {line}, so it has a value to start with.",
}
OUT_OF_TIME = "I ran out of time and found no fix that works. I did not change anything."


# What a fix from a family of changes (helper/repair/families.py) does, one sentence per family.
FAMILY_NOTES = {
    "operator": "Use {new} instead of {old} on line {line}.",
    "not_added": "Put not in front of the test on line {line}, so it asks the opposite.",
    "not_removed": "Take the not out of the test on line {line}.",
    "constant": "Use {new} instead of {old} on line {line}.",
    "f_string": "Put f in front of the text on line {line}, so the names in {{ }} are filled in.",
    "arguments_swapped": "Give the values on line {line} in the other order.",
    "result_kept": "Keep what {method}() gives back: write {name} = in front of line {line}.",
    "result_dropped": "{method}() changes the list itself and gives back None, so do not keep its answer "
    "(line {line}).",
    "make_object": "Make a {name} first, with {name}(), on line {line}.",
    "method_owner": "Call {method}() on the other value on line {line}.",
    "loop_copy": "Loop over a copy of {name} on line {line}, so taking things out does not skip any.",
    "loop_items": "Loop over {name}.items() on line {line}, to get each key with its value.",
    "item_as_index": "The loop already gives each item of {seq}: use {name} itself on line {line}.",
    "copy": "Make a copy of {name} on line {line}, so changing one does not change the other.",
    "order": "Swap line {line} with the line above it.",
    "after_loop": "Move line {line} after the loop, so it runs once at the end.",
    "before_loop": "Move line {line} before the loop, so it does not start again each time.",
    "progress": "Add {name} = {name} {sign} 1 inside the loop on line {line}, so the loop can end.",
    "return_value": "Give back {name} with return {name} at the end of the function (line {line}).",
    "after_definition": "Move line {line} below the def it uses: a function must be made before it is called.",
}
