"""A development set for `codeling ask`'s children's-words table (issue 38): questions in
children's words, written after the held-out sets and looked at freely. The table keeps an entry
only when, on these questions, fused retrieval misses the answer and the entry brings it back; no
entry may use a word of a held-out question (benchmarks/heldout/helper_questions_*.py)."""

REF = "docs/generated/_sources/ref/{}.rst.txt"

DEV_QUESTIONS = [
    ("twist the car when I turn the wheel", [REF.format("transform")]),
    ("mirror my hero so he faces the wall", [REF.format("transform")]),
    ("shrink the enemy after it is hit", [REF.format("transform")]),
    ("grow the balloon when I blow", [REF.format("transform")]),
    ("stretch the picture to fill the screen", [REF.format("transform")]),
    ("make the coin vanish when I touch it", [REF.format("sprite")]),
    ("when the monster dies take him off the screen", [REF.format("sprite")]),
    ("do something when I release the space bar", [REF.format("event"), REF.format("key")]),
    ("play with my gamepad", [REF.format("joystick"), REF.format("sdl2_controller")]),
    ("save a screenshot of my level", [REF.format("image")]),
    ("put writing on the start screen", [REF.format("font"), REF.format("freetype")]),
    ("change the title of my game", [REF.format("display")]),
    ("crash two cars into each other", [REF.format("sprite"), REF.format("rect")]),
    ("bump into a wall", [REF.format("rect"), REF.format("sprite")]),
    ("beep when time runs out", [REF.format("mixer"), "examples/sound.py"]),
    ("make the music louder", [REF.format("music"), REF.format("mixer")]),
    ("make the game faster", [REF.format("time")]),
    ("pause the game for a moment", [REF.format("time")]),
    ("close the game when I press escape", [REF.format("event"), REF.format("pygame"), REF.format("key")]),
    ("draw a star shape with points", [REF.format("draw")]),
]
