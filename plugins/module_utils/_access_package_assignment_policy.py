# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of an access package assignment policy (v1.0 ``assignmentPolicies``): who may request, approval stages,
expiry, requestor questions and access reviews, in the words an admin uses.

Internal use only: this file is not part of the collection's public API and may change without notice.

Each policy section is a declared field whose type (``_assignment_policy_sections``, ``_assignment_policy_questions``)
carries its input rules, its view, its plan and what it writes. Graph replaces a policy as a whole (PUT), so the body
is the current policy with each section the task changes written over it. Sections are compared in a canonical view
(durations by length, people by name, sorted), so a converged policy never shows drift. Questions are matched to the
current ones by text and keep their ids, which keeps earlier answers linked to them.
"""

from __future__ import annotations

import copy

from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_people import subject_ids as section_subject_ids
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_questions import Questions
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_reviews import DECISIONS, RECURRENCES, AccessReviews
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_sections import (
    MAX_DEADLINE_DAYS, SCOPES, Approval, CustomSchedule, Expiration, Requestors)
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import POLICIES, active_assignments
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import Reference
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError, is_guid
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

_PEOPLE = dict(users=dict(type='list', elements='str'), groups=dict(type='list', elements='str'))
_APPROVERS = dict(manager=dict(type='bool'), sponsors=dict(type='bool'), **_PEOPLE)
_LOCALIZATIONS = dict(type='list', elements='dict', options=dict(language=dict(type='str'), text=dict(type='str')))
ARGUMENT_SPEC = dict(
    display_name=dict(type='str'),
    id=dict(type='str'),
    access_package=dict(type='str'),
    catalog=dict(type='str'),
    description=dict(type='str'),
    requestors=dict(type='dict', options=dict(
        scope=dict(type='str', required=True, choices=list(SCOPES)),
        users=dict(type='list', elements='str'),
        groups=dict(type='list', elements='str'),
        self_requests=dict(type='bool'),
        self_extensions=dict(type='bool'),
        self_removals=dict(type='bool'),
        on_behalf_requests=dict(type='bool'),
    )),
    approval=dict(type='dict', options=dict(
        required=dict(type='bool'),
        required_for_extension=dict(type='bool'),
        requestor_justification=dict(type='bool'),
        stages=dict(type='list', elements='dict', options=dict(
            approvers=dict(type='dict', options=_APPROVERS),
            fallback_approvers=dict(type='dict', options=_PEOPLE),
            escalation=dict(type='dict', options=dict(
                enabled=dict(type='bool', default=True),
                after_days=dict(type='int'),
                approvers=dict(type='dict', options=_APPROVERS),
                fallback_approvers=dict(type='dict', options=_PEOPLE),
            )),
            approver_justification=dict(type='bool', default=True),
            deadline_days=dict(type='int', default=MAX_DEADLINE_DAYS),
        )),
    )),
    expiration=dict(type='dict', options=dict(
        hours=dict(type='int'), days=dict(type='int'), duration=dict(type='str'), end_date=dict(type='str'),
        never=dict(type='bool'),
    )),
    allow_custom_schedule=dict(type='bool'),
    questions=dict(type='list', elements='dict', options=dict(
        text=dict(type='str'),
        type=dict(type='str', default='text', choices=['text', 'multiple_choice']),
        required=dict(type='bool', default=False),
        answer_editable=dict(type='bool', default=False),
        multiline=dict(type='bool', default=False),
        regex=dict(type='str'),
        localizations=_LOCALIZATIONS,
        choices=dict(type='list', elements='dict', options=dict(
            value=dict(type='str'), text=dict(type='str'), localizations=_LOCALIZATIONS)),
        allow_multiple=dict(type='bool', default=False),
    )),
    access_reviews=dict(type='dict', options=dict(
        enabled=dict(type='bool'),
        recurrence=dict(type='str', choices=list(RECURRENCES)),
        duration_days=dict(type='int'),
        starts=dict(type='str'),
        self_review=dict(type='bool'),
        reviewers=dict(type='dict', options=dict(manager=dict(type='bool'), **_PEOPLE)),
        fallback_reviewers=dict(type='dict', options=_PEOPLE),
        decision_default=dict(type='str', choices=list(DECISIONS)),
        recommendations=dict(type='bool'),
        reviewer_justification=dict(type='bool'),
    )),
)

# The sections, in the order they are validated, planned and written.
REQUESTORS = Requestors('requestors', required='is required to create an assignment policy (who may request it)')
APPROVAL = Approval('approval', new_policy={'required': False, 'required_for_extension': False, 'requestor_justification': False,
                                            'stages': []})
EXPIRATION = Expiration('expiration', new_policy={'never': True})
CUSTOM_SCHEDULE = CustomSchedule('allow_custom_schedule', new_policy=False)
QUESTIONS = Questions('questions', new_policy=[])
ACCESS_REVIEWS = AccessReviews('access_reviews', new_policy={'enabled': False})
SECTION_FIELDS = (REQUESTORS, APPROVAL, EXPIRATION, CUSTOM_SCHEDULE, QUESTIONS, ACCESS_REVIEWS)
SECTIONS = tuple(section.option for section in SECTION_FIELDS)
READ_ONLY = ('id', 'createdDateTime', 'modifiedDateTime', 'catalog', 'accessPackage')


def missing_package(reference, within=None):
    """The rule when no access package has the declared name (in the declared catalog) or id."""
    return 'no access package has this %s%s' % ('id' if is_guid(reference) else 'name', ' in catalog %r' % within[1] if within else '')


def require_package(params):
    """A policy is found by name within its package: without an id, the task names the package."""
    if not params.get('id') and not params.get('access_package'):
        raise ValidationError('access_package', None, 'is required to find a policy by display_name (give the package name or id)')


def subject_ids(policy):
    """``(user ids, group ids)`` that the policy's subject sets name."""
    return section_subject_ids(policy, SECTION_FIELDS)


def declared_sections(params, resolve):
    """The sections the task declares, in canonical form; ``resolve(kind, reference, option)`` gives a person's label."""
    return {section.option: section.declare(params[section.option], resolve) for section in SECTION_FIELDS
            if params.get(section.option) is not None}


def with_new_sections(after):
    """``after`` with what a new policy gets for each section it lacks."""
    for section in SECTION_FIELDS:
        if section.option not in after:
            after[section.option] = copy.deepcopy(section.new_policy)
    return after


def plan_sections(before, wanted):
    """The policy after the task: each declared section laid over the current one (or the defaults for a new one)."""
    after = {section.option: section.merge(before.get(section.option), wanted[section.option]) for section in SECTION_FIELDS
             if section.option in wanted}
    after.update({section.option: before[section.option] for section in SECTION_FIELDS
                  if section.option not in wanted and before.get(section.option) is not None})
    return with_new_sections(after)


def check_plan(after):
    """Rules on the merged result (declared + current), checked before any write."""
    for section in SECTION_FIELDS:
        section.check(after.get(section.option))


class AssignmentPolicySpec(ResourceSpec):
    noun = 'assignment_policy'
    words = 'assignment policy'
    path = POLICIES
    expand = 'accessPackage,catalog,questions'
    fields = (
        Field('display_name', 'displayName', max_length=256, required='is required to create an assignment policy'),
        Field('description', 'description'),
    ) + SECTION_FIELDS + (
        Field('catalog', 'catalog.displayName', read_only=True),
    )
    parent = Reference('access_package', 'accessPackage', 'access_package', within=('catalog', 'catalog'), missing=missing_package)
    parent_mismatch = '%s %s belongs to %s %r, not %r'
    argument_spec = ARGUMENT_SPEC
    required_one_of = (('display_name', 'id'),)

    # Graph replaces a policy as a whole: an update sends the current policy with the changed sections written over it.
    update_method = 'put'
    read_only_props = READ_ONLY
    write_words = 'assignment policy'

    def validate(self, params):
        require_package(params)

    def check(self, ctx, before, after):
        check_plan(after)

    def check_delete(self, ctx, obj):
        active = active_assignments(ctx, 'assignmentPolicy/id', obj['id'], 'assignment policy %r' % obj.get('displayName'),
                                    package_id=(obj.get('accessPackage') or {}).get('id'))
        if active:
            raise ResourceError('assignment policy %r has %d active assignment(s); Entra refuses to delete it until they '
                                'are removed or expire' % (obj.get('displayName'), len(active)))


# ---- access_package_assignment_policy_info: the listing --------------------------------------------------------------

class AssignmentPolicyInfoSpec(InfoSpec, AssignmentPolicySpec):
    plural = 'assignment_policies'
    filters = dict(
        access_package=dict(type='str'),
        catalog=dict(type='str'),
    )

    def validate(self, params):
        """Nothing to check: every filter is optional."""

    # ---- the query -----------------------------------------------------------------------------------------------

    def select(self, ctx):
        """The policy with the id, else those with the name, else every policy; of the package when one is named."""
        if ctx.params.get('id'):
            found = self.get(ctx, ctx.params['id'])
            return [found] if found else []
        package = None
        if ctx.params.get('access_package'):
            catalog = ctx.params.get('catalog')
            package = ctx.refs.find('access_package', ctx.params['access_package'], 'access_package', ('catalog', catalog) if catalog else None)
            if package is None:
                return []
        params = {'$expand': self.expand}
        if ctx.params.get('display_name'):
            params['$filter'] = 'displayName eq %s' % odata_quote(ctx.params['display_name'])
        policies = ctx.client.list(self.path, params=params, action='listing assignment policies')
        return [p for p in policies if package is None or (p.get('accessPackage') or {}).get('id') == package['id']]
