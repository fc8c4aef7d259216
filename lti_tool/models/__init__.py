"""Every model module, imported so ``Base.metadata`` is complete for Alembic and the tests."""

from lti_tool.models import assessment as assessment  # noqa: F401
from lti_tool.models import demo_lms as demo_lms  # noqa: F401  (the demo platform's own tables)
from lti_tool.models import grade_sync as grade_sync  # noqa: F401
from lti_tool.models import lti as lti  # noqa: F401
from lti_tool.models import platform as platform  # noqa: F401
from lti_tool.models.base import Base as Base
