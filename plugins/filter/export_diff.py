# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: the differences between two tenants' exported jit_ai_access variables."""

from __future__ import annotations

DOCUMENTATION = r'''
name: export_diff
short_description: Differences between two sets of exported jit_ai_access variables
version_added: 0.1.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Compares two dictionaries of C(jitaccess.entra.jit_ai_access) role variables, as the module
    C(jitaccess.entra.jit_ai_access_export) returns them and the C(jitaccess.entra.export) playbook writes them, and lists
    every variable whose value differs.
  - Nested dictionaries are compared key by key (C(expiration.hours)); apps in C(jit_ai_access_apps) are matched by
    name (C(jit_ai_access_apps[ChatGPT].group_name)); other lists of dictionaries item by item
    (C(questions[0].text)); lists of plain values, such as C(fqdns), as a whole.
  - A variable that one side does not set has the value V(null) on that side; the role's default applies there.
options:
  _input:
    description: The left-hand variables.
    type: dict
    required: true
  right:
    description: The right-hand variables.
    type: dict
    required: true
  table:
    description:
      - Return lines of a side-by-side table instead of dictionaries - a header and one row per difference, strings as
        they are, other values as compact JSON, C(-) where a side does not set the variable.
    type: bool
    default: false
  titles:
    description: Column titles of the two sides when O(table=true), for example the two file names.
    type: list
    elements: str
    default: [left, right]
'''

EXAMPLES = r'''
- name: Which settings differ between two tenants
  ansible.builtin.debug:
    msg: "{{ lookup('ansible.builtin.file', 'exported/contoso.yml') | from_yaml
             | jitaccess.entra.export_diff(lookup('ansible.builtin.file', 'exported/fabrikam.yml') | from_yaml) }}"

- name: The same as a side-by-side table
  ansible.builtin.debug:
    msg: "{{ contoso_vars | jitaccess.entra.export_diff(fabrikam_vars, table=true, titles=['contoso', 'fabrikam']) }}"
'''

RETURN = r'''
_value:
  description:
    - One entry per differing variable, sorted by key; or, with O(table=true), the lines of the table.
  type: list
  elements: dict
  contains:
    key:
      description: The variable, with the path below it (C(jit_ai_access_apps[ChatGPT].expiration.hours)).
      type: str
    left:
      description: Its value on the left; null where the left does not set it.
      type: raw
    right:
      description: Its value on the right; null where the right does not set it.
      type: raw
'''

import json

from ansible.errors import AnsibleFilterError

APPS = 'jit_ai_access_apps'
MAX_COLUMN = 70


def flatten(variables):
    """``{path: value}`` for every leaf of exported variables: dicts key by key, apps by name, other lists of dicts item
    by item, lists of plain values whole."""
    leaves = {}

    def walk(path, value):
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk('%s.%s' % (path, key) if path else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                walk('%s[%d]' % (path, index), item)
        else:
            leaves[path] = value

    for key, value in (variables or {}).items():
        if key == APPS and isinstance(value, list):
            for app in value:
                walk('%s[%s]' % (APPS, app.get('name') if isinstance(app, dict) else app), app)
        else:
            walk(key, value)
    return leaves


def differences(left, right):
    """Entries ``{key, left, right}`` for every path whose value differs, sorted by key."""
    flat_left, flat_right = flatten(left), flatten(right)
    return [{'key': key, 'left': flat_left.get(key), 'right': flat_right.get(key)}
            for key in sorted(set(flat_left) | set(flat_right)) if flat_left.get(key) != flat_right.get(key)]


def _cell(value):
    if value is None:
        text = '-'
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_COLUMN else text[:MAX_COLUMN - 3] + '...'


def table_lines(entries, titles):
    """A header and one aligned row per entry: key | left | right."""
    rows = [(entry['key'], _cell(entry['left']), _cell(entry['right'])) for entry in entries]
    header = ('variable', str(titles[0]), str(titles[1]))
    widths = [max(len(row[column]) for row in [header] + rows) for column in range(2)]
    return ['%s | %s | %s' % (row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2]) for row in [header] + rows]


def export_diff(left, right, table=False, titles=('left', 'right')):
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise AnsibleFilterError('export_diff compares two dictionaries of variables, got %s and %s' % (
            type(left).__name__, type(right).__name__))
    if len(titles) != 2:
        raise AnsibleFilterError('export_diff: titles takes two column titles, got %d' % len(titles))
    entries = differences(left, right)
    return table_lines(entries, titles) if table else entries


class FilterModule:  # pylint: disable=too-few-public-methods
    def filters(self):
        return {'export_diff': export_diff}
