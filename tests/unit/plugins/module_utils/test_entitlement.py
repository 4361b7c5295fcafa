"""Entitlement Management pure functions: durations, dates, group roles of catalog resources, resource role items."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import (
    ResourceRoles, role_of, role_scope_item, validate_resource_roles)
from ansible_collections.jitaccess.entra.plugins.module_utils._durations import (
    canonical_duration, duration_from, duration_seconds, format_duration, same_duration)
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import canonical_datetime
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError

GROUP = '0282e19d-bf41-435d-92a4-99bab93af305'


@pytest.mark.parametrize('text, seconds', [
    ('PT2H', 7200), ('P14D', 14 * 86400), ('PT48H', 2 * 86400), ('P1DT12H', 36 * 3600), ('PT90M', 5400),
    ('PT0S', 0), ('P1W', 7 * 86400), ('pt2h', 7200), (' PT30S ', 30), ('P1W2DT3H4M5S', 9 * 86400 + 3 * 3600 + 4 * 60 + 5),
])
def test_duration_seconds(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize('text', ['', 'P', 'PT', '2 hours', 'P1M', 'P1Y', 'PT1.5H', 'P-1D', 'T2H', None, 7200])
def test_duration_seconds_rejects(text):
    with pytest.raises(ValueError):
        duration_seconds(text)


@pytest.mark.parametrize('seconds, text', [
    (7200, 'PT2H'), (14 * 86400, 'P14D'), (2 * 86400, 'P2D'), (36 * 3600, 'P1DT12H'), (5400, 'PT1H30M'), (0, 'PT0S'),
    (86400 + 1, 'P1DT1S'),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize('left, right, same', [
    ('PT48H', 'P2D', True), ('PT2H', 'PT120M', True), ('P1W', 'P7D', True), ('PT2H', 'PT3H', False),
    (None, None, True), ('PT2H', None, False), (None, 'P1D', False),
])
def test_same_duration(left, right, same):
    assert same_duration(left, right) is same
    if left and right:
        assert (canonical_duration(left) == canonical_duration(right)) is same


@pytest.mark.parametrize('kwargs, text', [
    ({'hours': 2}, 'PT2H'), ({'hours': 48}, 'P2D'), ({'days': 14}, 'P14D'), ({'duration': 'PT2880M'}, 'P2D'),
    ({'duration': 'p1dt12h'}, 'P1DT12H'),
])
def test_duration_from(kwargs, text):
    assert duration_from(**kwargs) == text


@pytest.mark.parametrize('kwargs', [{}, {'hours': 1, 'days': 1}, {'duration': 'P1M'}])
def test_duration_from_rejects(kwargs):
    with pytest.raises(ValueError):
        duration_from(**kwargs)


@pytest.mark.parametrize('text, canonical', [
    ('2026-12-31', '2026-12-31T00:00:00Z'), ('2026-12-31T17:00:00Z', '2026-12-31T17:00:00Z'),
    ('2026-12-31T17:00:00.1234567Z', '2026-12-31T17:00:00Z'), ('2026-12-31T18:00:00+01:00', '2026-12-31T17:00:00Z'),
    ('2026-12-31T17:00:00', '2026-12-31T17:00:00Z'),
])
def test_canonical_datetime(text, canonical):
    assert canonical_datetime(text) == canonical


@pytest.mark.parametrize('text', ['tomorrow', '31/12/2026', '', None])
def test_canonical_datetime_rejects(text):
    with pytest.raises(ValueError):
        canonical_datetime(text)


@pytest.mark.parametrize('role, parsed', [
    ({'originSystem': 'AadGroup', 'originId': 'Member_%s' % GROUP.upper()}, (GROUP, 'member')),
    ({'originSystem': 'AadGroup', 'originId': 'Owner_%s' % GROUP}, (GROUP, 'owner')),
    ({'originSystem': 'AadGroup', 'originId': 'Reader_%s' % GROUP}, None),
    ({'originSystem': 'SharePointOnline', 'originId': 'Member_%s' % GROUP}, None),
    ({'originSystem': 'AadGroup', 'originId': 'Member'}, None),
    ({}, None),
])
def test_role_of(role, parsed):
    assert role_of(role) == parsed


def test_role_scope_items_name_groups_and_keep_other_resources_readable():
    group_scope = {'id': 'r_s', 'role': {'originSystem': 'AadGroup', 'originId': 'Member_%s' % GROUP}}
    assert role_scope_item(group_scope, {GROUP: 'Allow ChatGPT Access'}) == {'group': 'Allow ChatGPT Access', 'group_id': GROUP, 'role': 'member'}
    assert role_scope_item(group_scope, {})['group'] == GROUP
    site = {'id': 'x_y', 'role': {'originSystem': 'SharePointOnline', 'originId': '4', 'displayName': 'Visitors'}}
    assert role_scope_item(site, {}) == {'resource': '4', 'origin_system': 'SharePointOnline', 'role': 'Visitors'}


def test_resource_roles_are_keyed_by_group_and_role():
    roles = ResourceRoles()
    member = {'group': 'JIT', 'group_id': GROUP, 'role': 'member'}
    owner = dict(member, role='owner')
    assert roles.plan([member], [owner], purge=False) in ([member, owner], [owner, member])
    assert roles.plan([member], [owner], purge=True) == [owner]
    assert roles.differs([member], roles.plan([member], [member], purge=True)) is False
    assert roles.differs([member], [dict(member, group='JIT (renamed)')]) is False, 'the id, not the name, identifies the group'
    assert roles.differs([member], [owner]) is True


@pytest.mark.parametrize('items, fragment', [
    ([{'group': '', 'role': 'member'}], "resource_roles[1].group='': every resource role needs a group"),
    ([{'group': None}], 'resource_roles[1].group=None'),
    ([{'group': 'A', 'role': 'member'}, {'group': 'a ', 'role': 'member'}], "resource_roles[2].group='a ': the same group and role"),
])
def test_validate_resource_roles(items, fragment):
    with pytest.raises(ValidationError) as info:
        validate_resource_roles(items)
    assert fragment in str(info.value)


def test_validate_resource_roles_accepts_one_group_in_two_roles():
    validate_resource_roles([{'group': 'A', 'role': 'member'}, {'group': 'A', 'role': 'owner'}])
    validate_resource_roles(None)
