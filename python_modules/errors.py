"""Errors that the host shows to users as one line, without a traceback."""


class ConfigError(ValueError):
    """A config file, or a file it names, is missing or wrong.

    The message names the file and the key: ``"<file>: <key>: <what is wrong>"``.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem
