# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ISO 8601 durations as Graph writes them (``PT2H``, ``P14D``): parse, format and compare them, and the field type of
a duration property.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError

# Weeks, days, hours, minutes, seconds: the parts of a duration with a fixed length (months and years vary).
_DURATION = re.compile(r'\AP(?=\d|T\d)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\Z')
_DURATION_UNITS = (('D', 86400), ('H', 3600), ('M', 60), ('S', 1))
_UNIT_SECONDS = {'hours': 3600, 'days': 86400}


def duration_seconds(text):
    """Seconds in an ISO 8601 duration such as ``PT2H`` or ``P1DT12H``; ValueError for anything else."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not match:
        raise ValueError('%r is not an ISO 8601 duration of weeks, days, hours, minutes and seconds (e.g. PT2H, P14D)' % (text,))
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def format_duration(seconds):
    """The canonical ISO 8601 form of a number of seconds: whole days as ``P2D``, the rest as ``PT2H``, ``P1DT12H``."""
    days, rest = divmod(int(seconds), 86400)
    time_part = ''
    for unit, size in _DURATION_UNITS[1:]:
        count, rest = divmod(rest, size)
        if count:
            time_part += '%d%s' % (count, unit)
    if not days and not time_part:
        return 'PT0S'
    return ('P%dD' % days if days else 'P') + ('T' + time_part if time_part else '')


def canonical_duration(text):
    """``PT48H`` -> ``P2D``: one spelling per length, so durations compare by meaning."""
    return format_duration(duration_seconds(text))


def same_duration(left, right):
    """True when two ISO 8601 durations are the same length (None equals only None)."""
    if left is None or right is None:
        return left is right
    return duration_seconds(left) == duration_seconds(right)


def duration_from(hours=None, days=None, duration=None):
    """The canonical duration for exactly one of hours, days or an ISO 8601 string."""
    given = [value for value in (hours, days, duration) if value is not None]
    if len(given) != 1:
        raise ValueError('give exactly one of hours, days or duration')
    if hours is not None:
        return format_duration(int(hours) * 3600)
    if days is not None:
        return format_duration(int(days) * 86400)
    return canonical_duration(duration)


class Duration(Field):
    """An ISO 8601 duration in Graph, compared by length. ``unit`` ('hours' or 'days') makes the option a whole number
    of them; None keeps the ISO 8601 text (shown canonical: ``PT48H`` as ``P2D``)."""

    def __init__(self, option, prop, unit=None, **kwargs):
        super().__init__(option, prop, **kwargs)
        self.unit = unit

    def validate(self, value, option_path=None):
        if value is not None and self.unit is None:
            try:
                duration_seconds(value)
            except ValueError as exc:
                raise ValidationError(option_path or self.option, value, str(exc)) from exc

    def show(self, ctx, value):
        if value is None:
            return None
        try:
            seconds = duration_seconds(value)
        except ValueError:
            return value
        if self.unit is None:
            return format_duration(seconds)
        size = _UNIT_SECONDS[self.unit]
        return seconds // size if seconds % size == 0 else value

    def wanted(self, ctx, declared):
        return canonical_duration(declared) if self.unit is None and declared is not None else declared

    def same(self, before, after):
        return self.seconds(before) == self.seconds(after)

    def seconds(self, value):
        if value is None:
            return None
        if self.unit is None or isinstance(value, str):
            return duration_seconds(value)
        return int(value) * _UNIT_SECONDS[self.unit]

    def write(self, value):
        return None if value is None else format_duration(self.seconds(value))
