# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Settling a create race: two runs that find no object with a natural key and create one each at the same moment.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import datetime
import re


def keep_oldest(ctx, spec, created, after):
    """Settle a create race: when objects with the natural key of the one just created exist besides it, every run
    keeps the oldest (createdDateTime, then id), so racers that see each other agree. A run whose own object is
    newer deletes it and adopts the oldest. Returns the object to keep."""
    twins = spec.twins(ctx, created, after)
    if not twins:
        return created
    oldest = min(twins + [created], key=age_order)
    if oldest['id'] == created['id']:
        return created
    spec.delete(ctx, created)
    ctx.client.remember(oldest['id'])
    ctx.warn('another run created %s %r at the same time; this run deleted its own (%s) and kept the older one (%s)' % (
        spec.noun, after.get(spec.name_option), created['id'], oldest['id']))
    return oldest


def age_order(obj):
    """Sort key, oldest first: createdDateTime (Graph writes 0 to 7 decimals), then id; unknown times sort last, alike."""
    stamp = re.sub(r'(\.\d{1,6})\d*', r'\1', str(obj.get('createdDateTime') or '')).replace('Z', '+00:00')
    try:
        created = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        created = datetime.datetime.max
    return created.replace(tzinfo=created.tzinfo or datetime.timezone.utc), str(obj.get('id')).lower()
