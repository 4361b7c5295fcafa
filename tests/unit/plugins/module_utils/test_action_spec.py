"""run_action's contract: the spec's input rules run before anything is looked up, an action takes the state option
only when it declares one, and the result shows the outcome under the noun with the diff of the declared keys."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._actions import ActionSpec, run_action
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import STATE_OPTION

TOKEN = {'auth_source': 'access_token', 'access_token': 'header.payload.signature', 'tenant_id': 'contoso.onmicrosoft.com'}


class Decision(ActionSpec):
    noun = 'decision'
    argument_spec = dict(verdict=dict(type='str', required=True))
    diff_keys = ('id', 'verdict')

    def validate(self, params):
        if params['verdict'] not in ('yes', 'no'):
            raise ValidationError('verdict', params['verdict'], 'must be yes or no')

    def find(self, ctx):
        raise AssertionError('looked up before the input was checked')


class Undoable(Decision):
    argument_spec = dict(Decision.argument_spec, state=STATE_OPTION)


def run(spec, args, capsys):
    with patch_module_args(dict(TOKEN, **args)), pytest.raises(SystemExit) as stopped:
        run_action(spec)
    assert stopped.value.code == 1
    return json.loads(capsys.readouterr().out)


def test_input_rules_run_before_the_action_is_looked_for(capsys):
    result = run(Decision(), {'verdict': 'maybe'}, capsys)
    assert result['msg'] == "verdict='maybe': must be yes or no"


def test_an_action_takes_state_only_when_it_declares_it(capsys):
    assert 'Unsupported parameters' in run(Decision(), {'verdict': 'yes', 'state': 'absent'}, capsys)['msg']
    assert run(Undoable(), {'verdict': 'maybe', 'state': 'absent'}, capsys)['msg'] == "verdict='maybe': must be yes or no"


def test_result_shows_the_outcome_and_the_diff_of_the_declared_keys():
    before, after = {'id': 'r1', 'verdict': None, 'by': 'x'}, {'id': 'r1', 'verdict': 'yes', 'by': 'me'}
    assert Decision().result(True, before, after) == {
        'changed': True, 'decision': after,
        'diff': {'before': {'id': 'r1', 'verdict': None}, 'after': {'id': 'r1', 'verdict': 'yes'}}}
    assert Decision().result(True, before, {}, keys=list(before))['diff'] == {'before': before, 'after': {}}
