# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a reference to another object is: an id (a GUID), a name, a user principal name; whether an object is the one
a reference names; the error of a reference (or a state) a module refuses. The run's resolver is in _resolver.py.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import re

# \Z, not $: $ also matches before a trailing newline, and an id ending in one would reach a request path.
GUID = re.compile(r'\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z')
UPN = re.compile(r'\A[^@\s]+@[^@\s]+\.[^@\s]+\Z')
EM = '/identityGovernance/entitlementManagement'


class ResourceError(Exception):
    """A state the module refuses to act on (ambiguous name, object still referenced, ...)."""


def is_guid(value):
    return bool(GUID.match(value or ''))


def names_object(obj, reference, name_property='displayName'):
    """True when ``reference`` is the object's id, or (not a GUID) its name in any case, as Graph's ``eq`` compares."""
    if is_guid(reference):
        return (obj.get('id') or '').lower() == reference.lower()
    return (obj.get(name_property) or '').lower() == reference.lower()


def assume_created_earlier(ctx, reference, noun, exc, name_property='displayName'):
    """In check mode an earlier task of the play may only have predicted ``reference`` (a name): warn and stand in a
    placeholder without an id. Outside check mode, or for an id, the lookup error ``exc`` stands."""
    if not ctx.check_mode or is_guid(reference):
        raise exc
    ctx.warn('no %s is named %r yet; check mode assumes an earlier task creates it' % (noun, reference))
    return {'id': None, name_property: reference}


# Friendly names of the Global Secure Access traffic profiles, which Conditional Access targets as applications.
APPLICATION_ALIASES = {
    'all_internet_resources_gsa': '5dc48733-b5df-475c-a49b-fa307ef00853',
    'microsoft_apps_gsa': 'c08f52c9-8f03-4558-a0ea-9a4c878cf343',
    'all_private_resources_gsa': 'e92b9b37-1b47-4c01-9fbc-91d84450870e',
}
