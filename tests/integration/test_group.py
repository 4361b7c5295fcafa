"""The group module against the HTTPS emulator: lifecycle, check mode, diff, members and bad input."""

from __future__ import annotations

import pytest

from tests.integration.harness import GraphAdmin, auth_args, run_module

JIT = 'Allow ChatGPT Access'


def writes(emulator, tenant):
    return emulator.writes(tenant.tenant_id)


def test_four_step_idempotency(emulator, tenant, auth):
    args = dict(auth, display_name=JIT, description='Granted by the access package only')

    predicted = run_module('group', args, check=True)
    assert predicted['changed'] is True
    assert predicted['group'] == {'id': None, 'display_name': JIT, 'description': 'Granted by the access package only',
                                  'mail_nickname': 'AllowChatGPTAccess'}
    assert predicted['diff']['before'] == {}
    assert writes(emulator, tenant) == []

    applied = run_module('group', args)
    assert applied['changed'] is True
    assert applied['group']['id']
    assert dict(applied['group'], id=None) == predicted['group']
    posts = writes(emulator, tenant)
    assert [(w['method'], w['path']) for w in posts] == [('POST', '/v1.0/groups')]
    assert posts[0]['body'] == {'displayName': JIT, 'description': 'Granted by the access package only',
                                'mailNickname': 'AllowChatGPTAccess', 'mailEnabled': False, 'securityEnabled': True}

    emulator.clear_log()
    again = run_module('group', args, check=True)
    assert again['changed'] is False
    assert again['group']['id'] == applied['group']['id']
    converged = run_module('group', args)
    assert converged['changed'] is False
    assert writes(emulator, tenant) == []
    assert len(GraphAdmin(emulator, tenant).groups_named(JIT)) == 1


def test_diff_shows_managed_fields_only(emulator, tenant, auth):
    created = run_module('group', dict(auth, display_name=JIT, description='old', mail_nickname='jit-chatgpt'))
    changed = run_module('group', dict(auth, display_name=JIT, description='new'))
    assert changed['changed'] is True
    assert changed['diff'] == {
        'before': {'id': created['group']['id'], 'display_name': JIT, 'description': 'old'},
        'after': {'id': created['group']['id'], 'display_name': JIT, 'description': 'new'},
    }
    patches = [w for w in writes(emulator, tenant) if w['method'] == 'PATCH']
    assert [p['body'] for p in patches] == [{'description': 'new'}]


def test_members_by_upn_with_and_without_purge(emulator, tenant, auth):
    sarah, michael = _upn(tenant, 'sarah.jones'), _upn(tenant, 'michael.brown')
    first = run_module('group', dict(auth, display_name='Finance Approvers', members=[sarah]))
    assert first['group']['members'] == [sarah]

    added = run_module('group', dict(auth, display_name='Finance Approvers', members=[michael]))
    assert added['changed'] is True
    assert added['group']['members'] == sorted([sarah, michael])

    emulator.clear_log()
    predicted = run_module('group', dict(auth, display_name='Finance Approvers', members=[michael], purge_members=True), check=True)
    assert predicted['group']['members'] == [michael]
    assert predicted['diff']['before']['members'] == sorted([sarah, michael])
    assert writes(emulator, tenant) == []

    purged = run_module('group', dict(auth, display_name='Finance Approvers', members=[michael], purge_members=True))
    assert purged['group']['members'] == [michael]
    removals = [w for w in writes(emulator, tenant) if w['method'] == 'DELETE']
    assert len(removals) == 1 and removals[0]['path'].endswith('/$ref')

    emptied = run_module('group', dict(auth, display_name='Finance Approvers', members=[], purge_members=True))
    assert emptied['group']['members'] == []
    emulator.clear_log()
    assert run_module('group', dict(auth, display_name='Finance Approvers', members=[], purge_members=True))['changed'] is False
    assert writes(emulator, tenant) == []


def test_owners_and_member_ids(emulator, tenant, auth):
    sarah_id = tenant.users[_upn(tenant, 'sarah.jones')]['id']
    result = run_module('group', dict(auth, display_name='Owned', members=[sarah_id], owners=[_upn(tenant, 'it.approvals')]))
    assert result['group']['members'] == [_upn(tenant, 'sarah.jones')]
    assert result['group']['owners'] == [_upn(tenant, 'it.approvals')]
    assert run_module('group', dict(auth, display_name='Owned', members=[_upn(tenant, 'sarah.jones')]))['changed'] is False


def test_members_named_by_upn_cost_one_user_read(emulator, tenant, auth):
    sarah, michael = _upn(tenant, 'sarah.jones'), _upn(tenant, 'michael.brown')
    args = dict(auth, display_name='Readers', members=[sarah, michael, _upn(tenant, 'it.approvals')])
    emulator.clear_log()
    predicted = run_module('group', args, check=True)
    assert predicted['group']['members'] == sorted([sarah, michael, _upn(tenant, 'it.approvals')])
    user_reads = [entry['path'] for entry in emulator.requests(tenant.tenant_id) if entry['path'].startswith('/v1.0/users')]
    assert user_reads == ['/v1.0/users'], user_reads


def test_absent_is_idempotent(emulator, tenant, auth):
    run_module('group', dict(auth, display_name=JIT))
    predicted = run_module('group', dict(auth, display_name=JIT, state='absent'), check=True)
    assert predicted['changed'] is True and predicted['diff']['after'] == {}
    deleted = run_module('group', dict(auth, display_name=JIT, state='absent'))
    assert deleted['changed'] is True
    emulator.clear_log()
    assert run_module('group', dict(auth, display_name=JIT, state='absent'))['changed'] is False
    assert writes(emulator, tenant) == []


def test_rename_by_id(emulator, tenant, auth):
    created = run_module('group', dict(auth, display_name='AI pilot'))
    renamed = run_module('group', dict(auth, id=created['group']['id'], display_name='AI pilot 2'))
    assert renamed['changed'] is True and renamed['group']['display_name'] == 'AI pilot 2'
    assert GraphAdmin(emulator, tenant).groups_named('AI pilot') == []


def test_duplicate_display_names_list_both_ids(emulator, tenant, auth):
    admin = GraphAdmin(emulator, tenant)
    ids = sorted(admin.create_group(JIT, nickname='a%d' % n)['id'] for n in range(2))
    emulator.clear_log()
    result = run_module('group', dict(auth, display_name=JIT, description='x'))
    assert result.get('failed') is True
    assert ids[0] in result['msg'] and ids[1] in result['msg'] and 'display_name' in result['msg']
    assert writes(emulator, tenant) == []


@pytest.mark.parametrize('options, fragment', [
    ({'mail_nickname': 'has space'}, "mail_nickname='has space'"),
    ({'mail_nickname': 'x' * 65}, 'at most 64'),
    ({'members': ['nobody@example.com']}, "members='nobody@example.com': no such user"),
    ({'members': ['not-a-upn']}, 'user principal name'),
])
def test_bad_input_fails_before_any_write(emulator, tenant, auth, options, fragment):
    result = run_module('group', dict(auth, display_name=JIT, **options))
    assert result.get('failed') is True
    assert fragment in result['msg']
    assert writes(emulator, tenant) == []


def test_missing_credentials(emulator, tenant, auth):
    args = {key: value for key, value in auth.items() if key != 'client_secret'}
    result = run_module('group', dict(args, display_name=JIT))
    assert result['failed'] is True
    assert 'no credentials' in result['msg'] and 'client_secret' in result['msg']
    assert emulator.requests(tenant.tenant_id, kind=None) == []


def test_wrong_secret_names_the_rule(emulator, tenant, auth):
    result = run_module('group', dict(auth, client_secret='wrong-secret-value', display_name=JIT))
    assert result['failed'] is True
    assert 'auth_source=client_secret' in result['msg'] and 'AADSTS7000215' in result['msg']
    assert 'wrong-secret-value' not in str(result)
    assert writes(emulator, tenant) == []


def test_certificate_credential(emulator, tenant, auth):
    args = dict(auth, client_id=tenant.cert_client_id, client_certificate_path=tenant.cert_path)
    del args['client_secret']
    assert run_module('group', dict(args, display_name=JIT))['changed'] is True


def test_access_token_source(emulator, tenant, auth):
    token = GraphAdmin(emulator, tenant).http.headers['Authorization'].split()[1]
    args = {key: value for key, value in auth.items() if key not in ('client_secret', 'client_id', 'tenant_id')}
    result = run_module('group', dict(args, access_token=token, display_name=JIT))
    assert result['changed'] is True
    assert token not in str(result)


def test_group_info(emulator, tenant, auth):
    run_module('group', dict(auth, display_name=JIT, members=[_upn(tenant, 'sarah.jones')]))
    found = run_module('group_info', dict(auth, display_name=JIT, include_members=True), diff=False)
    assert found['changed'] is False
    assert [g['display_name'] for g in found['groups']] == [JIT]
    assert found['groups'][0]['members'] == [_upn(tenant, 'sarah.jones')]
    assert run_module('group_info', dict(auth, display_name='nope'))['groups'] == []


def _upn(tenant, name):
    return next(upn for upn in tenant.users if upn.startswith(name + '@'))


def test_removing_the_last_owner_is_refused_before_any_write(emulator, tenant, auth):
    """group-delete-owners.md: Graph refuses to remove a group's last owner; the module says so at plan time."""
    owner = _upn(tenant, 'it.approvals')
    run_module('group', dict(auth, display_name='Owned', owners=[owner]))
    emulator.clear_log()
    for check in (True, False):
        refused = run_module('group', dict(auth, display_name='Owned', owners=[], purge_owners=True), check=check)
        assert refused['failed'] is True, refused
        assert refused['msg'].startswith('owners=[]: would remove every owner of group ')
        assert 'Graph refuses to remove the last owner of a group' in refused['msg'] and owner in refused['msg']
    assert writes(emulator, tenant) == []
    # Replacing the owner is fine: the new one is added before the old one goes.
    michael = _upn(tenant, 'michael.brown')
    replaced = run_module('group', dict(auth, display_name='Owned', owners=[michael], purge_owners=True))
    assert replaced['changed'] is True and replaced['group']['owners'] == [michael]
    assert [w['method'] for w in writes(emulator, tenant)] == ['POST', 'DELETE']


def test_group_info_with_only_group_read_shows_ids_and_says_why(emulator, tenant):
    """group-list-members.md / group-list-owners.md: without a user permission Graph returns users as id and type only."""
    with emulator.lock:
        emulator.state(tenant.tenant_id).apps[tenant.client_id]['roles'] = ['Group.Read.All']
    result = run_module('group_info', dict(auth_args(emulator, tenant), display_name='Finance Team', include_members=True,
                                           include_owners=True))
    assert not result.get('failed'), result
    team = result['groups'][0]
    ids = {tenant.users[_upn(tenant, name)]['id'] for name in ('sarah.jones', 'david.miller', 'olivia.davis')}
    assert set(team['members']) == ids
    assert team['owners'] == [tenant.users[_upn(tenant, 'michael.brown')]['id']]
    assert len(result['warnings']) == 2
    assert all('User.Read.All' in warning and 'shown by object id' in warning for warning in result['warnings'])
