"""The example inventory's credential mapping through the shipped playbooks: per-host certificates with their
passwords in the environment, against two emulator tenants; nothing secret in the inventory or in module arguments."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.integration.harness import REPO
from tests.integration.test_awx_credential_type import CREDENTIAL_ENV

EXAMPLE = yaml.safe_load((REPO / 'inventories' / 'example' / 'hosts.yml').read_text())


def encrypted_certificate(source, target, password):
    """The emulator app's certificate followed by its private key, encrypted with ``password`` (PEM)."""
    pem = Path(source).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    certificate = x509.load_pem_x509_certificate(pem)
    Path(target).write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(password.encode())))
    Path(target).chmod(0o600)
    return str(target)


def test_example_inventory_with_a_certificate_per_host(emulator, tmp_path, collections):
    tenants = {'contoso': emulator.add_tenant(), 'fabrikam': emulator.add_tenant()}
    inventory = copy.deepcopy(EXAMPLE)
    shape = {key: value for key, value in inventory['tenants']['hosts']['fabrikam'].items() if key.startswith('entra_')}
    assert set(shape) == {'entra_tenant_id', 'entra_client_id', 'entra_client_certificate_path', 'entra_client_certificate_password_env'}
    env = {name: value for name, value in os.environ.items() if name not in CREDENTIAL_ENV}
    for host, tenant in tenants.items():
        # Fabrikam's entry as shipped, for both hosts: only ids are inventory text, the rest names environment variables.
        entry = {key: value.replace('FABRIKAM', host.upper()) for key, value in shape.items()}
        entry.update(entra_tenant_id=tenant.tenant_id, entra_client_id=tenant.cert_client_id)
        inventory['tenants']['hosts'][host] = entry
        password = 'pw-%s-%s' % (host, os.urandom(4).hex())
        env['%s_CERTIFICATE_PATH' % host.upper()] = encrypted_certificate(tenant.cert_path, tmp_path / ('%s.pem' % host), password)
        env['%s_CERTIFICATE_PASSWORD' % host.upper()] = password
    inventory['tenants']['vars'] = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    text = yaml.safe_dump(inventory)
    assert 'pw-' not in text and 'PRIVATE KEY' not in text
    (tmp_path / 'hosts.yml').write_text(text)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1', AZURE_AUTHORITY_HOST=emulator.base_url,
               ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path, ENTRA_TOKEN_CACHE_DIR=str(tmp_path / 'cache'))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'hosts.yml',
               str(REPO / 'playbooks' / 'audit.yml'), '-vvv']
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    for host, tenant in tenants.items():
        tokens = emulator.requests(tenant.tenant_id, kind='token')
        assert tokens and all(t['body']['client_id'] == tenant.cert_client_id and 'client_assertion' in t['body'] for t in tokens), host
        assert emulator.requests(tenant.tenant_id, kind='graph'), host
        # -vvv shows every module argument: the password's variable name, never the password.
        assert env['%s_CERTIFICATE_PASSWORD' % host.upper()] not in run.stdout + run.stderr
        assert '%s_CERTIFICATE_PASSWORD' % host.upper() in run.stdout
