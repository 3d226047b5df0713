"""Pygame questions in a child's words, not the API's ("spin", not rotate; "disappear", not kill),
each with the files of the pygame wheel that answer it (REF: a doc page by module; or an example).

Written and committed before the retrieval's query expansion (issue 29), and not to be edited to fit
it. A question counts as answered at k when any of its files is among the first k hits."""

REF = "docs/generated/_sources/ref/{}.rst.txt"

CHILD_QUESTIONS = [
    ("how do I make my spaceship spin around", [REF.format("transform")]),
    ("make the ball bounce off the wall", [REF.format("rect"), "examples/chimp.py", "examples/testsprite.py"]),
    ("make my character smaller", [REF.format("transform")]),
    ("make the bad guy disappear when I hit him", [REF.format("sprite")]),
    ("do something when I let go of a key", [REF.format("event"), REF.format("key")]),
    ("make a noise when I press space", [REF.format("mixer"), "examples/sound.py"]),
    ("put words on the screen", [REF.format("font"), REF.format("freetype"), "examples/fonty.py"]),
    ("make a picture of my cat show up in the game", [REF.format("image"), "examples/chimp.py"]),
    ("how do I know if the alien touches my rocket", [REF.format("sprite"), REF.format("rect"), REF.format("mask")]),
    ("my game is too fast how do I make it slower", [REF.format("time")]),
    ("make the window bigger", [REF.format("display")]),
    ("make the whole screen blue", [REF.format("surface")]),
    ("turn my guy around so he looks the other way", [REF.format("transform")]),
    ("where is my mouse pointer", [REF.format("mouse")]),
    ("do something when I click", [REF.format("mouse"), REF.format("event")]),
    ("make the mouse arrow go away", [REF.format("mouse"), "examples/cursors.py"]),
    ("play a song while the game runs", [REF.format("music"), "examples/playmus.py"]),
    ("make the sound quieter", [REF.format("mixer"), REF.format("music")]),
    ("draw a ball", [REF.format("draw"), REF.format("gfxdraw")]),
    ("draw a box", [REF.format("draw"), REF.format("rect")]),
    ("stop the game when I press the X on the window", [REF.format("event"), REF.format("pygame")]),
    ("make the game cover my whole screen", [REF.format("display"), "examples/setmodescale.py"]),
    ("play with my xbox controller", [REF.format("joystick"), REF.format("sdl2_controller"), "examples/joystick.py"]),
    ("make something happen every few seconds", [REF.format("time")]),
    ("freeze the game for a second", [REF.format("time")]),
    ("stop my player from going off the edge", [REF.format("rect"), "examples/aliens.py"]),
    ("make the white around my picture see through", [REF.format("surface"), REF.format("image")]),
    ("how long has my game been going", [REF.format("time")]),
    ("take a photo of my game", [REF.format("image")]),
    ("make lots of enemies at once", [REF.format("sprite"), "examples/aliens.py", "examples/testsprite.py"]),
    ("let me type my name in the game", [REF.format("key"), "examples/textinput.py"]),
    ("keep moving while I hold down the arrow", [REF.format("key"), "examples/moveit.py"]),
    ("change the words at the top of the window", [REF.format("display")]),
    ("make my picture fade away slowly", [REF.format("surface")]),
    ("make a colour lighter or darker", [REF.format("color")]),
    ("how many pictures a second is my game showing", [REF.format("time")]),
    ("make the background slide along", [REF.format("surface"), "examples/scroll.py"]),
    ("a space background with stars flying past", ["examples/stars.py"]),
    (
        "draw a round ball with smooth edges not jaggy",
        [REF.format("gfxdraw"), REF.format("draw"), "examples/aacircle.py"],
    ),
    ("know when a finger touches the screen", [REF.format("touch"), REF.format("event")]),
]
