"""Export of a tenant set up by hand (raw Graph calls, as the portal makes them) into jit_ai_access variables: the module
returns the tenant's snapshot, the role_variables filter maps it with the role's own defaults, and the role applied with
the result changes nothing; objects outside the role's model are warnings; export.yml writes one file per tenant of an
inventory (from the role's files as they are) and compare.yml shows the variables that differ."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.jitaccess.entra.plugins.filter.role_variables import FilterModule
from tests.emulator.graph import entitlement
from tests.integration.harness import REPO, GraphAdmin, run_module

EM = '/identityGovernance/entitlementManagement'
NS = '#microsoft.graph.networkaccess.'
GSA_INTERNET = '5dc48733-b5df-475c-a49b-fa307ef00853'
RULE_TYPES = {'webCategory': ('webCategoryFilteringRule', 'webCategory', 'name'), 'fqdn': ('fqdnFilteringRule', 'fqdn', 'value')}


ROLE = REPO / 'roles' / 'jit_ai_access'


def role_variables(exported):
    """The filter applied to the module's snapshot with the role's files as they are written, as export.yml does."""
    builtin = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())['jit_ai_access_app_builtin']
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    return FilterModule().filters()['role_variables'](exported['snapshot'], builtin, defaults)


def environment(emulator, tenant):
    return dict(AZURE_TENANT_ID=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


class Portal:
    """An admin clicking through the Entra admin center: one Graph call per step, names of their own choosing."""

    def __init__(self, emulator, tenant):
        self.emulator = emulator
        self.tenant = tenant
        self.admin = GraphAdmin(emulator, tenant)

    def user_id(self, nickname):
        return self.tenant.users['%s@%s' % (nickname, self.tenant.domain)]['id']

    def filtering_policy(self, name, action, rule_name, rule_type, values, description=None):
        policy = self.admin.call('POST', '/networkAccess/filteringPolicies', {'name': name, 'description': description, 'action': action},
                                 api='beta', expect=201)
        rule, destination, prop = RULE_TYPES[rule_type]
        self.admin.call('POST', '/networkAccess/filteringPolicies/%s/policyRules' % policy['id'], {
            '@odata.type': NS + rule, 'name': rule_name, 'ruleType': rule_type,
            'destinations': [{'@odata.type': NS + destination, prop: value} for value in values]}, api='beta', expect=201)
        return policy

    def link(self, profile_id, policy_id, priority):
        self.admin.call('POST', '/networkAccess/filteringProfiles/%s/policies' % profile_id, {
            '@odata.type': NS + 'filteringPolicyLink', 'priority': priority, 'state': 'enabled', 'loggingState': 'enabled',
            'policy': {'@odata.type': NS + 'filteringPolicy', 'id': policy_id}}, api='beta', expect=201)

    def baseline_id(self):
        profiles = self.admin.call('GET', '/networkAccess/filteringProfiles', api='beta')['value']
        return next(profile['id'] for profile in profiles if profile['priority'] == 65000)

    def block(self, name='Block AI sites', rule_name='AI category', priority=200):
        policy = self.filtering_policy(name, 'block', rule_name, 'webCategory', ['ArtificialIntelligence'],
                                       description='No AI sites unless approved')
        self.link(self.baseline_id(), policy['id'], priority)

    def catalog(self, name='AI tools'):
        return self.admin.call('POST', EM + '/catalogs', {'displayName': name, 'description': 'Approved AI tools'}, expect=201)

    def app(self, catalog, app, fqdns, group, profile_priority,  # pylint: disable=too-many-arguments,too-many-positional-arguments
            hours=4, questions=('Which task needs it?',)):
        """Allow policy, profile, group, CA policy, package and assignment policy for one app; the group's id."""
        policy = self.filtering_policy('Allow %s' % app, 'allow', app, 'fqdn', fqdns, description='Sites of %s' % app)
        profile = self.admin.call('POST', '/networkAccess/filteringProfiles', {
            'name': '%s profile' % app, 'description': 'For %s' % group, 'state': 'enabled', 'priority': profile_priority},
            api='beta', expect=201)
        self.link(profile['id'], policy['id'], 150)
        jit = self.admin.create_group(group, nickname=group.replace(' ', '').lower())
        self.admin.call('PATCH', '/groups/%s' % jit['id'], {'description': 'Approved %s users' % app}, expect=204)
        self.admin.call('POST', '/identity/conditionalAccess/policies', {
            'displayName': '%s for JIT users' % app, 'state': 'enabled',
            'conditions': {'users': {'includeGroups': [jit['id']]}, 'applications': {'includeApplications': [GSA_INTERNET]},
                           'clientAppTypes': ['all']},
            'sessionControls': {'globalSecureAccessFilteringProfile': {'profileId': profile['id'], 'isEnabled': True}}},
            api='beta', expect=201)
        self.admin.call('POST', EM + '/resourceRequests', {'requestType': 'adminAdd', 'catalog': {'id': catalog['id']}, 'resource': {
            'displayName': group, 'originId': jit['id'], 'originSystem': 'AadGroup'}}, expect=201)
        self.emulator.advance_clock(entitlement.REPLICATION_SECONDS)
        resource = self.admin.call('GET', "%s/catalogs/%s/resources?$filter=originId eq '%s'&$expand=roles,scopes" % (
            EM, catalog['id'], jit['id']))['value'][0]
        member = next(role for role in resource['roles'] if role['displayName'] == 'Member')
        package = self.admin.call('POST', EM + '/accessPackages', {
            'displayName': '%s JIT' % app, 'description': 'Hours of %s' % app, 'catalog': {'id': catalog['id']}}, expect=201)
        self.admin.call('POST', '%s/accessPackages/%s/resourceRoleScopes' % (EM, package['id']), {
            'role': dict(member, resource={'id': resource['id'], 'originId': jit['id'], 'originSystem': 'AadGroup'}),
            'scope': resource['scopes'][0]}, expect=201)
        finance = self.admin.groups_named('Finance Team')[0]['id']
        self.admin.call('POST', EM + '/assignmentPolicies', {
            'displayName': '%s requests' % app, 'description': 'Ask for %s' % app, 'accessPackage': {'id': package['id']},
            'allowedTargetScope': 'specificDirectoryUsers',
            'specificAllowedTargets': [{'@odata.type': '#microsoft.graph.groupMembers', 'groupId': finance, 'description': 'Finance Team'}],
            'expiration': {'type': 'afterDuration', 'duration': 'PT%dH' % hours},
            'requestorSettings': {'enableTargetsToSelfAddAccess': True, 'enableTargetsToSelfRemoveAccess': False,
                                  'allowCustomAssignmentSchedule': False},
            'requestApprovalSettings': {'isApprovalRequiredForAdd': True, 'isRequestorJustificationRequired': True, 'stages': [{
                'durationBeforeAutomaticDenial': 'P7D', 'isApproverJustificationRequired': True,
                'primaryApprovers': [{'@odata.type': '#microsoft.graph.requestorManager', 'managerLevel': 1}],
                'fallbackPrimaryApprovers': [{'@odata.type': '#microsoft.graph.singleUser', 'userId': self.user_id('it.approvals')}]}]},
            'questions': [{'@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', 'sequence': number, 'text': text,
                           'isRequired': True} for number, text in enumerate(questions, 1)],
        }, expect=201)
        return jit['id']


def chatgpt_tenant(emulator, tenant, **app):
    portal = Portal(emulator, tenant)
    portal.block()
    catalog = portal.catalog()
    portal.app(catalog, 'ChatGPT', ['chatgpt.com', '*.chatgpt.com'], app.pop('group', 'ChatGPT users'), 300, **app)
    return portal, catalog


def chatgpt_entry(tenant, group='ChatGPT users', hours=4):
    """What the export of ``chatgpt_tenant`` carries: every name and setting that is not the role's default."""
    return {
        'name': 'ChatGPT', 'fqdns': ['*.chatgpt.com', 'chatgpt.com'],
        'profile_name': 'ChatGPT profile', 'group_name': group, 'ca_policy_name': 'ChatGPT for JIT users',
        'access_package_name': 'ChatGPT JIT', 'assignment_policy_name': 'ChatGPT requests',
        'allow_policy_description': 'Sites of ChatGPT', 'profile_description': 'For %s' % group,
        'group_description': 'Approved ChatGPT users', 'access_package_description': 'Hours of ChatGPT',
        'assignment_policy_description': 'Ask for ChatGPT',
        'profile_priority': 300, 'link_priority': 150, 'sign_in_risk_levels': [],
        'requestors': {'scope': 'specific', 'groups': ['Finance Team'], 'self_removals': False},
        'approval': {'requestor_justification': True, 'stages': [{
            'approvers': {'manager': True}, 'fallback_approvers': {'users': ['it.approvals@%s' % tenant.domain]}, 'deadline_days': 7}]},
        'expiration': {'hours': hours},
        'questions': [{'text': 'Which task needs it?', 'required': True}],
    }


BLOCK_VARS = {'jit_ai_access_block_policy_name': 'Block AI sites', 'jit_ai_access_block_policy_description': 'No AI sites unless approved',
              'jit_ai_access_baseline_link_priority': 200, 'jit_ai_access_block_rule_name': 'AI category',
              'jit_ai_access_catalog_name': 'AI tools', 'jit_ai_access_catalog_description': 'Approved AI tools'}


@pytest.mark.slow
def test_round_trip_of_a_tenant_set_up_by_hand(emulator, tenant, auth, playbook, tmp_path):
    chatgpt_tenant(emulator, tenant)
    emulator.clear_log()
    exported = run_module('jit_ai_access_export', auth)
    assert exported['changed'] is False and emulator.writes(tenant.tenant_id) == []
    exported_vars = role_variables(exported)
    assert exported_vars == dict(BLOCK_VARS, jit_ai_access_apps=[chatgpt_entry(tenant)])
    assert exported['unmatched'] == [] and exported['unsupported'] == [] and exported['warnings'] == []

    vars_file = tmp_path / 'exported.yml'
    vars_file.write_text(yaml.safe_dump(exported_vars, sort_keys=False))
    variables = yaml.safe_load(vars_file.read_text())
    checked = playbook.run_file('playbooks/jit_ai_access.yml', variables, check=True, diff=True, env=environment(emulator, tenant))
    assert checked.rc == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
    assert checked.recap['changed'] == 0 and checked.recap['failed'] == 0, checked.stdout[-6000:]
    assert emulator.writes(tenant.tenant_id) == []


def test_two_apps_and_a_hand_made_extra_policy(emulator, tenant, auth):
    portal, catalog = chatgpt_tenant(emulator, tenant)
    portal.app(catalog, 'Claude', ['claude.ai'], 'Claude users', 310, hours=8, questions=('Which task needs it?', 'Which team?'))
    extra = portal.filtering_policy('Allow Perplexity', 'allow', 'Perplexity', 'fqdn', ['perplexity.ai'])
    second = portal.admin.call('POST', EM + '/catalogs', {'displayName': 'HR tools'}, expect=201)

    exported = run_module('jit_ai_access_export', auth)
    apps = role_variables(exported)['jit_ai_access_apps']
    assert [app['name'] for app in apps] == ['ChatGPT', 'Claude']
    assert apps[0] == chatgpt_entry(tenant)
    assert apps[1]['group_name'] == 'Claude users' and apps[1]['profile_priority'] == 310 and apps[1]['expiration'] == {'hours': 8}
    assert [question['text'] for question in apps[1]['questions']] == ['Which task needs it?', 'Which team?']
    assert exported['unmatched'] == [
        {'type': 'filtering_policy', 'name': 'Allow Perplexity', 'id': extra['id'], 'reason': 'is linked to no security profile'},
        {'type': 'catalog', 'name': 'HR tools', 'id': second['id'],
         'reason': 'a further catalog; the exported apps keep their access packages in one'},
    ]
    assert exported['unsupported'] == []
    assert any("filtering_policy 'Allow Perplexity'" in warning and 'linked to no security profile' in warning
               for warning in exported['warnings']), exported['warnings']
    assert len(exported['warnings']) == 2


def test_what_the_role_cannot_carry_is_reported(emulator, tenant, auth):
    portal, dummy = chatgpt_tenant(emulator, tenant)
    profile = next(p for p in portal.admin.call('GET', '/networkAccess/filteringProfiles', api='beta')['value'] if p['name'] == 'ChatGPT profile')
    portal.admin.call('PATCH', '/networkAccess/filteringProfiles/%s' % profile['id'], {'state': 'disabled'}, api='beta', expect=204)
    group = portal.admin.groups_named('ChatGPT users')[0]
    portal.admin.call('POST', '/groups/%s/members/$ref' % group['id'], {
        '@odata.id': '%s/v1.0/directoryObjects/%s' % (emulator.base_url, portal.user_id('sarah.jones'))}, expect=204)
    ca = portal.admin.call('POST', '/identity/conditionalAccess/policies', {
        'displayName': 'Everyone gets ChatGPT', 'state': 'enabled',
        'conditions': {'users': {'includeUsers': ['All'], 'excludeGroups': [group['id']]},
                       'applications': {'includeApplications': [GSA_INTERNET]}},
        'sessionControls': {'globalSecureAccessFilteringProfile': {'profileId': profile['id'], 'isEnabled': True}}},
        api='beta', expect=201)

    exported = run_module('jit_ai_access_export', auth)
    assert role_variables(exported)['jit_ai_access_apps'] == [chatgpt_entry(tenant)]
    assert exported['unmatched'] == [{
        'type': 'conditional_access_policy', 'name': 'Everyone gets ChatGPT', 'id': ca['id'],
        'reason': "hands out security profile 'ChatGPT profile', which 'ChatGPT for JIT users' hands out already; "
                  'the role gives each app one policy'}]
    assert [(item['type'], item['reason']) for item in exported['unsupported']] == [
        ('filtering_profile', 'is disabled; the role enables it'),
        ('group', 'has static members without an active assignment (sarah.jones@%s), who bypass the approval; '
                  'the role reports them' % tenant.domain)]


@pytest.fixture
def two_tenants(emulator):
    first, second = emulator.add_tenant(), emulator.add_tenant()
    chatgpt_tenant(emulator, first)
    chatgpt_tenant(emulator, second, group='ChatGPT JIT', hours=2)
    return {'contoso': first, 'fabrikam': second}


def inventory_environment(emulator, tenants, tmp_path, collections):
    """inventory.yml in ``tmp_path`` with one host per tenant, and the environment ansible-playbook runs in."""
    inventory = {'tenants': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                             'hosts': {name: {'entra_tenant_id': t.tenant_id, 'entra_client_id': t.client_id,
                                              'entra_client_secret': t.client_secret} for name, t in tenants.items()}}}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path,
                ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')


def ansible_playbook(cwd, env, *arguments):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')] + list(arguments)
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return process.stdout


def test_export_playbook_writes_one_file_per_tenant_and_compare_shows_the_differences(emulator, two_tenants, tmp_path, collections):
    env = inventory_environment(emulator, two_tenants, tmp_path, collections)

    def playbook(*arguments):
        return ansible_playbook(tmp_path, env, *arguments)

    emulator.clear_log()
    playbook('-i', 'inventory.yml', str(REPO / 'playbooks/export.yml'), '--forks', '2', '-e', 'export_dir=out')
    assert sorted(path.name for path in (tmp_path / 'out').iterdir()) == ['contoso.yml', 'fabrikam.yml']
    for name, tenant in two_tenants.items():
        assert emulator.writes(tenant.tenant_id) == []
        text = (tmp_path / 'out' / ('%s.yml' % name)).read_text()
        assert text.startswith('---\n# jit_ai_access variables of %s' % name)
        exported = yaml.safe_load(text)
        group, hours = ('ChatGPT users', 4) if name == 'contoso' else ('ChatGPT JIT', 2)
        entry = chatgpt_entry(tenant, group=group, hours=hours)
        if hours == 2:
            del entry['expiration']
        assert exported == dict(BLOCK_VARS, jit_ai_access_apps=[entry])

    output = playbook('-i', 'localhost,', str(REPO / 'playbooks/compare.yml'),
                      '-e', 'compare_left=out/contoso.yml', '-e', 'compare_right=out/fabrikam.yml')
    rows = [json.loads(line.strip().rstrip(',')).split(' | ') for line in output.splitlines() if ' | ' in line]
    assert [cell.strip() for cell in rows[0]] == ['variable', 'contoso.yml', 'fabrikam.yml']
    approvers = 'jit_ai_access_apps[ChatGPT].approval.stages[0].fallback_approvers.users'
    assert {row[0].strip(): (row[1].strip(), row[2]) for row in rows[1:]} == {
        approvers: tuple(json.dumps(['it.approvals@%s' % two_tenants[name].domain]) for name in ('contoso', 'fabrikam')),
        'jit_ai_access_apps[ChatGPT].expiration.hours': ('4', '-'),
        'jit_ai_access_apps[ChatGPT].group_name': ('ChatGPT users', 'ChatGPT JIT'),
        'jit_ai_access_apps[ChatGPT].profile_description': ('For ChatGPT users', 'For ChatGPT JIT'),
    }


def test_the_export_follows_the_role_files_without_a_copy_of_their_defaults(emulator, tenant, tmp_path, collections):
    """export.yml reads the role's defaults from the role beside it: the same tenant, exported beside a role whose
    defaults are what the tenant has, needs none of the variables it needed with the shipped role."""
    chatgpt_tenant(emulator, tenant)
    env = inventory_environment(emulator, {'contoso': tenant}, tmp_path, collections)
    tree = tmp_path / 'tree'
    (tree / 'playbooks').mkdir(parents=True)
    (tree / 'playbooks' / 'export.yml').write_text((REPO / 'playbooks' / 'export.yml').read_text())
    role_vars = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())
    role_vars['jit_ai_access_app_builtin'].update(expiration={'hours': 4}, sign_in_risk_levels=[])
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    defaults.update(jit_ai_access_catalog_name='AI tools', jit_ai_access_app_defaults={'link_priority': 150, 'profile_priority': 300})
    for name, content in (('vars', role_vars), ('defaults', defaults)):
        (tree / 'roles' / 'jit_ai_access' / name).mkdir(parents=True)
        (tree / 'roles' / 'jit_ai_access' / name / 'main.yml').write_text(yaml.safe_dump(content, sort_keys=False))

    ansible_playbook(tmp_path, env, '-i', 'inventory.yml', str(tree / 'playbooks' / 'export.yml'), '-e', 'export_dir=out')
    exported = yaml.safe_load((tmp_path / 'out' / 'contoso.yml').read_text())
    entry = chatgpt_entry(tenant)
    for key in ('expiration', 'sign_in_risk_levels', 'link_priority', 'profile_priority'):
        del entry[key]
    expected = dict(BLOCK_VARS, jit_ai_access_apps=[entry])
    del expected['jit_ai_access_catalog_name']
    assert exported == expected
