# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Delegated sign-in on the controller, before the module runs.

Internal use only: this file is not part of the collection's public API and may change without notice.

A module's output reaches the controller only when it ends, so a module cannot show a device code while it waits for
the person to use it. With auth_source=device_code (or interactive_browser) the action plugin signs in here, on the
controller: the code and URL go to the controller's display at once (the terminal, or the AWX job's output), and the
token goes to the token cache, bound to the tenant, the app and the user. The module, run next as the same user on
the same machine, finds it there; no token ever becomes a module argument.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC, ConfigError, Connection
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphClient
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import SIGN_IN_SOURCES

display = Display()


def auth_params(task_args):
    """The task's auth options as the module will see them: aliases, defaults and environment fallbacks applied."""
    names = set(AUTH_ARGSPEC)
    for spec in AUTH_ARGSPEC.values():
        names.update(spec.get('aliases', ()))
    result = ArgumentSpecValidator(AUTH_ARGSPEC).validate({key: value for key, value in task_args.items() if key in names})
    if result.error_messages:
        return None  # the module reports bad options itself, before any change
    return result.validated_parameters


def show_prompt(task_name, username):
    def prompt(verification_uri, user_code, expires_on):
        display.display('%s: to sign in as %s, open %s and enter the code %s (valid until %s)'
                        % (task_name, username, verification_uri, user_code, expires_on.strftime('%H:%M UTC')))
    return prompt


class SignInAction(NormalAction):
    """Signs the person in on the controller when the task asks for a sign-in source, then runs the module as the
    ``normal`` action does (check mode, async and all)."""

    def run(self, tmp=None, task_vars=None):
        params = auth_params(self._task.args)
        if params is not None and params['auth_source'] in SIGN_IN_SOURCES:
            if not params.get('token_cache'):
                raise AnsibleActionFail('auth_source=%s needs token_cache=true: the sign-in happens on the controller and '
                                        'hands its token to the task through the token cache' % params['auth_source'])
            try:
                connection = Connection(params)
                with GraphClient(connection) as client:
                    signed_in = client.sign_in(show_prompt(self._task.get_name(), params.get('username')))
            except (ConfigError, GraphError) as exc:
                raise AnsibleActionFail(str(exc)) from exc
            display.vvv('signed in as %s' % signed_in.get('upn'))
        return super().run(tmp, task_vars)
