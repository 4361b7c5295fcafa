# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The runs modules make: a resource converged, a listing read; the one way out every run takes (an action's run,
done once, is in _actions.py).

Internal use only: this file is not part of the collection's public API and may change without notice.

desired (options the user set) -> find current (id, else unique name) -> normalise -> diff -> apply unless
check mode -> one exit with changed, diff and the resource. A spec declares fields and relations; special
behaviour is a hook on the spec, never a branch here.
"""

from __future__ import annotations

import importlib.util
import sys

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC, ConfigError, Connection
from ansible_collections.jitaccess.entra.plugins.module_utils._compare import subset
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphClient
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._run_context import Context

# Python distributions the Graph client needs, by import name (the transport is the standard library's).
REQUIRED_LIBS = (('azure.identity', 'azure-identity'),)
# The oldest Python the modules run on (the controller's ansible-core may accept older ones for other modules).
MIN_PYTHON = (3, 11)
STATE_OPTION = dict(type='str', default='present', choices=['present', 'absent'])


def build_module(spec, state=True):
    """The module of ``spec``: the connection options, the spec's own, and (``state``) present/absent."""
    argument_spec = dict(AUTH_ARGSPEC)
    argument_spec.update(spec.argument_spec)
    if state:
        argument_spec['state'] = dict(STATE_OPTION)
    return AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=list(spec.mutually_exclusive),
        required_one_of=list(spec.required_one_of),
    )


def _check_libraries(module, connection):
    for import_name, dist in REQUIRED_LIBS:
        if import_name == 'azure.identity' and connection.source == 'access_token':
            continue
        if importlib.util.find_spec(import_name.split('.', maxsplit=1)[0]) is None or importlib.util.find_spec(import_name) is None:
            module.fail_json(msg=missing_required_lib(dist))


def _session(module, checks, slots=None):
    """Validate input (each of ``checks`` takes the parameters) and the connection options; returns (context with
    ``slots``, connection) or fails before any call."""
    if sys.version_info < MIN_PYTHON:
        module.fail_json(msg='jitaccess.entra modules need Python %s or newer on the host that runs them; this is Python %s (%s). '
                             'Set ansible_python_interpreter to a newer Python' % (
                                 '.'.join(map(str, MIN_PYTHON)), '.'.join(map(str, sys.version_info[:3])), sys.executable))
    ctx = Context(module, slots)
    try:
        for check in checks:
            check(module.params)
        connection = Connection(module.params)
    except (ValidationError, ConfigError) as exc:
        module.fail_json(msg=str(exc))
    _check_libraries(module, connection)
    return ctx, connection


def _fail(module, exc, client):
    details = exc.details() if isinstance(exc, GraphError) else {}
    summary = client.retry_summary() if client else None
    if summary:
        module.warn(summary)
    module.fail_json(msg=str(exc), **details)


def run_resource(spec):
    """Entry point of a resource module: converge one object and exit once."""
    run_work(build_module(spec), _resource_checks(spec), lambda ctx: _converge(ctx, spec), slots=spec.context_slots())


def _converge(ctx, spec):
    current = ctx.current = spec.find(ctx)
    if ctx.params.get('state') == 'absent':
        before = spec.view(ctx, current) if current else {}
        if current is not None:
            spec.check_delete(ctx, current)
            if not ctx.check_mode:
                spec.delete(ctx, current)
        keys = list(before)
        return {'changed': current is not None, spec.noun: {},
                'diff': {'before': subset(before, keys), 'after': {}}}

    # The declared references are resolved before the current object is shown: the ids they name are then known,
    # so the view only looks up the names of ids nothing declared.
    wanted = spec.desired(ctx)
    before = spec.view(ctx, current) if current else {}
    if current is None:
        declared = wanted
        wanted = dict(spec.defaults(ctx, wanted), **wanted)
        after = spec.plan(ctx, {}, wanted)
        spec.check(ctx, {}, after)
        after['id'] = None
        if not ctx.check_mode:
            created = spec.create(ctx, after)
            # Loaded only after a create (module_utils are compiled in every task; most tasks create nothing).
            from ansible_collections.jitaccess.entra.plugins.module_utils._create_race import keep_oldest  # pylint: disable=import-outside-toplevel

            kept = keep_oldest(ctx, spec, created, after)
            if kept is created:
                after = spec.after_create(ctx, created, after)
            else:
                # The update starts from the adopted object as Graph holds it: what a body carries back comes from it.
                ctx.current = kept
                adopted = spec.view(ctx, kept)
                after = spec.plan(ctx, adopted, declared)
                spec.check(ctx, adopted, after)
                if spec.differs(adopted, after):
                    spec.update(ctx, kept, adopted, after)
        changed = True
    else:
        after = spec.plan(ctx, before, wanted)
        spec.check(ctx, before, after)
        changed = spec.differs(before, after)
        if changed and not ctx.check_mode:
            spec.update(ctx, current, before, after)
    keys = spec.managed_keys(wanted)
    return {'changed': changed, spec.noun: after,
            'diff': {'before': subset(before, keys), 'after': subset(after, keys)}}


# ---- the way out every module shares, and the entry points of readings ---------------------------------------------

def run_work(module, checks, work, report_retries=True, slots=None):
    """The one way out: validate (``checks``), open the Graph session, ``work(ctx)`` -> the result keys, exit once.

    A Graph, resource or validation error fails the module, with the retries it took; ``report_retries`` also warns
    of them when the work succeeds. ``slots``: those of the run context (name -> what it holds)."""
    ctx, connection = _session(module, checks, slots)
    client = None
    try:
        with GraphClient(connection) as client:
            ctx.client = client
            result = work(ctx)
    except (GraphError, ResourceError, ValidationError) as exc:
        _fail(module, exc, client)
    summary = client.retry_summary() if report_retries else None
    if summary:
        module.warn(summary)
    module.exit_json(**result)


def _resource_checks(spec):
    return spec.validate_ids, spec.validate_fields, spec.validate


def run_read(spec, read):
    """Entry point of a read-only module: ``read(ctx)`` returns the result keys; changed is false unless ``read`` says
    otherwise (a check module that was asked to fix what it found)."""
    run_work(build_module(spec, state=False), _resource_checks(spec), lambda ctx: dict({'changed': False}, **read(ctx)),
             report_retries=False, slots=spec.context_slots())


class InfoSpec:
    """Mixed in before a resource spec, makes the spec of its _info module: the listing's options (all optional), its
    result key (``plural``) and the query they make (``select``)."""

    plural = None  # the result key, e.g. 'groups'
    filters = {}  # options beyond the id and the name: what narrows the listing, what each result includes
    required_one_of = ()

    @property
    def argument_spec(self):
        """The id and the name, which ``select`` reads, and the filters."""
        return dict({'id': dict(type='str'), self.name_option: dict(type='str')}, **self.filters)

    def select(self, ctx):
        """The Graph objects the options match: the one with the id, else those with the name, else the listing."""
        if ctx.params.get('id'):
            found = self.get(ctx, ctx.params['id'])
            return [found] if found else []
        if ctx.params.get(self.name_option):
            return self.find_by_name(ctx, ctx.params[self.name_option])
        return self.listing(ctx)

    def listing(self, ctx):
        """Every object of the type (narrowed by the filters Graph applies, where the spec adds some)."""
        return ctx.client.list(self.path, api=self.api, action='listing %s' % self.plural.replace('_', ' '))

    def extra(self, ctx):  # pylint: disable=unused-argument
        """Further result keys: a second listing that belongs with the first (after ``select``)."""
        return {}


def run_info(spec):
    """Entry point of an _info module: each object ``spec.select(ctx)`` returns as a view under ``spec.plural``, with
    the relations its include_* options ask for, and the keys ``spec.extra(ctx)`` adds."""
    def read(ctx):
        objects = spec.select(ctx)
        wanted_relations = [relation.option for relation in spec.relations if ctx.params.get('include_' + relation.option)]
        items = [spec.view(ctx, obj, relations=wanted_relations) for obj in objects]
        return dict(spec.extra(ctx), **{spec.plural: items})
    run_read(spec, read)
