"""TinyPy: generate, interpret, trace and read the tiny Python subset small models learn to execute."""
