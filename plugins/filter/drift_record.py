# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: turn a registered module result into one line of a drift summary."""

from __future__ import annotations

DOCUMENTATION = r'''
name: drift_record
short_description: One entry of a drift summary from a registered module result
version_added: 0.1.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Reduces a registered result of a jitaccess.entra module to the object it manages, whether it was C(ok),
    C(changed), C(would_change) (check mode) or C(failed), what the change does (create, update, delete) and which
    fields differ, read from the result's diff.
  - The jitaccess.entra.jit_ai_access role builds its per-tenant summary from these entries.
options:
  _input:
    description: A registered result of a jitaccess.entra module (resource modules always return their diff).
    type: dict
    required: true
  kind:
    description: The kind of object, for example C(filtering_policy).
    type: str
    required: true
  name:
    description: The object's name.
    type: str
    required: true
  check_mode:
    description: Whether the task ran in check mode, which turns C(changed) into C(would_change).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Record a step
  ansible.builtin.set_fact:
    summary: "{{ summary | default([]) + [step_result | jitaccess.entra.drift_record('group', 'Allow ChatGPT Access', ansible_check_mode)] }}"
'''

RETURN = r'''
_value:
  description: The summary entry.
  type: dict
  contains:
    object:
      description: The kind of object.
      type: str
    name:
      description: The object's name.
      type: str
    status:
      description: C(ok), C(changed), C(would_change) or C(failed).
      type: str
    action:
      description: C(create), C(update) or C(delete) when something changed, else null.
      type: str
    fields:
      description: Top-level fields whose value differs between before and after.
      type: list
      elements: str
    message:
      description: The error message when the step failed.
      type: str
'''


def changed_fields(diff):
    """(action, sorted field names that differ) from a module diff; (None, []) when nothing differs."""
    diffs = diff if isinstance(diff, list) else [diff or {}]
    fields = set()
    action = None
    for one in diffs:
        before, after = one.get('before') or {}, one.get('after') or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        if before == after:
            continue
        if not before:
            action = 'create'
        elif not after:
            action = 'delete'
        else:
            action = action or 'update'
        fields.update(key for key in set(before) | set(after) if key != 'id' and before.get(key) != after.get(key))
    return action, sorted(fields)


def drift_record(result, kind, name, check_mode=False):
    result = result or {}
    action, fields = changed_fields(result.get('diff'))
    if result.get('failed'):
        status = 'failed'
    elif result.get('changed'):
        status = 'would_change' if check_mode else 'changed'
    else:
        status = 'ok'
        action, fields = None, []
    entry = {'object': kind, 'name': name, 'status': status, 'action': action, 'fields': fields}
    if result.get('failed'):
        entry['message'] = result.get('msg')
    return entry


class FilterModule:  # pylint: disable=too-few-public-methods
    """jitaccess.entra filters."""

    def filters(self):
        return {'drift_record': drift_record}
