"""Secrets never reach a log: every module's full argument spec (auth options included) marks secret options no_log.

The spec is taken from the AnsibleModule each module's main() builds, so a module that assembles its options in some
other way is covered too."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from ansible.module_utils import basic

REPO = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (REPO / 'plugins' / 'modules').glob('*.py') if path.stem != '__init__')
# What a user must never see echoed: the secrets the auth options carry.
SECRETS = ('client_secret', 'client_certificate_password', 'access_token')
# Names that suggest a secret (broader than ansible-test's no-log-needed rule).
SUSPICIOUS = re.compile(r'secret|pass(?!ive)|pwd|token|credential|assertion|private|api_?key|cookie|bearer|sas|signature', re.I)
# Options whose name matches but whose value is not a secret, and why.
NOT_SECRET = {
    'token_cache': 'a switch (bool)',
    'token_cache_dir': 'where cached tokens live (a directory path, the files are owner-only)',
    'federated_token_file': 'the path of a token file, not its content',
    'client_certificate_path': 'the path of the key file, not the key',
    'client_secret_env': 'the name of an environment variable, not its value',
    'client_certificate_password_env': 'the name of an environment variable, not its value',
}


class Built(Exception):
    """Raised instead of building the module, carrying the arguments AnsibleModule got."""

    def __init__(self, kwargs):
        super().__init__('built')
        self.kwargs = kwargs


def argument_spec(name, monkeypatch):
    def capture(self, *args, **kwargs):  # pylint: disable=unused-argument
        raise Built(dict(kwargs, argument_spec=args[0] if args else kwargs.get('argument_spec')))
    monkeypatch.setattr(basic.AnsibleModule, '__init__', capture)
    module = importlib.import_module('ansible_collections.jitaccess.entra.plugins.modules.%s' % name)
    with pytest.raises(Built) as built:
        module.main()
    return built.value.kwargs['argument_spec']


def walk(spec, prefix=''):
    """(dotted option name, its spec) for every option and sub-option."""
    for name, option in spec.items():
        yield prefix + name, option
        if option.get('options'):
            yield from walk(option['options'], prefix + name + '.')


def test_the_walk_finds_the_modules():
    assert {'group', 'conditional_access_policy', 'access_package_approval'} <= set(MODULES) and len(MODULES) >= 18


@pytest.mark.parametrize('name', MODULES)
def test_secret_options_are_no_log(name, monkeypatch):
    options = dict(walk(argument_spec(name, monkeypatch)))
    for secret in SECRETS:
        assert options[secret].get('no_log') is True, '%s: %s must be no_log' % (name, secret)
        assert options[secret].get('default') is None, '%s: %s must have no default' % (name, secret)
    for option, spec in options.items():
        leaf = option.rsplit('.', 1)[-1]
        if SUSPICIOUS.search(leaf) and leaf not in NOT_SECRET:
            assert spec.get('no_log') is True, '%s: option %s looks like a secret but is not no_log' % (name, option)


@pytest.mark.parametrize('option', sorted(NOT_SECRET))
def test_exempt_options_really_hold_no_secret(option, monkeypatch):
    spec = dict(walk(argument_spec('group', monkeypatch)))[option]
    # A name of an environment variable (..._env) is a str that names where the secret is, never the secret.
    assert spec['type'] in ('bool', 'path') or (option.endswith('_env') and spec.get('no_log') is False), \
        '%s is exempt only while it is a flag, a path or the name of an environment variable' % option
