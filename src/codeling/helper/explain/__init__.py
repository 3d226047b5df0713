"""Explaining a mistake: compile or run the program, pin the problem to a line, say it in a child's words."""
