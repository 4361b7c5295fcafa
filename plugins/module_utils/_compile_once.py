# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each module imports this first, so the module_utils it loads next are compiled once per task instead of twice.

Internal use only: this file is not part of the collection's public API and may change without notice.

Ansible ships a module's module_utils as source in a zip (no bytecode), and Python's zipimport compiles a source
module twice: once to name its file while finding it (``get_filename``) and again to load it (``get_code``). For the
few thousand lines a converged task imports that is more CPU than all of its Graph requests. The code object of the
first compile is kept until the load takes it, in memory only and for the zip entry it came from, so each source is
compiled once. Nothing changes where the code comes from; without zipimport's private helper this does nothing.
"""

from __future__ import annotations

import zipimport

_COMPILE = getattr(zipimport, '_get_module_code', None)
# (archive, prefix, module name) -> what the first compile returned, until the second request takes it.
_PENDING = {}


def _get_module_code_once(importer, fullname):
    key = (importer.archive, importer.prefix, fullname)
    found = _PENDING.pop(key, None)
    if found is None:
        found = _PENDING[key] = _COMPILE(importer, fullname)
    return found


if _COMPILE is not None and getattr(_COMPILE, '__name__', None) == '_get_module_code':
    zipimport._get_module_code = _get_module_code_once  # pylint: disable=protected-access
