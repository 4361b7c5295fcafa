"""Properties (hypothesis) of normalisation, comparison and option validation.

Where the emulator has the rule Graph applies (FQDNs, mail nicknames, durations, priorities), the module's check is held
to it: whatever the module lets through, the emulator accepts; whatever it stops names the option. Runs are
derandomized (the same examples every run) and keep no example database, so CI is deterministic.
"""

from __future__ import annotations

import datetime
import string
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_sections import (
    MAX_DEADLINE_DAYS, MAX_EXPIRATION_DAYS, STAGE, Expiration)
from ansible_collections.jitaccess.entra.plugins.module_utils._compare import normalise, same, same_set, subset, union
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access_rules import SIGN_IN_FREQUENCY_LIMITS, sign_in_frequency_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._durations import (
    canonical_duration, duration_from, duration_seconds, format_duration, same_duration)
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import canonical_datetime
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import canonical_destinations, fqdn_problem, validate_rules
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import (
    BASELINE_PRIORITY, LINK_PRIORITIES, PROFILE_PRIORITIES, FilteringProfileSpec, validate_links)
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec, derive_nickname, nickname_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec
from tests.emulator.graph import entitlement as emulated_em
from tests.emulator.graph.directory import valid_mail_nickname
from tests.emulator.graph.gsa import valid_fqdn

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=75)

# ---- strategies ------------------------------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(['', 'a', 'b', 'A'])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from('abc'), inner, max_size=3),
                      max_leaves=12)
hashable_items = st.lists(st.sampled_from(['a', 'b', 'c', 'd']) | st.integers(0, 3), max_size=8)

label = st.from_regex(r'[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?', fullmatch=True)
good_hosts = st.builds(lambda wildcard, labels, tld: ('*.' if wildcard else '') + '.'.join(labels + [tld]),
                       st.booleans(), st.lists(label, min_size=1, max_size=4), st.from_regex(r'[a-z][a-z0-9]{1,5}', fullmatch=True))
# Host-like text with the characters people get wrong: wildcards, URLs, ports, spaces, underscores, umlauts, dots.
messy_hosts = st.text(alphabet=string.ascii_letters + string.digits + '.-*_/: äÉ', min_size=0, max_size=40)
hosts = good_hosts | good_hosts.map(str.upper) | messy_hosts

nicknames = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=300), max_size=70) | st.text(
    alphabet=string.ascii_letters + string.digits + '._-@()[]";:<>, \\\x7f', max_size=70)

durations = st.builds(lambda w, d, h, m, s: 'P' + ('%dW' % w if w is not None else '') + ('%dD' % d if d is not None else '') + (
    'T' + ''.join('%d%s' % (n, u) for n, u in ((h, 'H'), (m, 'M'), (s, 'S')) if n is not None) if (h, m, s) != (None, None, None) else ''),
    *[st.none() | st.integers(0, 400)] * 5)
duration_text = durations | durations.map(str.lower) | st.text(alphabet='PTWDHMS0123456789 .-', max_size=12)


# ---- _compare ----------------------------------------------------------------------------------------------------------

@PROPERTY
@given(values)
def test_normalise_is_idempotent_and_never_keeps_empties(value):
    once = normalise(value)
    assert normalise(once) == once
    assert once not in ('', [], {})


@PROPERTY
@given(values, values, st.lists(values, max_size=4))
def test_same_is_reflexive_and_symmetric(left, right, items):
    assert same(left, left) and same(items, items, as_set=True)
    assert same(left, right) == same(right, left)


@PROPERTY
@given(hashable_items, st.randoms(use_true_random=False))
def test_set_comparison_ignores_order_and_duplicates(items, rng):
    shuffled = list(items) + items[:2]
    rng.shuffle(shuffled)
    assert same_set(items, shuffled)
    assert same_set(items, None) == (not items)


@PROPERTY
@given(hashable_items.map(lambda xs: [str(x) for x in xs]), hashable_items.map(lambda xs: [str(x) for x in xs]))
def test_union_keeps_everything_current_and_adds_what_is_declared(current, wanted):
    merged = union(current, wanted)
    assert set(merged) == set(current) | set(wanted)
    assert merged == sorted(merged, key=str)
    assert union(merged, wanted) == merged


@PROPERTY
@given(st.dictionaries(st.sampled_from('abcdef'), scalars), st.lists(st.sampled_from('abcdefgh'), unique=True))
def test_subset_shows_only_managed_keys(view, keys):
    shown = subset(view, keys)
    assert set(shown) == set(keys) & set(view)
    assert all(shown[key] == view[key] for key in shown)


# ---- durations (Entitlement Management) ----------------------------------------------------------------------------------

@PROPERTY
@given(st.integers(0, 10 ** 9))
def test_duration_round_trip_and_graphs_normal_form(seconds):
    text = format_duration(seconds)
    assert duration_seconds(text) == seconds
    # What the module sends is already the form Graph stores and reads back, so a converged policy shows no drift.
    assert emulated_em.timespan(text) == text


@PROPERTY
@given(duration_text)
def test_any_duration_the_module_accepts_reaches_graph_in_a_form_it_accepts(text):
    try:
        seconds = duration_seconds(text)
    except ValueError as exc:
        assert repr(text) in str(exc)
        return
    canonical = canonical_duration(text)
    assert emulated_em.duration_seconds(canonical) == seconds
    assert same_duration(text, canonical) and canonical_duration(canonical) == canonical


@PROPERTY
@given(st.integers(0, 5000), st.integers(0, 500))
def test_hours_and_days_mean_the_same_as_their_iso_form(hours, days):
    assert duration_seconds(duration_from(hours=hours)) == hours * 3600
    assert duration_seconds(duration_from(days=days)) == days * 86400
    assert same_duration(duration_from(hours=days * 24), duration_from(days=days))


@PROPERTY
@given(st.integers(-10, 10 ** 6))
def test_expiration_hours_are_accepted_exactly_in_range(hours):
    params = {'hours': hours, 'days': None, 'duration': None, 'end_date': None, 'never': None}
    if 1 <= hours <= MAX_EXPIRATION_DAYS * 24:
        view = Expiration.canonical(params)
        assert emulated_em.duration_seconds(view['duration']) == hours * 3600
    else:
        _names_option(lambda: Expiration.canonical(params), 'expiration.hours', hours)


@PROPERTY
@given(duration_text)
def test_expiration_duration_either_reaches_graph_or_names_the_option(text):
    params = {'hours': None, 'days': None, 'duration': text, 'end_date': None, 'never': None}
    try:
        view = Expiration.canonical(params)
    except ValidationError as exc:
        assert exc.option == 'expiration.duration' and repr(text) in str(exc)
        return
    assert 0 < emulated_em.duration_seconds(view['duration']) <= MAX_EXPIRATION_DAYS * 86400


@PROPERTY
@given(st.datetimes(min_value=datetime.datetime(1000, 1, 2), timezones=st.none() | st.timezones()))
def test_dates_become_utc_and_stay_put(moment):
    text = canonical_datetime(moment.isoformat())
    assert text.endswith('Z') and canonical_datetime(text) == text


@PROPERTY
@given(st.integers(-3, 30))
def test_approver_deadline_is_one_to_fourteen_days(days):
    stage = {'approvers': {'users': ['it.approvals@contoso.com']}, 'deadline_days': days}
    if 1 <= days <= MAX_DEADLINE_DAYS:
        STAGE.validate(1, stage)
    else:
        _names_option(lambda: STAGE.validate(1, stage), 'approval.stages[1].deadline_days', days)


# ---- FQDNs (Global Secure Access) ----------------------------------------------------------------------------------------

@PROPERTY
@given(hosts)
def test_every_host_the_module_accepts_graph_accepts_and_every_other_names_the_option(host):
    rules = [{'name': 'allow', 'type': 'fqdn', 'destinations': [host]}]
    if fqdn_problem(host) is None:
        validate_rules(rules)
        assert all(valid_fqdn(value) for value in canonical_destinations('fqdn', [host]))
    else:
        _names_option(lambda: validate_rules(rules), 'rules[0].destinations', host)


@PROPERTY
@given(good_hosts)
def test_well_formed_hosts_are_accepted_in_any_case(host):
    assert fqdn_problem(host) is None and fqdn_problem(host.upper()) is None
    assert canonical_destinations('fqdn', [host.upper(), host]) == [host]


@PROPERTY
@given(st.integers(-10, 70000))
def test_profile_priority_is_accepted_exactly_where_graph_accepts_it(priority):
    params = {'name': 'Allow ChatGPT profile', 'priority': priority, 'baseline': False}
    if PROFILE_PRIORITIES[0] <= priority <= PROFILE_PRIORITIES[1]:
        FilteringProfileSpec().validate(params)
    else:
        message = _names_option(lambda: FilteringProfileSpec().validate(params), 'priority', priority)
        assert ('Baseline' in message) == (priority == BASELINE_PRIORITY)


@PROPERTY
@given(st.integers(-10, 70000))
def test_link_priority_range(priority):
    links = [{'name': 'Allow ChatGPT', 'priority': priority}]
    if LINK_PRIORITIES[0] <= priority <= LINK_PRIORITIES[1]:
        validate_links(links)
    else:
        _names_option(lambda: validate_links(links), 'policies[0].priority', priority)


# ---- group nicknames ---------------------------------------------------------------------------------------------------

@PROPERTY
@given(nicknames)
def test_nickname_rule_is_graphs_rule(nickname):
    assert (nickname_problem(nickname) is None) == valid_mail_nickname(nickname)
    params = {'display_name': 'Allow ChatGPT Access', 'mail_nickname': nickname}
    if nickname_problem(nickname) is None:
        GroupSpec().validate(params)
    else:
        _names_option(lambda: GroupSpec().validate(params), 'mail_nickname', nickname)


@PROPERTY
@given(st.text(max_size=300))
def test_a_derived_nickname_is_always_valid(display_name):
    assert valid_mail_nickname(derive_nickname(display_name))


# ---- other option rules --------------------------------------------------------------------------------------------------

@PROPERTY
@given(st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()) | st.text(alphabet='0123456789abcdefABCDEF-xz ', max_size=40))
def test_ids_are_guids_or_named_bad_input(value):
    try:
        is_guid = str(uuid.UUID(value)) == value.lower() and len(value) == 36
    except ValueError:
        is_guid = False
    if is_guid:
        ResourceSpec().validate_ids({'id': value})
    else:
        _names_option(lambda: ResourceSpec().validate_ids({'id': value}), 'id', value)


@PROPERTY
@given(st.sampled_from(sorted(SIGN_IN_FREQUENCY_LIMITS)), st.integers(-5, 400))
def test_sign_in_frequency_bounds(unit, value):
    low, high = SIGN_IN_FREQUENCY_LIMITS[unit]
    problem = sign_in_frequency_problem({'value': value, 'type': unit, 'frequency_interval': 'timeBased'})
    assert (problem is None) == (low <= value <= high)


def _names_option(call, option, value):
    """The call raises one ValidationError for ``option`` that shows ``value``; returns its message."""
    try:
        call()
    except ValidationError as exc:
        assert exc.option == option, (exc.option, option)
        assert repr(value) in str(exc) or str(value) in str(exc)
        return str(exc)
    raise AssertionError('%s=%r was accepted' % (option, value))
