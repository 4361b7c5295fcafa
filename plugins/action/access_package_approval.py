# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of access_package_approval: a person signing in with device_code sees the code at once (see plugin_utils/_sign_in.py)."""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.plugin_utils._sign_in import SignInAction


class ActionModule(SignInAction):  # pylint: disable=too-few-public-methods
    """Runs the module after a sign-in on the controller when the task asks for one."""
