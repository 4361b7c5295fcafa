"""The seed's Entitlement Management objects through ansible-playbook: the action group sets the connection once, a
dry run on an empty tenant predicts the whole chain, --diff shows the policy, and a second run writes nothing."""

from __future__ import annotations

import pytest

from tests.integration.test_entitlement_policy import CATALOG, JIT, PACKAGE, POLICY, seed_policy


@pytest.mark.slow
def test_seed_package_and_policy_in_one_playbook(emulator, tenant, auth, playbook):
    tasks = [
        {'name': 'JIT group', 'jitaccess.entra.group': {'display_name': JIT}},
        {'name': 'Catalog', 'jitaccess.entra.access_package_catalog': {'display_name': CATALOG}},
        {'name': 'Package', 'jitaccess.entra.access_package': {
            'display_name': PACKAGE, 'catalog': CATALOG, 'resource_roles': [{'group': JIT, 'role': 'member'}]}},
        {'name': 'Policy', 'jitaccess.entra.access_package_assignment_policy': seed_policy(tenant)},
        {'name': 'Read it back', 'jitaccess.entra.access_package_assignment_policy_info': {'access_package': PACKAGE}},
    ]
    dry_run = playbook.run(tasks, check=True, diff=True, module_defaults=auth)
    assert dry_run.rc == 0, dry_run.stdout + dry_run.stderr
    assert [r['changed'] for r in dry_run.results] == [True, True, True, True, False]
    assert dry_run.results[3]['assignment_policy']['expiration'] == {'duration': 'PT2H'}
    assert emulator.writes(tenant.tenant_id) == []

    applied = playbook.run(tasks, diff=True, module_defaults=auth)
    assert applied.rc == 0, applied.stdout + applied.stderr
    assert [r['changed'] for r in applied.results] == [True, True, True, True, False]
    assert '"duration": "PT2H"' in applied.stdout.split("TASK [Policy]")[1]
    [policy] = applied.results[4]['assignment_policies']
    assert policy['display_name'] == POLICY and policy['expiration'] == {'duration': 'PT2H'}

    emulator.clear_log()
    converged = playbook.run(tasks, module_defaults=auth)
    assert converged.rc == 0 and 'changed=0' in converged.stdout, converged.stdout
    assert emulator.writes(tenant.tenant_id) == []
