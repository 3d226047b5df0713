"""The one user-facing error type.

A CodelingError carries one sentence that says what is wrong and what to do about it. The CLI prints
it and exits with status 2, without a traceback; library callers can catch it like any exception.
"""


class CodelingError(Exception):
    """A problem the user can fix: bad input, a missing file, an impossible setting."""
