"""Group spec rules that need no Graph: mail nickname validation and derivation."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._group import derive_nickname, nickname_problem


@pytest.mark.parametrize('value, problem', [
    ('AllowChatGPTAccess', None),
    ('jit.chat-gpt_1', None),
    ('x' * 64, None),
    ('', 'must not be empty'),
    ('x' * 65, 'at most 64'),
    ('a b', "' '"),
    ('a@b', "'@'"),
    ('caf\u00e9', 'ASCII'),
    ('a;b', "';'"),
])
def test_nickname_problem(value, problem):
    found = nickname_problem(value)
    if problem is None:
        assert found is None
    else:
        assert problem in found


@pytest.mark.parametrize('name, nickname', [
    ('Allow ChatGPT Access', 'AllowChatGPTAccess'),
    ('Allow (Claude) access!', 'AllowClaudeaccess'),
    ('\u00c4\u00d6', 'group'),
    ('y' * 80, 'y' * 64),
])
def test_derive_nickname(name, nickname):
    assert derive_nickname(name) == nickname
    assert nickname_problem(derive_nickname(name)) is None
