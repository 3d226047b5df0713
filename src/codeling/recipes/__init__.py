"""The loops that train on a task's data and are not general enough for their own package: TinyPy's
demo and datahack recipes (tinypy.py) and TinyPy self-labelling (selflabel/). They stand on the
training skeleton and, for self-labelling, the rounds library (codeling/rounds.py)."""
