"""The permission table: the least privileged permission per call, and the sentence a 403 carries."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import (
    ROLE_TEMPLATE_IDS, missing_permissions, missing_role, permission_hint, required_permissions)

EM = '/identityGovernance/entitlementManagement'
ID = '0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11'


@pytest.mark.parametrize('method, path, application, delegated', [
    ('GET', '/groups?$filter=displayName eq \'x\'', ['Group.Read.All'], ['Group.Read.All']),
    ('POST', '/groups', ['Group.Create', 'Group.ReadWrite.All'], ['Group.ReadWrite.All']),
    ('PATCH', '/groups/' + ID, ['Group.ReadWrite.All'], ['Group.ReadWrite.All']),
    ('POST', '/groups/%s/members/$ref' % ID, ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All'],
     ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All']),
    ('DELETE', '/groups/%s/members/%s/$ref' % (ID, ID), ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All'],
     ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All']),
    ('POST', '/groups/%s/owners/$ref' % ID, ['Group.ReadWrite.All'], ['Group.ReadWrite.All']),
    ('get', '/users/sarah@contoso.com', ['User.Read.All'], ['User.ReadBasic.All']),
    ('PATCH', '/identity/conditionalAccess/policies/' + ID, ['Policy.ReadWrite.ConditionalAccess + Policy.Read.All'],
     ['Policy.ReadWrite.ConditionalAccess + Policy.Read.All']),
    ('POST', EM + '/resourceRequests', ['EntitlementManagement.ReadWrite.All + Group.ReadWrite.All'], ['EntitlementManagement.ReadWrite.All']),
    ('PUT', EM + '/assignmentPolicies/' + ID, ['EntitlementManagement.ReadWrite.All'], ['EntitlementManagement.ReadWrite.All']),
    ('POST', EM + '/assignmentRequests', ['EntitlementManagement.ReadWrite.All'],
     ['EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.ReadWrite.All']),
    ('GET', EM + "/assignments/filterByCurrentUser(on='target')", [], ['EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.Read.All']),
    ('PATCH', '%s/accessPackageAssignmentApprovals/%s/stages/%s' % (EM, ID, ID), [], ['EntitlementManagement.ReadWrite.All']),
])
def test_least_privileged_permission_per_call(method, path, application, delegated):
    assert required_permissions(method, path) == {'application': application, 'delegated': delegated}


@pytest.mark.parametrize('method, path', [('GET', '/applications'), ('POST', '/users'), ('GET', '/'), ('GET', '/groupsX')])
def test_unknown_calls_have_no_entry(method, path):
    assert required_permissions(method, path) is None


def test_hint_for_an_app_permission_and_for_a_delegated_only_call():
    assert permission_hint(required_permissions('POST', '/groups')) == (
        'this call needs the Graph application permission Group.Create or Group.ReadWrite.All '
        '(or, with a delegated token, Group.ReadWrite.All)')
    assert permission_hint(required_permissions('GET', EM + '/accessPackageAssignmentApprovals/' + ID)) == (
        'this call needs a delegated (user) token with EntitlementManagement.Read.All; '
        'Graph does not support application permissions for it')


@pytest.mark.parametrize('granted, missing', [
    (['Group.ReadWrite.All', 'User.Read.All'], []),
    (['Group.ReadWrite.All'], ['User.Read.All']),
    # ReadWrite includes Read.
    (['Group.ReadWrite.All', 'User.ReadWrite.All'], []),
    ([], ['Group.ReadWrite.All', 'User.Read.All']),
])
def test_missing_permissions_of_a_module(granted, missing):
    assert missing_permissions('group', 'application', granted) == missing


def test_alternatives_and_delegated_only():
    needed = ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'User.Read.All', 'Group.Read.All', 'NetworkAccess.Read.All']
    assert missing_permissions('conditional_access_policy', 'application', needed) == ['RoleManagement.Read.Directory | Directory.Read.All']
    assert missing_permissions('conditional_access_policy', 'application', needed + ['Directory.Read.All']) == []
    assert missing_role('group', []) == ['Groups Administrator']
    assert missing_role('group', [ROLE_TEMPLATE_IDS['Global Administrator'].upper()]) == []
    assert missing_role('group_info', []) == []


@pytest.mark.parametrize('method, path, application, delegated', [
    ('GET', '/networkAccess/filteringProfiles/%s/policies' % ID, ['NetworkAccess.Read.All'],
     ['NetworkAccessPolicy.Read.All', 'NetworkAccess.Read.All']),
    ('PATCH', '/networkAccess/filteringPolicies/%s/policyRules/%s' % (ID, ID), ['NetworkAccess.ReadWrite.All'],
     ['NetworkAccessPolicy.ReadWrite.All', 'NetworkAccess.ReadWrite.All']),
])
def test_global_secure_access_names_both_readings_of_the_pages(method, path, application, delegated):
    """The GSA pages disagree: some list application NetworkAccess.*, others only delegated NetworkAccessPolicy.*."""
    needed = required_permissions(method, path)
    assert (needed['application'], needed['delegated']) == (application, delegated)
    hint = permission_hint(needed)
    for page in ('networkaccess-networkaccessroot-post-filteringprofiles.md', 'networkaccess-networkaccessroot-post-filteringpolicies.md',
                 'networkaccess-filteringpolicy-post-policyrules.md', 'networkaccess-networkaccessroot-list-filteringpolicies.md',
                 'networkaccess-filteringprofile-get.md', 'networkaccess-filteringrule-update.md'):
        assert page in hint
    assert 'application permissions are not supported' in hint
    assert 'run the task delegated (access_token, or auth_source=azure_cli)' in hint
