"""Microsoft Graph areas served by the emulator.

Each area is one module that registers its routes (``@route``), seed objects (``@seeder``) and time hooks
(``@ticker``) on import. Adding an area = adding its module and one import line below.
"""

from . import directory  # noqa: F401  pylint: disable=unused-import
from . import conditional_access  # noqa: F401  pylint: disable=unused-import
from . import gsa  # noqa: F401  pylint: disable=unused-import
from . import entitlement  # noqa: F401  pylint: disable=unused-import
from . import entitlement_requests  # noqa: F401  pylint: disable=unused-import
from . import group_queries  # noqa: F401  pylint: disable=unused-import
from . import licensing  # noqa: F401  pylint: disable=unused-import
from . import what_if  # noqa: F401  pylint: disable=unused-import
