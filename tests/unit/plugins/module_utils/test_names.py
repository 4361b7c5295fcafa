"""The shared name check and the anchored patterns: a trailing newline or an invisible character never passes."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import fqdn_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._names import name_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._references import GUID, UPN
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import check_name


@pytest.mark.parametrize('value, fragment', [
    ('', 'blank'), ('   ', 'blank'), (5, 'string'),
    ('Chat\x00GPT', 'U+0000'), ('ChatGPT\n', 'U+000A'), ('Chat\tGPT', 'U+0009'), ('Chat\u202eGPT', 'U+202E RIGHT-TO-LEFT OVERRIDE'),
    ('Chat\u200bGPT', 'U+200B ZERO WIDTH SPACE'), ('Chat\u200dGPT', 'U+200D'), ('\ufeffChatGPT', 'U+FEFF'), ('Chat\u2028GPT', 'U+2028'),
    ('Chat\u2066GPT', 'U+2066'), ('x' * 257, 'at most 256 characters (has 257)'),
])
def test_name_problem_refuses(value, fragment):
    assert fragment in name_problem(value, max_length=256)


@pytest.mark.parametrize('value', ['ChatGPT', 'GSA - Allow ChatGPT (JIT)', 'Bücher für alle', 'שלום', 'ChatGPT 🤖', 'x' * 256])
def test_name_problem_accepts(value):
    assert name_problem(value, max_length=256) is None


def test_check_name_names_the_option_and_shows_the_value_on_one_line():
    with pytest.raises(ValidationError) as info:
        check_name('rules[0].name', 'r\n')
    assert info.value.option == 'rules[0].name'
    assert str(info.value).startswith("rules[0].name='r\\n': must not contain a control character") and '\n' not in str(info.value)
    check_name('display_name', None)


@pytest.mark.parametrize('pattern, valid', [(GUID, '0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11'), (UPN, 'sarah@contoso.com')])
def test_patterns_refuse_a_trailing_newline(pattern, valid):
    assert pattern.match(valid)
    assert not pattern.match(valid + '\n')


def test_fqdn_refuses_a_trailing_newline():
    assert fqdn_problem('chatgpt.com') is None
    assert 'label' in fqdn_problem('chatgpt.com\n')
