# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drift report of a run across tenants, from the jit_ai_access role's per-tenant summaries: short Markdown for a job
log or a chat message, and one self-contained HTML page (inline CSS and SVG, no script, nothing fetched).

Every name in a summary comes from a tenant (objects, apps, messages), so every one is escaped for where it goes."""

from __future__ import annotations

import html
import re

# Cell states of the tenant x object matrix, in the order the legend shows them. "not verified": the run never
# reached the object in that tenant (it failed earlier, or the object is not the tenant's), so nothing is known.
STATES = ('ok', 'would_change', 'changed', 'failed', 'not_verified')
LABELS = {'ok': 'ok', 'would_change': 'would change', 'changed': 'changed', 'failed': 'failed', 'not_verified': 'not verified'}
COLOURS = {'ok': '#d9f2d9', 'would_change': '#fff1c2', 'changed': '#cfe2ff', 'failed': '#f8c9c9', 'not_verified': '#e6e6e6'}
DRIFT_STATES = ('would_change', 'changed')
# A chat message stays readable: past this many drifted objects the Markdown says how many more there are.
MARKDOWN_DRIFT_LINES = 15
# ... and each line short: a failure's message is cut here in the Markdown (the HTML has it whole).
MARKDOWN_MESSAGE_CHARS = 160

_MARKDOWN_SPECIAL = re.compile(r'([\\`*_{}\[\]()#+!|~])')


def _text(value):
    """One line of text from a tenant's value: control characters (newlines included) become spaces."""
    return ''.join(' ' if ord(char) < 32 or ord(char) == 127 else char for char in str('' if value is None else value)).strip()


def md(value):
    """Text for Markdown: every character Markdown gives a meaning is escaped, and & < > as entities, which both
    CommonMark and chat formats that take no backslash escapes (Slack's) show as the characters."""
    text = _text(value).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    return _MARKDOWN_SPECIAL.sub(r'\\\1', text)


def _h(value):
    return html.escape(_text(value), quote=True)


def _short(text, limit):
    return text if len(text) <= limit else text[:limit - 3].rstrip() + '...'


def object_key(entry):
    """(kind, name) of a summary entry; a failed step names its module (jitaccess.entra.group), the kind is its last part."""
    return (_text(entry.get('object')).rpartition('jitaccess.entra.')[2], _text(entry.get('name')))


def verdict_label(verdict):
    """A What-If verdict's word: verified, NOT verified (the proof failed) or not verified (it could not run)."""
    if verdict.get('verified') is True:
        return 'verified'
    if verdict.get('verified') is False:
        return 'NOT verified'
    return 'not verified'


def build(summaries):
    """The report's model: tenants (sorted) with their totals, objects (columns, in the order runs met them), the
    state of every cell, the drifted objects with their fields, and the What-If verdicts where verification ran."""
    summaries = summaries or {}
    columns, tenants, drift, verdicts = [], [], [], []
    for tenant in sorted(summaries, key=str):
        body = summaries[tenant] or {}
        cells = {}
        for entry in body.get('objects') or []:
            key = object_key(entry)
            if key not in columns:
                columns.append(key)
            status = entry.get('status') if entry.get('status') in STATES else 'failed'
            cells[key] = status
            if status != 'ok':
                drift.append({'tenant': _text(tenant), 'object': key[0], 'name': key[1], 'status': status,
                              'action': _text(entry.get('action')), 'fields': [_text(f) for f in entry.get('fields') or []],
                              'message': _text(entry.get('message'))})
        totals = {state: sum(1 for value in cells.values() if value == state) for state in STATES[:4]}
        if body.get('failed') and not totals['failed']:
            totals['failed'] = 1
        for verdict in body.get('verification') or []:
            verdicts.append({'tenant': _text(tenant), 'app': _text(verdict.get('app')), 'label': verdict_label(verdict),
                             'verified': verdict.get('verified'), 'reason': _text(verdict.get('reason'))})
        tenants.append({'name': _text(tenant), 'cells': cells, 'totals': totals, 'check_mode': bool(body.get('check_mode')),
                        'drift': sum(totals[state] for state in DRIFT_STATES), 'failed': bool(body.get('failed'))})
    for tenant in tenants:
        tenant['row'] = [tenant['cells'].get(key, 'not_verified') for key in columns]
    check_modes = {tenant['check_mode'] for tenant in tenants}
    mode = 'check' if check_modes == {True} else 'enforce' if check_modes == {False} else 'mixed'
    return {'tenants': tenants, 'columns': columns, 'drift': drift, 'verdicts': verdicts, 'mode': mode}


def headline(model):
    drifted = [t['name'] for t in model['tenants'] if t['drift']]
    failed = [t['name'] for t in model['tenants'] if t['failed'] or t['totals']['failed']]
    unverified = sorted({v['tenant'] for v in model['verdicts'] if v['verified'] is False})
    verb = 'drifted' if model['mode'] == 'check' else 'changed'
    parts = ['%d of %d tenants %s' % (len(drifted), len(model['tenants']), verb)]
    if failed:
        parts.append('%d failed' % len(failed))
    if unverified:
        parts.append('%d not verified by What If' % len(unverified))
    return ', '.join(parts)


def render_markdown(summaries, title='Entra JIT access drift'):
    """Short Markdown: headline, totals per tenant, drifted objects with their fields, What-If verdicts."""
    model = build(summaries)
    lines = ['## %s (%s run)' % (md(title), model['mode']), '', '**%s**' % headline(model), '',
             '| tenant | ok | would change | changed | failed |', '|---|---:|---:|---:|---:|']
    for tenant in model['tenants']:
        totals = tenant['totals']
        counts = (totals['ok'], totals['would_change'], totals['changed'], totals['failed'])
        lines.append('| %s | %d | %d | %d | %d |' % ((md(tenant['name']),) + counts))
    if model['drift']:
        lines += ['', '**Drift**', '']
        for item in model['drift'][:MARKDOWN_DRIFT_LINES]:
            detail = ', '.join(md(field) for field in item['fields']) or md(_short(item['message'], MARKDOWN_MESSAGE_CHARS)) \
                or md(item['action'])
            lines.append('- %s: %s %s: %s%s' % (md(item['tenant']), md(item['object']), md(item['name']), LABELS[item['status']],
                                                (' (%s)' % detail) if detail else ''))
        if len(model['drift']) > MARKDOWN_DRIFT_LINES:
            lines.append('- and %d more (see the HTML report)' % (len(model['drift']) - MARKDOWN_DRIFT_LINES))
    if model['verdicts']:
        lines += ['', '**What If**', '']
        for verdict in model['verdicts']:
            lines.append('- %s: %s %s%s' % (md(verdict['tenant']), md(verdict['app']), verdict['label'],
                                            (': ' + md(verdict['reason'])) if verdict['reason'] and verdict['verified'] is not True else ''))
    return '\n'.join(lines) + '\n'


def _bar_chart(model):
    """Inline SVG: one bar per tenant, the number of objects that drifted (would change or changed), labelled."""
    tenants = model['tenants']
    thickness, gap, left, width = 22, 8, 160, 300
    most = max([t['drift'] for t in tenants] + [1])
    height = len(tenants) * (thickness + gap) + gap
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="drift-chart" role="img" width="%d" height="%d" '
             'aria-label="Drifted objects per tenant">' % (left + width + 60, height)]
    for index, tenant in enumerate(tenants):
        top = gap + index * (thickness + gap)
        length = round(width * tenant['drift'] / most)
        parts.append('<g class="bar" data-tenant="%s" data-drift="%d">' % (_h(tenant['name']), tenant['drift']))
        parts.append('<text x="%d" y="%d" text-anchor="end" font-size="13">%s</text>' % (left - 8, top + 16, _h(tenant['name'])))
        colour = '#e0a800' if tenant['drift'] else '#9c9'
        parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>' % (left, top, max(length, 1), thickness, colour))
        parts.append('<text x="%d" y="%d" font-size="13">%d</text></g>' % (left + max(length, 1) + 6, top + 16, tenant['drift']))
    parts.append('</svg>')
    return ''.join(parts)


_CSS = ('body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}'
        'th,td{border:1px solid #bbb;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}'
        'thead th{background:#f3f3f3}td.num{text-align:right}'
        + ''.join('.%s{background:%s}' % (state, colour) for state, colour in COLOURS.items())
        + '.wide{overflow-x:auto}.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #bbb}')


def render_html(summaries, title='Entra JIT access drift'):
    """One HTML page, nothing to fetch and no script: headline, chart, matrix, totals, drifted fields, What If."""
    model = build(summaries)
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           '<title>%s</title><style>%s</style></head><body>' % (_h(title), _CSS),
           '<h1>%s <small>(%s run)</small></h1>' % (_h(title), model['mode']),
           '<p id="headline"><strong>%s</strong></p>' % _h(headline(model)),
           '<p class="legend">%s</p>' % ''.join('<span class="%s">%s</span>' % (s, LABELS[s]) for s in STATES),
           '<h2>Drifted objects per tenant</h2>', _bar_chart(model),
           '<h2>Tenant x object</h2><div class="wide"><table id="matrix"><thead><tr><th>tenant</th>']
    out += ['<th data-object="%s" data-name="%s">%s<br>%s</th>' % (_h(kind), _h(name), _h(kind), _h(name))
            for kind, name in model['columns']]
    out.append('</tr></thead><tbody>')
    for tenant in model['tenants']:
        out.append('<tr><th scope="row">%s</th>' % _h(tenant['name']))
        out += ['<td class="%s">%s</td>' % (state, LABELS[state]) for state in tenant['row']]
        out.append('</tr>')
    out.append('</tbody></table></div><h2>Totals per tenant</h2><table id="totals"><thead><tr><th>tenant</th>')
    out += ['<th>%s</th>' % LABELS[state] for state in STATES[:4]]
    out.append('</tr></thead><tbody>')
    for tenant in model['tenants']:
        out.append('<tr><th scope="row">%s</th>%s</tr>' % (_h(tenant['name']), ''.join(
            '<td class="num">%d</td>' % tenant['totals'][state] for state in STATES[:4])))
    out.append('</tbody></table><h2>What drifted</h2>')
    if model['drift']:
        out.append('<table id="drift"><thead><tr><th>tenant</th><th>object</th><th>name</th><th>state</th><th>action</th>'
                   '<th>fields / message</th></tr></thead><tbody>')
        for item in model['drift']:
            out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td><td>%s</td></tr>' % (
                _h(item['tenant']), _h(item['object']), _h(item['name']), item['status'], LABELS[item['status']],
                _h(item['action']), _h(', '.join(item['fields']) or item['message'])))
        out.append('</tbody></table>')
    else:
        out.append('<p>Nothing drifted.</p>')
    out.append('<h2>What If verification</h2>')
    if model['verdicts']:
        out.append('<table id="verdicts"><thead><tr><th>tenant</th><th>app</th><th>verdict</th><th>reason</th></tr></thead><tbody>')
        for verdict in model['verdicts']:
            state = {'verified': 'ok', 'NOT verified': 'failed'}.get(verdict['label'], 'not_verified')
            out.append('<tr><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>' % (
                _h(verdict['tenant']), _h(verdict['app']), state, verdict['label'], _h(verdict['reason'])))
        out.append('</tbody></table>')
    else:
        out.append('<p>not verified: this run did not verify with What If.</p>')
    out.append('</body></html>\n')
    return ''.join(out)
