# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run of an action module (a request, a decision): found, done once, one way out with the resource runs'.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import subset
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import build_module, run_work


class ActionSpec:
    """Declarative description of something a module does rather than keeps: a request, a decision. The run looks for
    it (``find``) and does it once unless it is done (``act``); there is no object to plan, compare or race to create.
    """

    noun = None  # return key and the word used in messages, e.g. 'approval'
    argument_spec = {}  # state included when the action can be undone
    mutually_exclusive = ()
    required_one_of = ()
    diff_keys = ()  # what the diff shows of the result
    slots = {}  # context slots ``find`` and ``act`` set: {name: what it holds}

    def validate(self, params):
        """Pure input rules; raise ValidationError. Runs before any network call."""

    def find(self, ctx):
        """The request or decision this action would make, when it exists already; None when there is none."""
        raise NotImplementedError

    def act(self, ctx, found):
        """Do what the parameters ask unless ``found`` shows it done (in check mode: predict it, write nothing); returns
        the result keys, ``result()`` shapes them."""
        raise NotImplementedError

    def result(self, changed, before, after, keys=None):
        """``changed``, ``after`` under the noun, and the diff of ``keys`` (``diff_keys`` unless given)."""
        keys = self.diff_keys if keys is None else keys
        return {'changed': changed, self.noun: after, 'diff': {'before': subset(before, keys), 'after': subset(after, keys)}}


def run_action(spec):
    """Entry point of an action module (a request, a decision): find it, act once, exit once."""
    run_work(build_module(spec, state=False), (spec.validate,), lambda ctx: spec.act(ctx, spec.find(ctx)), slots=spec.slots)
