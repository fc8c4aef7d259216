"""The demo stack fixtures live in tests/support/stack.py (loaded by tests/conftest.py)."""

from tests.support.stack import DemoStack as DemoStack  # noqa: F401  (re-exported for imports)
from tests.support.stack import make_stack_app as make_stack_app  # noqa: F401
