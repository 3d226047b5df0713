"""Small Python files for the corpus tests: varied enough that near-duplicate detection has
something to tell apart."""

import textwrap


def module(name: str, n_functions: int = 12) -> str:
    """A plausible module whose body depends on `name`, so two names give two unrelated files."""
    parts = [f'"""The {name} module."""\n\nimport os\n']
    for i in range(n_functions):
        parts.append(
            textwrap.dedent(
                f"""
                def {name}_step_{i}(values, scale={i + 1}):
                    # scale each value of {name} and keep the positive ones
                    result = []
                    for value in values:
                        if value * scale > {i}:
                            result.append(value * scale - {len(name) + i})
                    return result
                """
            )
        )
    return "".join(parts)
