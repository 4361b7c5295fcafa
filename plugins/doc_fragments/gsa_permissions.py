# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Global Secure Access permission note shared by the filtering policy and security profile modules."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """Microsoft's Global Secure Access pages disagree on whether application permissions work."""

    DOCUMENTATION = r'''
options: {}
notes:
  - Microsoft's pages disagree on the Global Secure Access permissions - C(networkaccess-networkaccessroot-post-filteringprofiles.md)
    and C(networkaccess-networkaccessroot-post-filteringpolicies.md) list the application permission, while
    C(networkaccess-filteringpolicy-post-policyrules.md), C(networkaccess-networkaccessroot-list-filteringpolicies.md),
    C(networkaccess-filteringprofile-get.md) and C(networkaccess-filteringrule-update.md) say application permissions are
    not supported. If the tenant refuses the application permission, run the task with a delegated token
    (O(access_token) or O(auth_source=azure_cli)).
'''
