"""Drift across tenants: one inventory host per emulator tenant, a JSON summary per run, drift reported exactly where
it was made and fixed by the next enforcing run."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.integration.harness import GraphAdmin

TENANTS = 4


@pytest.fixture
def fleet(emulator, tmp_path, request):
    """Fresh tenants (TENANTS unless the test asks for fewer) and an inventory with one host per tenant."""
    tenants = [emulator.add_tenant() for dummy in range(getattr(request, 'param', TENANTS))]
    hosts = {}
    for number, tenant in enumerate(tenants):
        hosts['tenant%d' % number] = {
            'entra_tenant_id': tenant.tenant_id, 'entra_client_id': tenant.client_id, 'entra_client_secret': tenant.client_secret,
            'jit_ai_access_fallback_approvers': [upn for upn in tenant.users if upn.startswith('it.approvals@')],
        }
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'tenants': {'hosts': hosts, 'vars': {'ansible_connection': 'local'}}}))
    return dict(zip(hosts, tenants)), inventory


def run(playbook, emulator, inventory, summary, check=False, **extra):
    env = dict(AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)
    variables = dict(extra, jit_ai_access_summary_path=str(summary))
    process = playbook.run_file('playbooks/jit_ai_access.yml', variables, check=check, env=env, inventory=str(inventory), forks=4)
    return process, json.loads(summary.read_text()) if summary.exists() else {}


def drifted(report):
    return {tenant: sorted((o['object'], o['name'], tuple(o['fields'])) for o in body['objects'] if o['status'] != 'ok')
            for tenant, body in report.items() if body['drift']}


@pytest.mark.slow
def test_drift_in_three_tenants_is_reported_there_only_and_fixed(emulator, fleet, playbook, tmp_path):
    tenants, inventory = fleet
    summary = tmp_path / 'summary.json'

    converged, report = run(playbook, emulator, inventory, summary)
    assert converged.rc == 0, converged.stdout[-3000:]
    assert set(report) == set(tenants)
    assert all(body['counts']['changed'] >= 9 and not body['failed'] for body in report.values())

    # That a check run of the converged tenants reports no drift is asserted in test_drift_report.py (the same run, on
    # three tenants): the exact drift below, and nothing in the fourth tenant, show none was there before it was made.

    names = list(tenants)
    # A stray static member, a disabled CA policy, an unlinked Baseline policy: one kind of drift per tenant.
    GraphAdmin(emulator, tenants[names[0]]).add_member(
        'Allow ChatGPT Access', next(upn for upn in tenants[names[0]].users if upn.startswith('sarah.jones@')))
    GraphAdmin(emulator, tenants[names[1]]).disable_first_conditional_access_policy()
    admin = GraphAdmin(emulator, tenants[names[2]])
    baseline = next(p for p in admin.call('GET', '/networkAccess/filteringProfiles?$expand=policies($expand=policy)', api='beta')['value']
                    if p['priority'] == 65000)
    link = next(link for link in baseline['policies'] if (link.get('policy') or {}).get('name') == 'Block Artificial Intelligence')
    admin.call('DELETE', '/networkAccess/filteringProfiles/%s/policies/%s' % (baseline['id'], link['id']), api='beta', expect=204)

    emulator.clear_log()
    gate, report = run(playbook, emulator, inventory, summary, check=True, jit_ai_access_fail_on_drift=True)
    assert gate.rc != 0, 'the drift gate must fail the run'
    assert emulator.writes() == []
    assert drifted(report) == {
        names[0]: [('group_members', 'Allow ChatGPT Access', ('members',))],
        names[1]: [('conditional_access_policy', 'GSA - Allow ChatGPT (JIT)', ('policy_state',))],
        names[2]: [('filtering_profile', 'Baseline', ('policies',))],
    }
    assert report[names[0]]['objects'][-1]['stray_members'] == [u for u in tenants[names[0]].users if u.startswith('sarah.jones@')]

    fixed, report = run(playbook, emulator, inventory, summary, jit_ai_access_remove_stray_members=True)
    assert fixed.rc == 0, fixed.stdout[-3000:]
    assert sorted(tenant for tenant, body in report.items() if body['drift']) == sorted(names[:3])

    after, report = run(playbook, emulator, inventory, summary, check=True)
    assert after.rc == 0 and drifted(report) == {}


@pytest.mark.slow
@pytest.mark.parametrize('fleet', [2], indirect=True)
def test_a_failing_tenant_is_summarised_as_failed(emulator, fleet, playbook, tmp_path):
    tenants, inventory = fleet
    summary = tmp_path / 'summary.json'
    broken = list(tenants)[1]
    emulator.inject('status', tenant=tenants[broken].tenant_id, method='POST', path='/networkAccess/filteringPolicies$', status=403,
                    code='Authorization_RequestDenied')
    process, report = run(playbook, emulator, inventory, summary)
    assert process.rc != 0
    assert report[broken]['failed'] is True
    failure = [o for o in report[broken]['objects'] if o['status'] == 'failed']
    assert len(failure) == 1 and '403' in failure[0]['message']
    assert all(not body['failed'] for tenant, body in report.items() if tenant != broken)
