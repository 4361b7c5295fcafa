"""The role's model of an app: settings fall back key by key, and every problem is found before any change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import app_settings, plan_apps

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'jit_ai_access'
BUILTIN = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())['jit_ai_access_app_builtin']
BUILTIN['approval']['stages'][0]['fallback_approvers']['users'] = ['it.approvals@contoso.com']
CHATGPT = {'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}


def plan(apps, overrides=None, **kwargs):
    return plan_apps(apps, overrides or {}, BUILTIN, **kwargs)


def test_names_and_descriptions_follow_the_app_name_and_given_names():
    settings = app_settings({'name': 'Claude', 'fqdns': ['claude.ai'], 'group_name': 'Claude users'}, BUILTIN)
    assert settings['allow_policy_name'] == settings['profile_name'] == 'Allow Claude'
    assert settings['allow_rule_name'] == 'Claude' and settings['ca_policy_name'] == 'GSA - Allow Claude (JIT)'
    assert settings['access_package_name'] == 'Claude access' and settings['assignment_policy_name'] == 'Claude on request'
    assert settings['profile_description'] == 'Handed to Claude users by Conditional Access.'


def test_a_partial_override_keeps_every_other_builtin_setting():
    result = plan([CHATGPT, dict(CHATGPT, name='Claude', profile_priority=110, expiration={'days': 1})], {'expiration': {'hours': 4}})
    assert result['problems'] == []
    chatgpt, claude = result['apps']
    assert chatgpt['expiration'] == {'hours': 4} and claude['expiration'] == {'days': 1}
    assert chatgpt['approval'] == BUILTIN['approval'] and chatgpt['questions'] == BUILTIN['questions']


@pytest.mark.parametrize('apps, overrides, fragments', [
    ([dict(CHATGPT, name='x' * 300)], {},
     ['jit_ai_access_apps[%s...].group_name' % ('x' * 37), 'the group name', 'at most 256 characters (has 313)']),
    ([dict(CHATGPT, name='Chat\u202eGPT')], {}, ['.name=', 'U+202E']),
    ([dict(CHATGPT, group_name='Allow\x00')], {}, ['jit_ai_access_apps[ChatGPT].group_name', 'U+0000']),
    ([dict(CHATGPT, fqdns=['chatgpt.com\n'])], {}, ["jit_ai_access_apps[ChatGPT].fqdns: 'chatgpt.com\\n'"]),
    ([dict(CHATGPT, fqdns=[])], {}, ['jit_ai_access_apps[ChatGPT].fqdns=[]']),
    ([dict(CHATGPT, profile_priority=65000)], {}, ['profile_priority=65000']),
    ([dict(CHATGPT, link_priority=50)], {}, ['link_priority=50', '100 and 65000']),
    ([CHATGPT, dict(CHATGPT, name='chatgpt', profile_priority=110)], {}, ['jit_ai_access_apps[chatgpt].name', 'already has this app name']),
    ([CHATGPT, {'name': 'Claude', 'fqdns': ['claude.ai'], 'profile_priority': 100}], {},
     ['jit_ai_access_apps[Claude].profile_priority=100', 'jit_ai_access_apps[ChatGPT] already has this priority']),
    ([CHATGPT, {'name': 'Claude', 'fqdns': ['claude.ai'], 'profile_priority': 110, 'group_name': 'ALLOW CHATGPT ACCESS'}], {},
     ['jit_ai_access_apps[Claude].group_name', 'already has this group name']),
    ([CHATGPT], {'expiry': {'hours': 4}}, ['jit_ai_access_app_defaults may set only', '(got expiry)']),
    ([CHATGPT], {'expiration': {'hours': 0}}, ['jit_ai_access_apps[ChatGPT]: expiration.hours=0']),
    ([CHATGPT], {'approval': {'stages': [{'approvers': {'manager': True}}]}}, ['approval.stages[1].fallback_approvers']),
])
def test_every_problem_names_the_app_the_value_and_the_rule(apps, overrides, fragments):
    problems = '; '.join(plan(apps, overrides)['problems'])
    assert all(fragment in problems for fragment in fragments), problems
    assert '\n' not in problems


def test_the_block_policy_name_may_not_be_an_allow_policy_name():
    problems = plan([CHATGPT], block_policy_name='allow chatgpt')['problems']
    assert problems == ["jit_ai_access_block_policy_name='allow chatgpt': jit_ai_access_apps[ChatGPT] derives an allow policy of this name"]


def test_a_teardown_checks_names_only():
    assert plan([dict(CHATGPT, profile_priority=1)], {'expiration': {'hours': 0}}, state='absent')['problems'] == []
    assert plan([dict(CHATGPT, name=' ')], state='absent')['problems']


def test_the_roles_builtin_settings_pass():
    builtin = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())['jit_ai_access_app_builtin']
    builtin['approval']['stages'][0]['fallback_approvers']['users'] = ['it.approvals@contoso.com']
    assert plan_apps(yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())['jit_ai_access_apps'], {}, builtin)['problems'] == []
