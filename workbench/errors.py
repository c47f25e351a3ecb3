"""Errors a user can act on.

Anything raised as `InputError` is printed by the CLI (and shown by the UI) as one line,
with exit code 2 and no traceback: empty, binary or undecodable files, a bilingual file
with only one language, documents that are not translations of each other, ...
"""


class InputError(ValueError):
    """Bad input the user must fix; the message is one complete sentence naming the file."""
