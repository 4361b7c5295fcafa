"""What lets a task wait for objects an earlier task created, and how a create race picks the object to keep."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils import _token_cache
from ansible_collections.jitaccess.entra.plugins.module_utils._create_race import age_order
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphClient
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import RecentCreates

A, B = 'aaaaaaaa-0000-4000-8000-000000000000', 'bbbbbbbb-0000-4000-8000-000000000000'


@pytest.mark.parametrize('first, second', [
    ({'createdDateTime': '2025-01-01T10:00:00Z', 'id': B}, {'createdDateTime': '2025-01-01T10:00:01Z', 'id': A}),
    # A fraction sorts by time, not as text ('.' < 'Z' would put 10:00:00.5 before 10:00:00).
    ({'createdDateTime': '2025-01-01T10:00:00Z', 'id': B}, {'createdDateTime': '2025-01-01T10:00:00.5Z', 'id': A}),
    ({'createdDateTime': '2025-01-01T10:00:00.1234567Z', 'id': B}, {'createdDateTime': '2025-01-01T10:00:00.2Z', 'id': A}),
    ({'createdDateTime': '2025-01-01T11:00:00+01:00', 'id': B}, {'createdDateTime': '2025-01-01T10:00:00.5Z', 'id': A}),
    # Whole seconds tie: the id decides, the same way in every run.
    ({'createdDateTime': '2025-01-01T10:00:00Z', 'id': A}, {'createdDateTime': '2025-01-01T10:00:00Z', 'id': B.upper()}),
    # Unknown times sort after known ones, and among themselves by id.
    ({'createdDateTime': '2025-01-01T10:00:00Z', 'id': B}, {'id': A}),
    ({'createdDateTime': 'yesterday', 'id': A}, {'id': B}),
])
def test_age_order_puts_the_older_object_first(first, second):
    assert age_order(first) < age_order(second)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(_token_cache.time, 'time', lambda: now[0])
    return now


def test_recent_creates_keep_entries_for_the_window_only(tmp_path, clock):
    recent = RecentCreates(str(tmp_path / 'cache'), 'tenant', window=15)
    assert recent.entries() == []
    recent.add('v1.0', '/groups', 'Allow ChatGPT Access', A)
    clock[0] += 10
    recent.add('beta', '/networkAccess/filteringPolicies', 'Allow ChatGPT', B)
    assert [entry['id'] for entry in recent.entries()] == [A, B]
    clock[0] += 6
    assert [entry['id'] for entry in recent.entries()] == [B]
    recent.forget(B)
    assert recent.entries() == []
    assert (tmp_path / 'cache').stat().st_mode & 0o777 == 0o700


def test_files_of_tenants_with_nothing_recent_are_removed(tmp_path, clock):
    RecentCreates(str(tmp_path), 'quiet', window=15).add('v1.0', '/groups', 'Old', A)
    clock[0] += 60
    (tmp_path / 'created-quiet.json').touch()
    os.utime(tmp_path / 'created-quiet.json', (clock[0] - 60, clock[0] - 60))
    RecentCreates(str(tmp_path), 'busy', window=15).add('v1.0', '/groups', 'New', B)
    assert sorted(path.name for path in tmp_path.iterdir()) == ['created-busy.json']


@pytest.mark.parametrize('content', ['', 'not json', '{"id": 1}', '[1, "x", {"at": "never"}]'])
def test_an_unreadable_record_is_no_record(tmp_path, content):
    recent = RecentCreates(str(tmp_path), 'tenant', window=15)
    (tmp_path / 'created-tenant.json').write_text(content)
    assert recent.entries() == []


@pytest.fixture
def client(tmp_path, clock, monkeypatch):  # pylint: disable=unused-argument
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'not-here'))
    connection = SimpleNamespace(graph_endpoint='https://graph.example', tenant_id='T', params={'consistency_timeout': 60.0},
                                 cache_directory=lambda kind: str(tmp_path / kind))
    graph = GraphClient(connection)
    graph.recent_creates.add('v1.0', '/groups', "Sam's group", A)
    return graph


@pytest.mark.parametrize('path, api, params, items, waits', [
    ('/groups', 'v1.0', None, [], True),
    ('/groups', 'v1.0', None, [{'id': A}], False),
    ('/groups', 'v1.0', {'$filter': "displayName eq 'Sam''s group'"}, [], True),
    ('/groups', 'v1.0', {'$filter': "displayName eq 'SAM''S GROUP'"}, [], True),
    ('/groups', 'v1.0', {'$filter': "displayName eq 'Other'"}, [], False),
    # A filter the client cannot evaluate itself: no waiting on a guess.
    ('/groups', 'v1.0', {'$filter': "startswith(displayName, 'Sam')"}, [], False),
    ('/groups', 'beta', None, [], False),
    ('/users', 'v1.0', None, [], False),
])
def test_a_listing_waits_for_a_recent_create_it_should_show(client, path, api, params, items, waits):  # pylint: disable=redefined-outer-name
    assert bool(client._unlisted(path, api, params, items)) is waits  # pylint: disable=protected-access


def test_deleting_forgets_the_record(client, monkeypatch, tmp_path):  # pylint: disable=redefined-outer-name
    monkeypatch.setattr(client, 'request', lambda *args, **kwargs: None)
    client.delete('/groups/%s' % A)
    assert client.recent_creates.entries() == []
    assert not (tmp_path / 'not-here').exists()
