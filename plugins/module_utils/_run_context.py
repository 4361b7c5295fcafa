# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The typed run context every hook of a run gets: the module's parameters, the Graph client, check mode, the
reference resolver, and the slots the spec declares.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations


class Context:
    """What spec hooks get: the parameters, the Graph client, check mode, the reference resolver, and a place to warn.

    Typed: the spec declares its ``slots`` (name -> what it holds); setting any other attribute is an AttributeError,
    and reading a declared slot before a hook set it names the slot."""

    BASE_SLOTS = ('module', 'params', 'check_mode', 'client', 'refs', 'ids', 'current')

    def __init__(self, module, slots=None):
        object.__setattr__(self, '_slots', dict(slots or {}))
        object.__setattr__(self, '_listings', {})  # kind -> a listing read before the resolver was made
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.client = None
        self.ids = {}  # relation option -> {label: object id}, from reads and resolution
        self.current = None  # the object found, as Graph returned it: what it already references needs no lookup

    def __setattr__(self, name, value):
        slots = self._slots
        if name not in self.BASE_SLOTS and name not in slots:
            raise AttributeError('%r is not a slot of this run context (slots: %s); declare it in the spec\'s slots' % (
                name, ', '.join(sorted(slots)) or 'none'))
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called for an attribute not set yet.
        if name == 'refs':
            # The resolver is made when a hook first needs it: a run that names no other object (a group without
            # members) never compiles it (module_utils ship as source; each task compiles what it imports).
            from ansible_collections.jitaccess.entra.plugins.module_utils._resolver import References  # pylint: disable=import-outside-toplevel

            self.refs = References(self)
            for kind, objects in self._listings.items():
                self.refs.seed(kind, objects)
            return self.refs
        slots = object.__getattribute__(self, '_slots')
        if slots and name in slots:
            raise AttributeError('context slot %r (%s) is read before any hook set it' % (name, slots[name]))
        raise AttributeError(name)

    def seed(self, kind, objects):
        """Hand the resolver a listing of ``kind`` read elsewhere in the run (a spec's own collection), so a reference
        to one of those objects reads nothing more; kept until the resolver is made, when no hook needs it yet."""
        if 'refs' in self.__dict__:
            self.refs.seed(kind, objects)
        else:
            self._listings[kind] = list(objects)

    def warn(self, message):
        self.module.warn(message)
