from collections.abc import Callable
from typing import Any

# A LazyString forwards every attribute to the string it translates to (speaklater's __getattr__), and
# WTForms and Jinja use labels and messages only through str(): declared a str so that it passes
# where a label or a message is expected. It is not one at run time (isinstance(x, str) is False).
class LazyString(str):
    def __init__(self, func: Callable[..., str], *args: Any, **kwargs: Any) -> None: ...
    def __html__(self) -> str: ...
