# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: the drift report of a run across tenants, as Markdown or as a self-contained HTML page."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.jitaccess.entra.plugins.module_utils._drift_report import render_html, render_markdown

DOCUMENTATION = r'''
name: drift_report
short_description: Drift report of a run across tenants, as Markdown or HTML
version_added: 0.3.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Renders the per-tenant summaries of the jitaccess.entra.jit_ai_access role (one key per inventory host, as in
    O(jitaccess.entra.jit_ai_access#role:main:jit_ai_access_summary_path) and the C(jit_ai_access_summary) artifact) as a
    report - a headline, totals per tenant, the objects that drifted with the fields that differ, and the What If
    verdicts where the run verified.
  - C(markdown) is short, for a job's output or a chat notification. C(html) is one page with no script and nothing to
    fetch - a tenant x object matrix (ok, would change, changed, failed, not verified) and an inline SVG bar chart of
    drifted objects per tenant as well.
  - Every value taken from a summary is escaped for the format.
options:
  _input:
    description: The summaries, one key per tenant (inventory host).
    type: dict
    required: true
  report_format:
    description: C(markdown) or C(html).
    type: str
    default: markdown
    choices: [markdown, html]
  title:
    description: The report's title.
    type: str
    default: Entra JIT access drift
'''

EXAMPLES = r'''
- name: Write the HTML report of the run
  ansible.builtin.copy:
    dest: /tmp/drift-report.html
    content: "{{ lookup('ansible.builtin.file', '/tmp/summary.json') | from_json | jitaccess.entra.drift_report('html') }}"
    mode: "0600"
'''

RETURN = r'''
_value:
  description: The report, Markdown or an HTML page.
  type: str
'''

RENDERERS = {'markdown': render_markdown, 'html': render_html}


def drift_report(summaries, report_format='markdown', title='Entra JIT access drift'):
    if report_format not in RENDERERS:
        raise AnsibleFilterError('drift_report: format %r is not one of %s' % (report_format, ', '.join(RENDERERS)))
    if not isinstance(summaries, dict):
        raise AnsibleFilterError('drift_report: the input must be a dict of summaries, one per tenant, not %s'
                                 % type(summaries).__name__)
    return RENDERERS[report_format](summaries, title)


class FilterModule:  # pylint: disable=too-few-public-methods
    """jitaccess.entra filters."""

    def filters(self):
        return {'drift_report': drift_report}
