"""Delegated sign-in through ansible-playbook against the emulator's token service: the device code is shown in the
play's output while the task waits, the emulated person completes it, and requests and approvals run as that person."""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import urllib.request

import yaml

from tests.integration.test_access_lifecycle import DATA, PACKAGE, TASK, jit, stored_requests, upn  # noqa: F401  pylint: disable=unused-import

PROMPT = re.compile(r'^(?P<task>[^:\n]+): to sign in as (?P<user>\S+), open (?P<url>\S+) and enter the code (?P<code>\w+) '
                    r'\(valid until \d\d:\d\d UTC\)$', re.M)


def complete_sign_in(emulator, tenant_id, user_code, person):
    """What the person does in a browser: enter the code and sign in (the emulator's control plane)."""
    body = json.dumps({'tenant': tenant_id, 'user_code': user_code, 'upn': person}).encode()
    request = urllib.request.Request(emulator.base_url + '/_emulator/devicelogin', data=body, method='POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=emulator.ca_path), timeout=10) as answer:
        return json.loads(answer.read())


def run_with_sign_ins(workdir, collections, tasks, module_defaults, emulator, tenant, who_signs_in=None):
    """Run a play on localhost; each device code it shows is completed, as it appears, by ``who_signs_in(user)``
    (default: the user the prompt names). Returns (return code, output, prompts seen, registered results)."""
    results_file = workdir / 'results.json'
    names = ['result_%d' % index for index in range(len(tasks))]
    collect = '{{ {%s} | to_json }}' % ', '.join("'%s': %s | default({})" % (name, name) for name in names)
    play = {'name': 'sign in', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
            'vars': {'ansible_python_interpreter': sys.executable},
            'module_defaults': {'group/jitaccess.entra.graph': module_defaults},
            'tasks': [dict(task, register=name, ignore_errors=True) for task, name in zip(tasks, names)] + [
                {'name': 'Record results', 'ansible.builtin.copy': {'content': collect, 'dest': str(results_file)}}]}
    (workdir / 'play.yml').write_text(yaml.safe_dump([play], sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', PYTHONUNBUFFERED='1')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', 'play.yml']
    output, prompts = [], []
    with subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            output.append(line)
            match = PROMPT.match(line.rstrip('\n'))
            if match:
                prompts.append(match.groupdict())
                person = (who_signs_in or (lambda user: user))(match['user'])
                complete_sign_in(emulator, tenant.tenant_id, match['code'], person)
        process.wait(timeout=600)
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return process.returncode, ''.join(output), prompts, [results.get(name, {}) for name in names]


def sign_in_defaults(emulator, tenant, cache_dir):
    """Device code sign-in to the tenant's public client app; no secret anywhere."""
    return {'auth_source': 'device_code', 'tenant_id': tenant.tenant_id, 'client_id': tenant.client_id,
            'authority_host': emulator.base_url, 'graph_endpoint': emulator.base_url, 'ca_bundle': emulator.ca_path,
            'token_cache_dir': str(cache_dir)}


def test_device_code_request_by_one_person_approval_by_another(emulator, tenant, jit, tmp_path, collections):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    sarah, michael = upn(tenant, 'sarah.jones'), upn(tenant, 'michael.brown')
    ask = {'access_package': PACKAGE, 'justification': 'Summarise the Q3 forecast for the board pack', 'username': sarah,
           'answers': [{'question': TASK, 'answer': 'Q3 forecast summary'}, {'question': DATA, 'answer': 'No customer data'}]}
    tasks = [
        {'name': 'Sarah asks', 'jitaccess.entra.access_package_assignment_request': ask},
        {'name': 'Michael approves', 'jitaccess.entra.access_package_approval': {
            'requestor': sarah, 'access_package': PACKAGE, 'decision': 'approve', 'justification': 'Fine for two hours',
            'username': michael}},
        {'name': 'Sarah looks again', 'jitaccess.entra.access_package_assignment_request': ask},
    ]
    rc, output, prompts, results = run_with_sign_ins(tmp_path, collections, tasks, sign_in_defaults(emulator, tenant, tmp_path / 'cache'),
                                                     emulator, tenant)
    assert rc == 0, output
    # One code per person, shown in the play's output under the task that waits for it; Sarah's second task reuses her token.
    assert [(p['task'], p['user']) for p in prompts] == [('Sarah asks', sarah), ('Michael approves', michael)], output
    assert all(p['url'] == emulator.base_url + '/devicelogin' for p in prompts)
    assert output.index(prompts[0]['code']) < output.index('TASK [Michael approves]')
    asked, approved, again = results
    assert asked['changed'] is True and asked['assignment_request']['state'] == 'pendingApproval', asked
    assert approved['changed'] is True and approved['approval']['decision'] == 'approve', approved
    assert approved['approval']['reviewed_by'] == 'Michael Brown'
    assert again['changed'] is False and again['assignment_request']['state'] == 'delivered', again
    assert len(stored_requests(emulator, tenant)) == 1
    # The tokens came from the device code grant, one per person, each naming its user.
    grants = [entry for entry in emulator.requests(tenant.tenant_id, kind='token')
              if (entry.get('body') or {}).get('grant_type') == 'urn:ietf:params:oauth:grant-type:device_code' and entry.get('status') == 200]
    assert sorted(entry['identity'] for entry in grants) == sorted(['user:' + sarah, 'user:' + michael]), grants
    assert 'eyJ' not in output


def test_device_code_refuses_another_person_than_username(emulator, tenant, jit, tmp_path, collections):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    sarah, michael = upn(tenant, 'sarah.jones'), upn(tenant, 'michael.brown')
    tasks = [{'name': 'Michael approves', 'jitaccess.entra.access_package_approval': {
        'requestor': sarah, 'access_package': PACKAGE, 'decision': 'approve', 'username': michael}}]
    rc, output, prompts, _results = run_with_sign_ins(tmp_path, collections, tasks, sign_in_defaults(emulator, tenant, tmp_path / 'cache'),
                                                      emulator, tenant, who_signs_in=lambda user: sarah)
    assert len(prompts) == 1 and rc == 0, output  # ignore_errors: the play goes on
    assert 'username=%s, but %s signed in; refusing to act for another person' % (michael, sarah.lower()) in output, output
    assert emulator.writes(tenant.tenant_id) == []


def test_modules_with_the_sign_in_action_still_run_async_and_in_check_mode(emulator, tenant, auth, jit, playbook):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    """The action plugin runs the module as the normal action does: `async` and check mode keep working."""
    tasks = [{'name': 'Who has it, in the background', 'jitaccess.entra.access_package_assignment_info': {'access_package': PACKAGE},
              'async': 60, 'poll': 1},
             {'name': 'Who has it, checked', 'jitaccess.entra.access_package_assignment_info': {'access_package': PACKAGE},
              'check_mode': True}]
    run = playbook.run(tasks, module_defaults=auth)
    assert run.rc == 0, run.stdout + run.stderr
    assert [result.get('assignments') for result in run.results] == [[], []], run.results
    assert run.results[0]['finished'] == 1
