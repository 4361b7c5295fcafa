"""Bad input for every module: each class of invalid value that applies (wrong types, bad enums, numbers out of range,
malformed FQDN / UPN / ISO 8601 duration and date / GUID, unknown and ambiguous names, conflicting options) gives one
clear error that names the option (and shows the value, where there is one) before anything is written.

All cases share one tenant that holds the objects the valid part of each task refers to; a first test proves each
module's valid arguments pass (in check mode), so every failure below comes from the one value the case breaks.
"""

from __future__ import annotations

import re

import pytest

from tests.emulator.graph import entitlement
from tests.integration.harness import GraphAdmin, auth_args, run_module
from tests.integration.test_entitlement_policy import CATALOG, JIT, PACKAGE, POLICY, upn

QUESTION = 'Which business task needs ChatGPT?'
GSA_POLICY = 'Allow ChatGPT'
PROFILE = 'Allow ChatGPT profile'
TWIN = 'Finance approvers'  # two groups carry this name
NOT_A_GUID = '0f3c7a0e-2f3b-4c57-9b6f'
DROP = object()  # a change that removes the option from the valid arguments
SARAH, MICHAEL, EMILY = 'sarah.jones', 'michael.brown', 'emily.clark'


class World:
    """One tenant with the objects the cases refer to, and each module's valid arguments."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.tenant = emulator.add_tenant()
        self.auth = auth_args(emulator, self.tenant)
        self.tokens = {name: emulator.token_for(self.tenant.tenant_id, upn=self.upn(name)) for name in (SARAH, MICHAEL)}

    def upn(self, name):
        return upn(self.tenant, name)

    def as_user(self, name):
        return dict(auth_args(self.emulator, self.tenant, client_id=None, client_secret=None), auth_source='access_token',
                    access_token=self.tokens[name])

    def base(self, module):
        valid = {
            'group': dict(display_name='Matrix group'),
            'access_package_catalog': dict(display_name='Matrix catalog'),
            'access_package': dict(display_name='Matrix package', catalog=CATALOG),
            'access_package_assignment_policy': dict(display_name='Matrix policy', access_package=PACKAGE, catalog=CATALOG,
                                                     requestors=dict(scope='all_members')),
            'access_package_assignment': dict(access_package=PACKAGE, target=self.upn(EMILY), expires_in_hours=1),
            'access_package_assignment_request': dict(self.as_user(SARAH), access_package=PACKAGE, justification='Q3 forecast',
                                                      answers=[dict(question=QUESTION, answer='Q3 forecast')]),
            'access_package_approval': dict(self.as_user(MICHAEL), requestor=self.upn(SARAH), access_package=PACKAGE,
                                            decision='approve', justification='Fine'),
            'filtering_policy': dict(name='Matrix filtering policy', action='block'),
            'filtering_profile': dict(name='Matrix profile', priority=300),
            'conditional_access_policy': dict(display_name='Matrix CA policy', include_groups=[JIT], include_applications=['All']),
        }.get(module, {})
        return dict(self.auth, **valid) if 'access_token' not in valid else valid

    def args(self, module, changes):
        args = self.base(module)
        for key, value in changes.items():
            if value is DROP:
                args.pop(key, None)
            else:
                args[key] = self.fill(value)
        return args

    def fill(self, value):
        """A case's value with the tenant-specific parts (functions of the world) filled in."""
        if callable(value):
            return value(self)
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value

    def arrange(self):
        with self.emulator.lock:
            entitlement.set_replication_lag(self.emulator.state(self.tenant.tenant_id), 0)
        admin = GraphAdmin(self.emulator, self.tenant)
        for number in range(2):
            admin.create_group(TWIN, nickname='twin%d' % number)
        self.twins = sorted(group['id'] for group in admin.groups_named(TWIN))
        steps = [
            ('group', dict(display_name=JIT)),
            ('access_package_catalog', dict(display_name=CATALOG)),
            ('access_package', dict(display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT)])),
            ('access_package_assignment_policy', dict(
                display_name=POLICY, access_package=PACKAGE, catalog=CATALOG, requestors=dict(scope='specific', groups=['Finance Team']),
                approval=dict(required=True, requestor_justification=True, stages=[dict(
                    approvers=dict(manager=True), fallback_approvers=dict(users=[self.upn('it.approvals')]))]),
                expiration=dict(hours=2), questions=[dict(text=QUESTION, required=True)])),
            ('filtering_policy', dict(name=GSA_POLICY, action='allow', rules=[dict(name='chatgpt', type='fqdn', destinations=['chatgpt.com'])])),
            ('filtering_profile', dict(name=PROFILE, priority=200, policies=[dict(name=GSA_POLICY)])),
        ]
        for module, args in steps:
            assert run_module(module, dict(self.auth, **args))['changed'] is True, module
        # Sarah's request waits for Michael, so the approval's valid arguments find something to decide.
        requested = run_module('access_package_assignment_request', self.base('access_package_assignment_request'))
        assert requested.get('changed') is True, requested
        return self


@pytest.fixture(scope='module')
def world(emulator):
    return World(emulator).arrange()


def names_option(option, message):
    """The option appears as a name (``option=``, ``option:``, ``'option'``, ``of option``), not inside another word."""
    return re.search(r"(^|[\s'(|,])%s($|[\s'=:,|).])" % re.escape(option), message) is not None


def case(module, changes, option, shown=None, label=None):
    return pytest.param(module, changes, option, shown, id='%s-%s' % (module, label or option))


COMMON = []
for _module in ('group', 'group_info', 'access_package_catalog', 'access_package_catalog_info', 'access_package', 'access_package_info',
                'access_package_assignment_policy', 'access_package_assignment_policy_info', 'access_package_assignment',
                'access_package_assignment_info', 'access_package_assignment_request', 'access_package_approval', 'filtering_policy',
                'filtering_policy_info', 'filtering_profile', 'filtering_profile_info', 'conditional_access_policy',
                'conditional_access_policy_info'):
    COMMON += [
        case(_module, {'colour': 'blue'}, 'colour', label='unknown option'),
        case(_module, {'request_timeout': 0}, 'request_timeout', '0', label='timeout out of range'),
        # ansible-core names the option and the type it got, not the value.
        case(_module, {'request_timeout': 'soon'}, 'request_timeout', 'float', label='timeout wrong type'),
    ]
    if not _module.startswith(('access_package_assignment', 'access_package_approval')) or _module.endswith('policy_info') \
            or _module == 'access_package_assignment_policy':
        COMMON.append(case(_module, {'id': NOT_A_GUID}, 'id', NOT_A_GUID, label='malformed GUID'))

CONNECTION = [
    case('group', {'auth_source': 'password'}, 'auth_source', 'password', label='bad enum'),
    case('group', {'cloud': 'germany'}, 'cloud', 'germany', label='bad enum'),
    case('group', {'validate_certs': 'sometimes'}, 'validate_certs', 'sometimes', label='wrong type'),
    case('group', {'max_retry_wait': -1}, 'max_retry_wait', '-1', label='out of range'),
    case('group', {'consistency_timeout': -5}, 'consistency_timeout', '-5', label='out of range'),
    case('group', {'graph_endpoint': 'graph.microsoft.com'}, 'graph_endpoint', 'graph.microsoft.com', label='not a URL'),
    case('group', {'authority_host': 'http://login.example.com'}, 'authority_host', 'http://login.example.com', label='plain http'),
    case('group', {'client_secret': DROP}, 'client_secret', label='missing credential'),
    case('group', {'auth_source': 'certificate'}, 'client_certificate_path', label='conflicting auth_source'),
]

GROUP = [
    case('group', {'mail_nickname': 'has space'}, 'mail_nickname', 'has space', label='forbidden character'),
    case('group', {'mail_nickname': 'x' * 65}, 'mail_nickname', 'at most 64', label='too long'),
    case('group', {'display_name': '   '}, 'display_name', label='blank'),
    case('group', {'display_name': 'x' * 257}, 'display_name', 'at most 256', label='too long'),
    case('group', {'description': 'x' * 1025}, 'description', 'at most 1024', label='too long'),
    case('group', {'members': ['sarah.jones']}, 'members', 'sarah.jones', label='malformed UPN'),
    case('group', {'members': ['nobody@example.com']}, 'members', 'nobody@example.com', label='unknown user'),
    case('group', {'owners': ['it.approvals@']}, 'owners', 'it.approvals@', label='malformed UPN'),
    case('group', {'members': {'sarah': 1}}, 'members', label='wrong type'),
    case('group', {'purge_members': 'maybe'}, 'purge_members', 'maybe', label='wrong type'),
    case('group', {'state': 'gone'}, 'state', 'gone', label='bad enum'),
    case('group', {'id': JIT}, 'id', JIT, label='name given as id'),
    case('group', {'display_name': DROP}, 'display_name', label='missing name or id'),
    case('group_info', {'include_members': 'sometimes'}, 'include_members', 'sometimes', label='wrong type'),
]

ENTITLEMENT = [
    case('access_package_catalog', {'catalog_state': 'draft'}, 'catalog_state', 'draft', label='bad enum'),
    case('access_package_catalog', {'is_externally_visible': 'perhaps'}, 'is_externally_visible', 'perhaps', label='wrong type'),
    case('access_package_catalog', {'display_name': ' '}, 'display_name', label='blank'),
    case('access_package', {'catalog': 'No such catalog'}, 'catalog', 'No such catalog', label='unknown catalog'),
    case('access_package', {'resource_roles': [{'group': 'No such group'}]}, 'resource_roles[1].group', 'No such group',
         label='unknown group'),
    case('access_package', {'resource_roles': [{'group': TWIN}]}, 'resource_roles[1].group', TWIN, label='ambiguous group'),
    case('access_package', {'resource_roles': [{'group': JIT, 'role': 'admin'}]}, 'role', 'admin', label='bad enum'),
    case('access_package', {'resource_roles': [{'group': JIT}, {'group': JIT.upper()}]}, 'resource_roles[2].group', label='listed twice'),
    case('access_package', {'is_hidden': 'x'}, 'is_hidden', label='wrong type'),
    case('access_package', {'display_name': 'p' * 257}, 'display_name', 'at most 256', label='too long'),
    case('access_package_assignment_policy', {'display_name': 'p' * 257}, 'display_name', 'at most 256', label='too long'),
    case('access_package_info', {'include_resource_roles': 'x'}, 'include_resource_roles', label='wrong type'),
    case('access_package_assignment_policy', {'access_package': 'No such package'}, 'access_package', 'No such package',
         label='unknown package'),
    case('access_package_assignment_policy', {'expiration': {'hours': 0}}, 'expiration.hours', '0', label='out of range'),
    case('access_package_assignment_policy', {'expiration': {'days': 4000}}, 'expiration.days', '4000', label='out of range'),
    case('access_package_assignment_policy', {'expiration': {'duration': 'two hours'}}, 'expiration.duration', 'two hours',
         label='malformed ISO duration'),
    case('access_package_assignment_policy', {'expiration': {'duration': 'P1M'}}, 'expiration.duration', 'P1M',
         label='month duration'),
    case('access_package_assignment_policy', {'expiration': {'duration': 'PT0S'}}, 'expiration.duration', 'PT0S', label='zero duration'),
    case('access_package_assignment_policy', {'expiration': {'end_date': '31/12/2026'}}, 'expiration.end_date', '31/12/2026',
         label='malformed date'),
    case('access_package_assignment_policy', {'expiration': {'hours': 2, 'days': 1}}, 'expiration', label='conflicting'),
    case('access_package_assignment_policy', {'expiration': {'hours': 'two'}}, 'hours', 'two', label='wrong type'),
    case('access_package_assignment_policy', {'requestors': {'scope': 'everyone'}}, 'scope', 'everyone', label='bad enum'),
    case('access_package_assignment_policy', {'requestors': {'scope': 'all_members', 'users': ['x@contoso.com']}}, 'requestors.scope',
         'all_members', label='conflicting'),
    case('access_package_assignment_policy', {'requestors': {'scope': 'specific', 'users': ['sarah']}}, 'requestors.users', 'sarah',
         label='malformed UPN'),
    case('access_package_assignment_policy', {'requestors': {'scope': 'specific', 'groups': ['No such group']}}, 'requestors.groups',
         'No such group', label='unknown group'),
    case('access_package_assignment_policy',
         {'approval': {'stages': [{'approvers': {'users': [lambda w: w.upn(MICHAEL)]}, 'deadline_days': 30}]}},
         'approval.stages[1].deadline_days', '30', label='out of range'),
    case('access_package_assignment_policy', {'approval': {'stages': [{'approvers': {'manager': True}}]}},
         'approval.stages[1].fallback_approvers', label='manager without fallback'),
    case('access_package_assignment_policy', {'approval': {'stages': [{'approvers': {'manager': True}}] * 4}}, 'approval.stages',
         '4 stages', label='too many stages'),
    case('access_package_assignment_policy', {'questions': [{'text': 'Ticket?', 'regex': '[0-9'}]}, 'questions[1].regex', '[0-9',
         label='malformed regex'),
    case('access_package_assignment_policy', {'questions': [{'text': 'Data?', 'type': 'multiple_choice'}]}, 'questions[1].choices',
         label='choices missing'),
    case('access_package_assignment_policy', {'access_reviews': {'enabled': True, 'duration_days': 200}},
         'access_reviews.duration_days', '200', label='out of range'),
    case('access_package_assignment_policy', {'access_reviews': {'enabled': True, 'starts': 'next monday'}}, 'access_reviews.starts',
         'next monday', label='malformed date'),
    case('access_package_assignment_policy', {'access_package': DROP, 'catalog': DROP}, 'access_package', label='missing package'),
    case('access_package_assignment', {'target': 'emily'}, 'target', 'emily', label='malformed UPN'),
    case('access_package_assignment', {'target': 'nobody@example.com'}, 'target', 'nobody@example.com', label='unknown user'),
    case('access_package_assignment', {'expires_in_hours': 0}, 'expires_in_hours', '0', label='out of range'),
    case('access_package_assignment', {'expires_in_hours': 5}, 'expires_in_hours', '5', label='beyond the policy'),
    case('access_package_assignment', {'expires_in_hours': DROP, 'end_date': 'soon'}, 'end_date', 'soon', label='malformed date'),
    case('access_package_assignment', {'expires_in_hours': DROP, 'end_date': '2001-01-01'}, 'end_date', '2001-01-01', label='in the past'),
    case('access_package_assignment', {'end_date': '2030-01-01'}, 'expires_in_hours|end_date', label='conflicting'),
    case('access_package_assignment', {'access_package': 'No such package'}, 'access_package', 'No such package', label='unknown package'),
    case('access_package_assignment', {'assignment_policy': 'Other'}, 'assignment_policy', 'Other', label='unknown policy'),
    case('access_package_assignment_info', {'target': 'sarah jones'}, 'target', 'sarah jones', label='malformed UPN'),
    case('access_package_assignment_info', {'include_expired': 'x'}, 'include_expired', label='wrong type'),
    case('access_package_assignment_request', {'access_package': 'No such package'}, 'access_package', 'No such package',
         label='unknown package'),
    # A missing justification is Graph's to refuse: v1.0's getApplicablePolicyRequirements does not tell the requestor
    # whether the policy requires one (test_access_lifecycle covers Graph's refusal).
    case('access_package_assignment_request', {'access_package': '   '}, 'access_package', label='blank'),
    case('access_package_assignment_request', {'access_package': 'JIT\u200bChatGPT'}, 'access_package', 'U+200B', label='invisible character'),
    case('access_package_assignment_request', {'answers': [{'question': 'Favourite colour?', 'answer': 'blue'}]}, 'answers[1].question',
         'Favourite colour?', label='unknown question'),
    case('access_package_assignment_request', {'auth_source': DROP, 'access_token': DROP, 'client_id': lambda w: w.tenant.client_id,
                                               'client_secret': lambda w: w.tenant.client_secret,
                                               'tenant_id': lambda w: w.tenant.tenant_id}, 'auth_source', label='application credentials'),
    case('access_package_approval', {'decision': 'maybe'}, 'decision', 'maybe', label='bad enum'),
    case('access_package_approval', {'requestor': 'sarah'}, 'requestor', 'sarah', label='malformed UPN'),
    case('access_package_approval', {'requestor': DROP, 'request_id': NOT_A_GUID}, 'request_id', NOT_A_GUID, label='malformed GUID'),
    case('access_package_approval', {'access_package': DROP}, 'access_package', label='conflicting'),
    case('access_package_approval', {'access_package': 'No such package'}, 'access_package', 'No such package', label='unknown package'),
]

MALFORMED_FQDNS = [('https://chatgpt.com', 'URL for FQDN'), ('chat*.openai.com', 'misplaced wildcard'), ('localhost', 'single label'),
                   ('10.0.0.1', 'IP address'), ('bücher.de', 'non-ASCII'), ('-bad.example.com', 'leading hyphen')]

GSA = [case('filtering_policy', {'rules': [{'name': 'r', 'type': 'fqdn', 'destinations': [value]}]}, 'rules[0].destinations', value,
            label=label) for value, label in MALFORMED_FQDNS] + [
    case('filtering_policy', {'action': 'deny'}, 'action', 'deny', label='bad enum'),
    case('filtering_policy', {'name': ' '}, 'name', label='blank'),
    case('filtering_policy', {'rules': 5}, 'rules', '5', label='wrong type'),
    case('filtering_policy', {'rules': [{'name': 'r', 'type': 'dns', 'destinations': ['chatgpt.com']}]}, 'rules', 'dns', label='bad enum'),
    case('filtering_policy', {'rules': [{'name': 'r', 'type': 'fqdn', 'destinations': []}]}, 'rules[0].destinations', label='empty'),
    case('filtering_policy', {'rules': [{'name': 'r', 'type': 'webCategory', 'destinations': ['Artifical Inteligence']}]},
         'rules[0].destinations', 'Artifical Inteligence', label='unknown category'),
    case('filtering_policy', {'rules': [{'name': 'r', 'type': 'fqdn', 'destinations': ['a.com']},
                                        {'name': 'r', 'type': 'fqdn', 'destinations': ['b.com']}]}, 'rules[1].name', 'r',
         label='duplicate rule'),
    case('filtering_profile', {'priority': 70000}, 'priority', '70000', label='out of range'),
    case('filtering_profile', {'priority': 65000}, 'priority', '65000', label='Baseline priority'),
    case('filtering_profile', {'priority': 'high'}, 'priority', 'high', label='wrong type'),
    case('filtering_profile', {'profile_state': 'paused'}, 'profile_state', 'paused', label='bad enum'),
    case('filtering_profile', {'baseline': True}, 'name', 'Matrix profile', label='conflicting with baseline'),
    case('filtering_profile', {'name': DROP, 'priority': DROP, 'baseline': True, 'state': 'absent'}, 'state', 'absent',
         label='Baseline never deleted'),
    case('filtering_profile', {'policies': [{'name': 'No such policy'}]}, 'policies[0].name', 'No such policy', label='unknown policy'),
    case('filtering_profile', {'policies': [{'name': GSA_POLICY, 'priority': 50}]}, 'policies[0].priority', '50', label='out of range'),
    case('filtering_profile', {'policies': [{'name': GSA_POLICY, 'state': 'on'}]}, 'state', 'on', label='bad enum'),
    case('filtering_profile', {'policies': [{'name': GSA_POLICY}, {'name': GSA_POLICY.lower()}]}, 'policies[1].name', label='listed twice'),
    case('filtering_profile_info', {'include_policies': 'x'}, 'include_policies', label='wrong type'),
    case('filtering_profile_info', {'baseline': True, 'name': 'Matrix profile'}, 'name', 'Matrix profile', label='conflicting with baseline'),
    case('filtering_policy_info', {'name': ' '}, 'name', label='blank'),
]

CONDITIONAL_ACCESS = [
    case('conditional_access_policy', {'policy_state': 'on'}, 'policy_state', 'on', label='bad enum'),
    case('conditional_access_policy', {'include_users': ['sarah jones']}, 'include_users', 'sarah jones', label='malformed UPN'),
    case('conditional_access_policy', {'include_users': ['nobody@example.com']}, 'include_users', 'nobody@example.com',
         label='unknown user'),
    case('conditional_access_policy', {'include_groups': ['No such group']}, 'include_groups', 'No such group', label='unknown group'),
    case('conditional_access_policy', {'include_groups': [TWIN]}, 'include_groups', TWIN, label='ambiguous group'),
    case('conditional_access_policy', {'include_roles': ['Chief Everything Officer']}, 'include_roles', 'Chief Everything Officer',
         label='unknown role'),
    case('conditional_access_policy', {'include_locations': ['Moon base']}, 'include_locations', 'Moon base', label='unknown location'),
    case('conditional_access_policy', {'include_applications': ['chatgpt']}, 'include_applications', 'chatgpt', label='unknown app alias'),
    case('conditional_access_policy', {'exclude_users': ['All']}, 'exclude_users', 'All', label='misplaced keyword'),
    case('conditional_access_policy', {'sign_in_risk_levels': ['extreme']}, 'sign_in_risk_levels', 'extreme', label='bad enum'),
    case('conditional_access_policy', {'include_platforms': ['amiga']}, 'include_platforms', 'amiga', label='bad enum'),
    case('conditional_access_policy', {'grant_controls': {'operator': 'XOR', 'built_in_controls': ['mfa']}}, 'operator', 'XOR',
         label='bad enum'),
    case('conditional_access_policy', {'grant_controls': {'built_in_controls': ['block', 'mfa']}}, 'grant_controls.built_in_controls',
         'block cannot be combined', label='conflicting controls'),
    case('conditional_access_policy', {'session_controls': {'sign_in_frequency': {'value': 48, 'type': 'hours'}}},
         'session_controls.sign_in_frequency', '1..23 hours', label='out of range'),
    case('conditional_access_policy', {'session_controls': {'sign_in_frequency': {'value': 2, 'type': 'days',
                                                                                  'frequency_interval': 'everyTime'}}},
         'session_controls.sign_in_frequency', 'everyTime', label='conflicting'),
    case('conditional_access_policy', {'session_controls': {'gsa_security_profile': 'No such profile'}},
         'session_controls.gsa_security_profile', 'No such profile', label='unknown profile'),
    case('conditional_access_policy', {'include_groups': DROP, 'include_users': ['All'], 'policy_state': 'enabled'}, 'include_users',
         'lock every administrator out', label='lockout guard'),
    case('conditional_access_policy', {'break_glass': {'users': ['breakglass']}}, 'break_glass.users', 'breakglass', label='malformed UPN'),
    case('conditional_access_policy', {'include_groups': DROP}, 'include_users', label='nobody targeted'),
]

# A trailing newline passes a regex anchored with $ (it matches before a final newline), and characters a person cannot
# see or that reorder what they see make names look alike: each is refused with the option's name, before any write.
GUID_WITH_NEWLINE = '0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11\n'
HIDDEN = [('\x00', 'U+0000', 'NUL'), ('\n', 'U+000A', 'newline'), ('\u202e', 'U+202E', 'right-to-left override'),
          ('\u200b', 'U+200B', 'zero-width space')]
NAMES = [('group', 'display_name'), ('access_package_catalog', 'display_name'), ('access_package', 'display_name'),
         ('access_package_assignment_policy', 'display_name'), ('filtering_policy', 'name'), ('filtering_profile', 'name'),
         ('conditional_access_policy', 'display_name')]
HIDDEN_CHARACTERS = [case(module, {option: 'Chat%sGPT' % char}, option, code, label=label) for char, code, label in HIDDEN
                     for module, option in NAMES] + [
    case('filtering_policy', {'rules': [{'name': 'chat\u200bgpt', 'type': 'fqdn', 'destinations': ['chatgpt.com']}]}, 'rules[0].name',
         'U+200B', label='zero-width space in a rule name'),
    case('filtering_profile', {'policies': [{'name': GSA_POLICY + '\n'}]}, 'policies[0].name', 'U+000A', label='newline in a link'),
    case('access_package_assignment_policy', {'questions': [{'text': 'Which task?\u202e'}]}, 'questions[1].text', 'U+202E',
         label='right-to-left override'),
    case('access_package_assignment_policy',
         {'questions': [{'text': 'Data?', 'type': 'multiple_choice', 'choices': [{'value': 'no', 'text': 'No\x00'}]}]},
         'questions[1].choices[1].text', 'U+0000', label='NUL'),
]
TRAILING_NEWLINE = [
    case('filtering_policy', {'rules': [{'name': 'r', 'type': 'fqdn', 'destinations': ['chatgpt.com\n']}]}, 'rules[0].destinations',
         "'chatgpt.com\\n'", label='FQDN with a trailing newline'),
    case('group', {'id': GUID_WITH_NEWLINE}, 'id', label='GUID with a trailing newline'),
    case('access_package_approval', {'requestor': DROP, 'request_id': GUID_WITH_NEWLINE}, 'request_id',
         label='GUID with a trailing newline'),
    case('group', {'members': [lambda w: w.upn(SARAH) + '\n']}, 'members', label='UPN with a trailing newline'),
]

CASES = COMMON + CONNECTION + GROUP + ENTITLEMENT + GSA + CONDITIONAL_ACCESS + HIDDEN_CHARACTERS + TRAILING_NEWLINE


@pytest.mark.parametrize('module', sorted({param.values[0] for param in CASES}))
def test_valid_arguments_pass(world, module):
    """The arguments every case starts from are valid: a check-mode run succeeds and writes nothing."""
    world.emulator.clear_log()
    result = run_module(module, world.args(module, {}), check=True)
    assert not result.get('failed'), result.get('msg')
    assert world.emulator.writes(world.tenant.tenant_id) == []


@pytest.mark.parametrize('module, changes, option, shown', CASES)
def test_bad_input_is_one_clear_error_before_any_write(world, module, changes, option, shown):
    world.emulator.clear_log()
    result = run_module(module, world.args(module, changes))
    assert result.get('failed') is True, result
    message = result['msg']
    assert all(names_option(name, message) for name in option.split('|')), message
    if shown is not None:
        assert shown in message, message
    # Caught by the module, not refused by Graph after the fact, and not a crash.
    assert 'Graph answered' not in message and 'exception' not in result and 'Traceback' not in message, message
    assert '\n' not in message.strip()
    assert world.emulator.writes(world.tenant.tenant_id) == []


def test_ambiguous_names_list_every_id(world):
    for module, changes in (('conditional_access_policy', {'include_groups': [TWIN]}),
                            ('access_package', {'resource_roles': [{'group': TWIN}]})):
        message = run_module(module, world.args(module, changes))['msg']
        assert all(group_id in message for group_id in world.twins), message
