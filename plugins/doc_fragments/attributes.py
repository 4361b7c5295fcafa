# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Attributes of resource modules (DOCUMENTATION) and of read-only _info modules (INFO)."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """Check mode, diff and action group support, shared by every module."""

    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: Check mode predicts the result and sends no write.
  diff_mode:
    support: full
    description: Shows before and after of the managed fields.
  action_group:
    support: full
    membership:
      - jitaccess.entra.graph
    description: Use C(group/jitaccess.entra.graph) in C(module_defaults) to set the connection options.
'''

    INFO = r'''
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: none
    description: The module reads only and has nothing to diff.
  action_group:
    support: full
    membership:
      - jitaccess.entra.graph
    description: Use C(group/jitaccess.entra.graph) in C(module_defaults) to set the connection options.
'''
