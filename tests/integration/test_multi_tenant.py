"""Fifty tenants served at once: each answers to its own app credentials only, and a module run sees only its tenant."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys

import httpx
import pytest
import yaml

from tests.integration.harness import GraphAdmin, auth_args, run_module

TENANTS = 50
JIT = 'Allow ChatGPT Access'


@pytest.fixture(scope='module')
def tenants(emulator):
    return [emulator.add_tenant() for dummy in range(TENANTS)]


def recap(stdout):
    """PLAY RECAP counters per host: {'tenant00': {'ok': 1, 'changed': 0, ...}}."""
    stats = {}
    for line in stdout.split('PLAY RECAP', 1)[1].splitlines():
        host, colon, counters = line.partition(' : ')
        if colon:
            stats[host.strip()] = {key: int(value) for key, value in (pair.split('=') for pair in counters.split())}
    return stats


def token_response(http, emulator, tenant_id, client_id, client_secret):
    return http.post('%s/%s/oauth2/v2.0/token' % (emulator.base_url, tenant_id), data={
        'grant_type': 'client_credentials', 'client_id': client_id, 'client_secret': client_secret,
        'scope': 'https://graph.microsoft.com/.default'})


def test_every_tenant_answers_to_its_own_app_only(emulator, tenants):
    assert len({t.tenant_id for t in tenants}) == len({t.client_id for t in tenants}) == len({t.client_secret for t in tenants}) == TENANTS
    seen_group_ids = set()
    with httpx.Client(verify=ssl.create_default_context(cafile=emulator.ca_path), timeout=30) as http:
        for tenant in tenants:
            token = token_response(http, emulator, tenant.tenant_id, tenant.client_id, tenant.client_secret)
            assert token.status_code == 200, token.text
            groups = http.get(emulator.base_url + '/v1.0/groups', headers={
                'Authorization': 'Bearer ' + token.json()['access_token']}).json()['value']
            ids = {group['id'] for group in groups}
            assert ids and not ids & seen_group_ids, 'a group of another tenant is visible in %s' % tenant.tenant_id
            seen_group_ids |= ids
        for mine, other in zip(tenants[:5], tenants[1:6]):
            foreign = token_response(http, emulator, other.tenant_id, mine.client_id, mine.client_secret)
            assert foreign.status_code in (400, 401) and 'AADSTS' in foreign.json()['error_description']
            wrong_secret = token_response(http, emulator, mine.tenant_id, mine.client_id, other.client_secret)
            assert wrong_secret.status_code == 401 and 'AADSTS7000215' in wrong_secret.json()['error_description']


def test_a_module_run_sees_only_its_tenant(emulator, tenants):
    first, second, third = tenants[:3]
    created = {}
    for tenant in (first, second, third):
        result = run_module('group', dict(auth_args(emulator, tenant), display_name=JIT, description=tenant.tenant_id))
        assert result['changed'] is True, 'the group of another tenant was taken for this one: %s' % result
        created[tenant.tenant_id] = result['group']['id']
    assert len(set(created.values())) == 3

    before = {t.tenant_id: len(emulator.requests(t.tenant_id, kind=None)) for t in (second, third)}
    writes = emulator.writes(first.tenant_id)
    info = run_module('group_info', dict(auth_args(emulator, first), display_name=JIT))
    assert [(g['id'], g['description']) for g in info['groups']] == [(created[first.tenant_id], first.tenant_id)]
    assert run_module('group', dict(auth_args(emulator, first), display_name=JIT, description=first.tenant_id))['changed'] is False

    by_foreign_id = run_module('group', dict(auth_args(emulator, first), id=created[second.tenant_id], display_name=JIT))
    assert by_foreign_id.get('failed') is True
    assert 'group with id %s does not exist' % created[second.tenant_id] in by_foreign_id['msg']
    foreign_member = run_module('group', dict(auth_args(emulator, first), display_name=JIT,
                                              members=['sarah.jones@%s' % second.domain]))
    assert foreign_member.get('failed') is True
    assert foreign_member['msg'] == "members='sarah.jones@%s': no such user in the tenant" % second.domain
    assert emulator.writes(first.tenant_id) == writes
    assert {t.tenant_id: len(emulator.requests(t.tenant_id, kind=None)) for t in (second, third)} == before
    for tenant in (second, third):
        assert [g['id'] for g in GraphAdmin(emulator, tenant).groups_named(JIT)] == [created[tenant.tenant_id]]


def test_one_inventory_host_per_tenant_with_forks(emulator, tenants, tmp_path, collections):
    """The AWX layout: hosts are tenants (connection local, credentials in host vars), run in parallel by forks."""
    hosts = {'tenant%02d' % n: t for n, t in enumerate(tenants[10:13])}
    inventory = {'tenants': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                             'hosts': {name: {'entra_tenant_id': t.tenant_id, 'entra_client_id': t.client_id,
                                              'entra_client_secret': t.client_secret} for name, t in hosts.items()}}}
    play = {'name': 'per tenant', 'hosts': 'tenants', 'gather_facts': False,
            'module_defaults': {'group/jitaccess.entra.graph': {
                'tenant_id': '{{ entra_tenant_id }}', 'client_id': '{{ entra_client_id }}',
                'client_secret': '{{ entra_client_secret }}', 'authority_host': emulator.base_url,
                'graph_endpoint': emulator.base_url, 'ca_bundle': emulator.ca_path}},
            'tasks': [{'name': 'JIT group', 'jitaccess.entra.group': {
                'display_name': JIT, 'description': 'Managed for {{ inventory_hostname }}', 'members': [], 'purge_members': True}}]}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    (tmp_path / 'play.yml').write_text(yaml.safe_dump([play], sort_keys=False))

    def run(*extra):
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'inventory.yml', 'play.yml',
                   '--forks', str(len(hosts))] + list(extra)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0')
        process = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
        return recap(process.stdout)

    applied = run()
    assert {name: stats['changed'] for name, stats in applied.items()} == dict.fromkeys(hosts, 1)
    for name, tenant in hosts.items():
        assert [g['description'] for g in GraphAdmin(emulator, tenant).groups_named(JIT)] == ['Managed for %s' % name]
    emulator.clear_log()
    checked = run('--check')
    assert {name: (stats['ok'], stats['changed']) for name, stats in checked.items()} == dict.fromkeys(hosts, (1, 0))
    assert [emulator.writes(t.tenant_id) for t in hosts.values()] == [[]] * len(hosts)
    assert {e['tenant'] for e in emulator.requests()} == {t.tenant_id for t in hosts.values()}
