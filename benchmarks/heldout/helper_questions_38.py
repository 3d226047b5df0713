"""Held-out pygame questions for `codeling ask` (issue 38), in the words a child uses for what
happens on the screen, each with the files of the pygame wheel that answer it (REF: a doc page by
module; or an example program). A question counts as answered at k when any of its files is among
the first k hits.

Written and committed before any of issue 38's retrieval work (dense embeddings, the rebuilt
children's-words table), and not to be edited to fit it. No word of these questions may be used to
build the children's-words table, and nothing here may be copied into src/ or tests/.
"""

REF = "docs/generated/_sources/ref/{}.rst.txt"

QUESTIONS = [
    ("my rocket should point the way it is flying", [REF.format("transform"), REF.format("math")]),
    ("when my fish swims left it should face left too", [REF.format("transform")]),
    ("the coin should get bigger and bigger", [REF.format("transform"), "examples/scaletest.py"]),
    ("how do I make a button the player can press with the mouse", [REF.format("mouse"), REF.format("rect")]),
    ("my game needs a score number in the corner", [REF.format("font"), REF.format("freetype")]),
    ("the game should go ding when I get a coin", [REF.format("mixer"), "examples/sound.py"]),
    ("the music should go quiet slowly at the end", [REF.format("music"), "examples/music_drop_fade.py"]),
    ("when the dog runs into the bone the bone is gone", [REF.format("sprite"), REF.format("rect")]),
    ("my player walks through walls how do I stop him", [REF.format("rect"), REF.format("sprite")]),
    ("which way is the stick on my controller pushed", [REF.format("joystick"), REF.format("sdl2_controller")]),
    ("the game runs at different speeds on my friend's computer", [REF.format("time")]),
    ("show how many seconds are left before the level ends", [REF.format("time")]),
    ("make a big yellow sun in the sky", [REF.format("draw"), REF.format("gfxdraw")]),
    ("draw a pointy triangle for my mountain", [REF.format("draw"), REF.format("gfxdraw")]),
    ("how do I make the game window show up", [REF.format("display")]),
    (
        "let me drag the corner of the window to change its size",
        [REF.format("display"), "examples/resizing_new.py", REF.format("event")],
    ),
    ("put a tiny picture next to my game's name at the top", [REF.format("display")]),
    (
        "is the cat touching the coloured part of the tree and not the empty part",
        [REF.format("mask"), "examples/mask.py"],
    ),
    ("the game should wait until I press something before it starts", [REF.format("event"), REF.format("key")]),
    ("my drawing keeps blinking and flickering", [REF.format("display")]),
    ("put my own drawing of a dragon into the game", [REF.format("image"), "examples/chimp.py"]),
    ("make the spaceship shoot lasers at the aliens", ["examples/aliens.py", REF.format("sprite")]),
    ("when I click and drag the box it should follow the mouse", [REF.format("mouse"), REF.format("event")]),
    ("the sky should go from blue at the top to black at the bottom", ["examples/vgrade.py"]),
    ("colour in one dot at a time", [REF.format("pixelarray"), REF.format("surface")]),
    ("make my letters thick and slanted", [REF.format("font"), REF.format("freetype")]),
    ("copy some words and paste them into my game", [REF.format("scrap"), "examples/scrap_clipboard.py"]),
    ("drop a file from my desktop onto the game", ["examples/dropevent.py", REF.format("event")]),
    ("see my face from the webcam in the game", [REF.format("camera"), "examples/camera.py"]),
    ("play notes from the piano keyboard plugged into my computer", [REF.format("midi"), "examples/midi.py"]),
    ("two noises should play at the same time", [REF.format("mixer")]),
    ("how far away is the monster from me", [REF.format("math")]),
    ("the enemy should walk towards the player", [REF.format("math"), "examples/go_over_there.py"]),
    ("make my tiny pixel art big and blocky not blurry", [REF.format("transform"), "examples/setmodescale.py"]),
    ("make my ghost half invisible", [REF.format("surface")]),
    ("make a board of squares like chess", [REF.format("draw"), "examples/grid.py"]),
    ("was it the left or the right mouse button", [REF.format("mouse"), REF.format("event")]),
    ("the map is bigger than the window and should move along when I walk", ["examples/scroll.py"]),
    ("make my controller buzz in my hands", [REF.format("joystick"), REF.format("sdl2_controller")]),
    ("make the mouse look like a little pointing hand", [REF.format("cursors"), REF.format("mouse")]),
]
