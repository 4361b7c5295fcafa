"""The Graph client's behaviours over real HTTPS: paging, throttling, outages, replication lag, lost responses."""

from __future__ import annotations

import os
import time

import pytest

from tests.integration.harness import GraphAdmin, run_module

JIT = 'Allow ChatGPT Access'


def test_paging_follows_next_links_across_three_pages(emulator, tenant, auth):
    admin = GraphAdmin(emulator, tenant)
    for number in range(250):
        admin.create_group('Bulk %03d' % number, nickname='bulk%03d' % number)
    emulator.clear_log()
    result = run_module('group_info', auth)
    names = [g['display_name'] for g in result['groups']]
    assert len([n for n in names if n.startswith('Bulk ')]) == 250
    assert len(names) == len(set(g['id'] for g in result['groups']))
    pages = [r for r in emulator.requests(tenant.tenant_id) if r['path'] == '/v1.0/groups']
    assert len(pages) >= 3
    assert all('skiptoken' in r['query'] for r in pages[1:])


def test_throttled_call_honours_retry_after(emulator, tenant, auth):
    emulator.inject('status', tenant=tenant.tenant_id, method='POST', path='^/v1.0/groups$', status=429,
                    code='TooManyRequests', retry_after=1, count=1)
    result = run_module('group', dict(auth, display_name=JIT))
    assert result['changed'] is True, result
    posts = [r for r in emulator.requests(tenant.tenant_id) if r['method'] == 'POST']
    assert [p['status'] for p in posts] == [429, 201]
    assert posts[1]['time'] - posts[0]['time'] >= 1.0
    assert any('throttled (429) x1' in warning for warning in result.get('warnings', []))


def test_unavailable_past_the_bound_fails_naming_the_call(emulator, tenant, auth):
    emulator.inject('status', tenant=tenant.tenant_id, method='POST', path='^/v1.0/groups$', status=503, retry_after=1)
    result = run_module('group', dict(auth, display_name=JIT, max_retry_wait=2.5))
    assert result['failed'] is True
    assert "creating group 'Allow ChatGPT Access'" in result['msg']
    assert '503' in result['msg'] and 'gave up after 3 attempts' in result['msg']
    assert result['status'] == 503
    assert GraphAdmin(emulator, tenant).groups_named(JIT) == []


def test_replication_lag_after_create_is_waited_out(emulator, tenant, auth):
    emulator.inject('lag', tenant=tenant.tenant_id, seconds=2)
    sarah = next(upn for upn in tenant.users if upn.startswith('sarah.jones@'))
    result = run_module('group', dict(auth, display_name=JIT, members=[sarah]))
    assert result['changed'] is True, result
    assert result['group']['members'] == [sarah]
    member_adds = [r for r in emulator.requests(tenant.tenant_id) if r['path'].endswith('/members/$ref')]
    assert member_adds[0]['status'] == 404 and member_adds[-1]['status'] == 204
    assert any('not yet replicated' in warning for warning in result.get('warnings', []))


def test_lost_create_response_makes_one_group_not_two(emulator, tenant, auth):
    emulator.inject('drop', tenant=tenant.tenant_id, method='POST', path='^/v1.0/groups$', count=1)
    result = run_module('group', dict(auth, display_name=JIT))
    assert result['changed'] is True, result
    groups = GraphAdmin(emulator, tenant).groups_named(JIT)
    assert len(groups) == 1
    assert result['group']['id'] == groups[0]['id']
    assert len([r for r in emulator.requests(tenant.tenant_id) if r['method'] == 'POST']) == 1


def test_lost_member_add_response_is_recovered(emulator, tenant, auth):
    run_module('group', dict(auth, display_name=JIT))
    emulator.inject('drop', tenant=tenant.tenant_id, method='POST', path='/members/\\$ref$', count=1)
    sarah = next(upn for upn in tenant.users if upn.startswith('sarah.jones@'))
    result = run_module('group', dict(auth, display_name=JIT, members=[sarah]))
    assert result['changed'] is True, result
    assert run_module('group', dict(auth, display_name=JIT, members=[sarah]))['changed'] is False


def test_one_token_per_module_run(emulator, tenant, auth):
    run_module('group', dict(auth, display_name=JIT, members=[next(iter(tenant.users))]))
    tokens = emulator.requests(tenant.tenant_id, kind='token')
    assert len(tokens) == 1


def test_request_timeout_bounds_the_whole_request_not_each_read(emulator, tenant, auth):
    """A server trickling its answer one byte per 100 ms (each read well inside the timeout) is cut at request_timeout."""
    emulator.inject('trickle', tenant=tenant.tenant_id, method='GET', path='^/v1.0/groups$', interval_ms=100)
    started = time.monotonic()
    result = run_module('group_info', dict(auth, display_name='Nobody has this name', request_timeout=2, max_retry_wait=0))
    elapsed = time.monotonic() - started
    assert result['failed'] is True, result
    assert 'no complete answer within request_timeout=2.0 s' in result['msg']
    assert elapsed < 4.0, elapsed
    assert [r['fault'] for r in emulator.requests(tenant.tenant_id)] == ['trickle']


def test_one_connection_carries_every_request_of_a_task(emulator, tenant, auth):
    """The task's requests share one keep-alive TLS connection; nothing outlives the task."""
    sarah = next(upn for upn in tenant.users if upn.startswith('sarah.jones@'))
    assert run_module('group', dict(auth, display_name=JIT, members=[sarah]))['changed'] is True
    graph = emulator.requests(tenant.tenant_id)
    assert len(graph) >= 3
    assert len({r['connection'] for r in graph}) == 1


OLD_PYTHON = os.path.expanduser('~/.pyenv/versions/3.10.13/bin/python3.10')


@pytest.mark.skipif(not os.path.exists(OLD_PYTHON), reason='needs a Python 3.10 to run the module with')
def test_python_older_than_3_11_fails_up_front_with_one_message(emulator, tenant, auth, playbook):
    tasks = [{'jitaccess.entra.group': {'display_name': JIT}, 'vars': {'ansible_python_interpreter': OLD_PYTHON}}]
    run = playbook.run(tasks, module_defaults=auth)
    (result,) = run.results
    assert result.get('failed') is True, run.stdout
    assert result['msg'].startswith('jitaccess.entra modules need Python 3.11 or newer on the host that runs them; '
                                    'this is Python 3.10.13 (%s)' % OLD_PYTHON), result['msg']
    assert emulator.requests(kind=None) == []
