# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Normalisation and comparison of managed values (pure functions, unit-tested on plain data).

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations


def normalise(value):
    """Canonical form for comparison: empty strings, lists and dicts mean "not set" like Graph's nulls."""
    if value in ('', [], {}):
        return None
    if isinstance(value, dict):
        cleaned = {key: normalise(item) for key, item in value.items()}
        cleaned = {key: item for key, item in cleaned.items() if item is not None}
        return cleaned or None
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    return value


def same_set(left, right):
    """Lists compared as sets (order and duplicates ignored); None equals an empty list."""
    return _set_key(left) == _set_key(right)


def _set_key(items):
    return sorted({_freeze(normalise(item)) for item in (items or [])}, key=repr)


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


def same(left, right, as_set=False):
    if as_set:
        return same_set(left, right)
    return normalise(left) == normalise(right)


def union(current, wanted):
    """Members kept without purge: what is there plus what is declared, in a stable order."""
    merged = list(current or [])
    merged.extend(item for item in wanted or [] if item not in merged)
    return sorted(merged, key=str)


def subset(view, keys):
    """The part of a resource view a diff shows: the managed keys only."""
    return {key: view[key] for key in keys if key in view}
