"""No secret leaks: every module runs through ansible-playbook at -vvv with --diff, with a distinctive client secret, a
certificate password and delegated access tokens, and none of them appears in stdout, stderr, the registered results
(diffs included) or the bodies the emulator received."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from tests.emulator.graph import entitlement
from tests.integration.test_entitlement_policy import CATALOG, JIT, PACKAGE, POLICY, upn

# Only characters JSON and YAML print as they are, so a leak cannot hide behind escaping.
SECRET = 'jitaccess-DISTINCTIVE-client-secret-7f3a9c'
CERT_PASSWORD = 'jitaccess-DISTINCTIVE-cert-password-41d8e2'


def fragments(secret):
    """The secret and pieces of it that identify it: its ends, and a JWT's claims and signature (every token of the
    emulator shares its header, which identifies nothing)."""
    parts = secret.split('.')
    if len(parts) == 3:
        return {secret, parts[1], parts[2], parts[2][:24]}
    return {secret, secret[:16], secret[-16:]}


def arrange(emulator, tenant, tmp_path):
    """The app's secret becomes SECRET; its certificate is written with its key encrypted under CERT_PASSWORD."""
    with emulator.lock:
        state = emulator.state(tenant.tenant_id)
        state.apps[tenant.client_id]['secret'] = SECRET
        certificate = state.apps[tenant.cert_client_id]['cert']
        entitlement.set_replication_lag(state, 0)
    path = tmp_path / 'app-encrypted.pem'
    path.write_bytes(certificate.cert.public_bytes(serialization.Encoding.PEM) + certificate.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(CERT_PASSWORD.encode())))
    return str(path)


def tasks_for(tenant, tokens, cert_path, expired):
    def delegated(name):
        return {'auth_source': 'access_token', 'access_token': tokens[name], 'client_secret': '{{ omit }}'}

    em = [
        ('jitaccess.entra.access_package_catalog', {'display_name': CATALOG}),
        ('jitaccess.entra.access_package', {'display_name': PACKAGE, 'catalog': CATALOG,
                                            'resource_roles': [{'group': JIT, 'role': 'member'}]}),
        ('jitaccess.entra.access_package_assignment_policy', {
            'display_name': POLICY, 'access_package': PACKAGE, 'catalog': CATALOG,
            'requestors': {'scope': 'specific', 'groups': ['Finance Team']},
            'approval': {'required': True, 'stages': [{'approvers': {'manager': True},
                                                       'fallback_approvers': {'users': [upn(tenant, 'it.approvals')]}}]},
            'expiration': {'hours': 2}}),
        ('jitaccess.entra.access_package_assignment', {'access_package': PACKAGE, 'target': upn(tenant, 'emily.clark'),
                                                       'expires_in_hours': 1}),
        ('jitaccess.entra.access_package_assignment_request', dict(
            delegated('sarah.jones'), access_package=PACKAGE, justification='Quarterly forecast summary')),
        ('jitaccess.entra.access_package_approval', dict(
            delegated('michael.brown'), requestor=upn(tenant, 'sarah.jones'), access_package=PACKAGE, decision='approve',
            justification='Fine for two hours')),
    ]
    gsa = [
        ('jitaccess.entra.filtering_policy', {'name': 'Allow ChatGPT', 'action': 'allow',
                                              'rules': [{'name': 'chatgpt', 'type': 'fqdn', 'destinations': ['chatgpt.com']}]}),
        ('jitaccess.entra.filtering_profile', {'name': 'Allow ChatGPT profile', 'priority': 200,
                                               'policies': [{'name': 'Allow ChatGPT'}]}),
        ('jitaccess.entra.conditional_access_policy', {
            'display_name': 'ChatGPT through its profile', 'include_groups': [JIT],
            'include_applications': ['all_internet_resources_gsa'],
            'session_controls': {'gsa_security_profile': 'Allow ChatGPT profile'}}),
    ]
    # Each _info module runs once, most of them with another kind of credential or failing, so one playbook covers
    # every module and every way a secret reaches one.
    app_credential_from = {'client_secret': '{{ omit }}', 'token_cache': False}
    infos = [
        ('jitaccess.entra.group_info', {'display_name': JIT, 'include_members': True, 'auth_source': 'certificate',
                                        'client_id': tenant.cert_client_id, 'client_certificate_path': cert_path,
                                        'client_certificate_password': CERT_PASSWORD, 'token_cache': False}),
        # As AWX injects credentials: in the environment of the ansible-playbook process (see the run below).
        ('jitaccess.entra.access_package_catalog_info', dict(app_credential_from, display_name=CATALOG)),
        ('jitaccess.entra.access_package_info', {'catalog': CATALOG, 'client_secret': SECRET + 'X'}),
        ('jitaccess.entra.access_package_assignment_policy_info', {'access_package': PACKAGE, 'auth_source': 'access_token',
                                                                   'access_token': expired, 'client_secret': '{{ omit }}'}),
        ('jitaccess.entra.access_package_assignment_info', {'access_package': PACKAGE}),
        ('jitaccess.entra.filtering_policy_info', {'id': 'Allow ChatGPT'}),
        ('jitaccess.entra.filtering_profile_info', {}),
        ('jitaccess.entra.conditional_access_policy_info', {}),
    ]
    steps = [('jitaccess.entra.group', {'display_name': JIT, 'description': 'Granted by the access package only'})]
    steps += em + gsa + infos
    return [{'name': 'step %d %s' % (number, module.rsplit('.', 1)[1]), module: args} for number, (module, args) in enumerate(steps)]


@pytest.mark.slow
def test_no_secret_or_token_in_any_output_at_vvv(emulator, tenant, auth, playbook, tmp_path):
    cert_path = arrange(emulator, tenant, tmp_path)
    tokens = {name: emulator.token_for(tenant.tenant_id, upn=upn(tenant, name)) for name in ('sarah.jones', 'michael.brown')}
    expired = emulator.token_for(tenant.tenant_id, upn=upn(tenant, 'sarah.jones'), lifetime=-60)
    defaults = dict(auth, client_secret=SECRET)
    tasks = tasks_for(tenant, tokens, cert_path, expired)

    run = playbook.run(tasks, diff=True, verbosity=3, module_defaults=defaults, env={'AZURE_CLIENT_SECRET': SECRET})

    outcome = {task['name']: (result.get('failed', False), result.get('changed')) for task, result in zip(tasks, run.results)}
    failed = sorted(name for name, (is_failed, dummy) in outcome.items() if is_failed)
    assert failed == ['step 12 access_package_info', 'step 13 access_package_assignment_policy_info', 'step 15 filtering_policy_info'], (
        failed, run.stdout[-3000:])
    assert all(changed for name, (dummy, changed) in outcome.items() if int(name.split()[1]) < 10), outcome
    assert run.results[5]['assignment_request']['state'] == 'pendingApproval'
    assert run.results[6]['approval']['decision'] == 'approve'
    assert 'AADSTS7000215' in run.results[12]['msg'] and 'expired' in run.results[13]['msg'] and 'GUID' in run.results[15]['msg']
    assert run.results[10]['groups'] and run.results[11]['catalogs'], 'certificate and environment credentials must work'
    assert run.results[0]['diff']['before'] == {} and '+++ after' in run.stdout

    haystacks = {'stdout': run.stdout, 'stderr': run.stderr, 'results and diffs': json.dumps(run.results),
                 'emulator request log': json.dumps(emulator.requests(tenant.tenant_id, kind=None), default=str)}
    for label, secret in [('client secret', SECRET), ('certificate password', CERT_PASSWORD)] + \
            [('access token of %s' % name, token) for name, token in tokens.items()] + [('expired token', expired)]:
        for piece in fragments(secret):
            for where, text in haystacks.items():
                assert piece not in text, '%s (%r) leaked into %s' % (label, piece, where)


def kept_files_text(directory):
    """Everything Ansible left under its temporary directory, as text (AnsiballZ payloads are zips of base64)."""
    import base64  # pylint: disable=import-outside-toplevel
    import io  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    import zipfile  # pylint: disable=import-outside-toplevel

    texts = []
    for path in directory.rglob('*'):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts.append(data.decode('utf-8', 'replace'))
        for blob in re.findall(rb"ZIPDATA = r?'''([A-Za-z0-9+/=\s]+)'''|ZIPDATA = r?\"\"\"([A-Za-z0-9+/=\s]+)\"\"\"", data):
            archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(b''.join(blob))))
            texts.extend(archive.read(name).decode('utf-8', 'replace') for name in archive.namelist())
    return '\n'.join(texts)


def test_what_an_interrupted_run_leaves_holds_no_secret_given_through_the_environment(emulator, tenant, auth, playbook, tmp_path):
    """ANSIBLE_KEEP_REMOTE_FILES keeps the AnsiballZ files, as an interrupted run does: with the secret given through
    client_secret_env they hold its name only; given as client_secret, the secret itself (why the README says so)."""
    arrange(emulator, tenant, tmp_path)
    task = [{'jitaccess.entra.group_info': {'display_name': JIT}}]
    through_env = dict(auth, client_secret=None, client_secret_env='TENANT_A_CLIENT_SECRET')
    for defaults, leaks in ((through_env, False), (dict(auth, client_secret=SECRET), True)):
        remote_tmp = tmp_path / ('remote-tmp-%s' % leaks)
        run = playbook.run(task, module_defaults={k: v for k, v in defaults.items() if v is not None},
                           env={'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': str(remote_tmp),
                                'TENANT_A_CLIENT_SECRET': SECRET, 'AZURE_CLIENT_SECRET': ''})
        assert not run.results[0].get('failed'), run.stdout[-2000:]
        kept = kept_files_text(remote_tmp)
        assert 'AnsiballZ' in ' '.join(str(p) for p in remote_tmp.rglob('*')) and 'display_name' in kept
        assert (SECRET in kept) is leaks
