"""A small table of the words children use for what they see in a game, and the words pygame's
documents use for it. Retrieval (helper/ask/retrieve.py) adds a question's table words to its search;
the corpus's own vocabulary (helper/ask/expand.py) does the rest.

Written from how children describe games (what moves, what they press, what they hear), not from
the API: each entry is a child's word on the left and pygame's plain words or names on the right.
Keep it small: a word belongs here only when pygame's documents and examples never say it, or say
it about something else. Words are matched after a plain-English stemming (spins, spinning -> spin).
"""

from __future__ import annotations

CHILD_WORDS: dict[str, tuple[str, ...]] = {
    # how things move and change on the screen
    "spin": ("rotate",),
    "turn": ("rotate", "flip"),
    "twist": ("rotate",),
    "mirror": ("flip",),
    "bigger": ("scale", "resize"),
    "smaller": ("scale", "resize"),
    "shrink": ("scale",),
    "grow": ("scale",),
    "stretch": ("scale",),
    "disappear": ("kill", "remove"),
    "vanish": ("kill", "remove"),
    "die": ("kill",),
    "bounce": ("colliderect", "clamp", "edge"),
    "slide": ("scroll",),
    "fade": ("alpha", "set_alpha"),
    "see-through": ("colorkey", "alpha", "transparent"),
    "invisible": ("alpha", "set_visible"),
    "jaggy": ("antialiased", "aacircle"),
    "smooth": ("antialiased",),
    # what a child presses, clicks or touches
    "let": ("keyup",),  # "let go of a key"
    "release": ("keyup", "mousebuttonup"),
    "press": ("keydown", "get_pressed"),
    "hold": ("get_pressed", "key"),
    "click": ("mousebuttondown", "mouse"),
    "pointer": ("mouse", "cursor"),
    "arrow": ("cursor", "k_left"),
    "finger": ("touch", "fingerdown"),
    "controller": ("joystick", "controller"),
    "gamepad": ("joystick",),
    "xbox": ("joystick", "controller"),
    "type": ("text", "textinput"),
    # what a child sees
    "picture": ("image", "load"),
    "photo": ("image", "save"),
    "screenshot": ("image", "save"),
    "words": ("font", "render", "text"),
    "writing": ("font", "text"),
    "ball": ("circle",),
    "box": ("rect",),
    "colour": ("color",),
    "lighter": ("color", "lerp"),
    "darker": ("color", "lerp"),
    "title": ("caption", "set_caption"),
    "top": ("caption",),
    "whole": ("fullscreen",),
    "cover": ("fullscreen",),
    "enemies": ("sprite", "group"),
    "lots": ("group",),
    "touches": ("collide", "colliderect"),
    "hit": ("collide", "colliderect"),
    "crash": ("collide",),
    "bump": ("collide",),
    "edge": ("clamp", "clamp_ip"),
    # what a child hears
    "noise": ("sound", "mixer"),
    "beep": ("sound",),
    "song": ("music",),
    "quieter": ("volume", "set_volume"),
    "louder": ("volume", "set_volume"),
    # time
    "slower": ("clock", "tick", "fps"),
    "faster": ("clock", "tick", "fps"),
    "freeze": ("wait", "delay"),
    "pause": ("wait", "delay"),
    "seconds": ("set_timer", "ticks", "milliseconds"),
    "long": ("get_ticks",),
    "close": ("quit",),
    "x": ("quit",),  # "the X on the window"
}
