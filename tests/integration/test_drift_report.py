"""The drift report people read: Markdown and a self-contained HTML page from a 3-tenant check-mode run with drift made
out of band, the HTML loaded in a real headless Chromium and its matrix read back cell by cell from the DOM Chromium
built. And writing the summary or the report is never a change: a converged check-mode run reports changed=0."""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess

import pytest

from tests.integration.harness import GraphAdmin
from tests.integration.test_drift_summary import drifted as drifted_objects, fleet, run  # noqa: F401  pylint: disable=unused-import
from tests.integration.test_multi_tenant import recap


def column(entry):
    """The matrix column of a summary entry: a failed step names its module, the column its kind."""
    return entry['object'].rpartition('jitaccess.entra.')[2], entry['name']


STATE_OF_LABEL = {'ok': 'ok', 'would change': 'would_change', 'changed': 'changed', 'failed': 'failed', 'not verified': 'not_verified'}


def chromium():
    """Debian's chromium (`.ci/run` installs it when missing)."""
    binary = shutil.which('chromium')
    if not binary:
        pytest.fail('chromium is not installed: apt-get install -y --no-install-recommends chromium (.ci/run does)')
    return binary


def in_chromium(page, workdir, *arguments):
    """Run headless Chromium on the file ``page`` with ``arguments``, a profile of its own, no network."""
    command = [chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
               '--user-data-dir=%s' % (workdir / 'chromium-profile'), '--proxy-server=127.0.0.1:9', *arguments,
               page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True, cwd=workdir)


class Tables(html.parser.HTMLParser):
    """Every table of a page: id -> rows -> cells (text, attributes), header cells included."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == 'table':
            self._table = self.tables.setdefault(dict(attrs).get('id'), [])
        elif tag == 'tr' and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ('td', 'th') and self._row is not None:
            self._cell = [tag, dict(attrs), '']
            self._row.append(self._cell)
        elif tag == 'br' and self._cell is not None:
            self._cell[2] += '\n'

    def handle_endtag(self, tag):
        if tag == 'table':
            self._table = None
        elif tag in ('td', 'th'):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data


class Bars(html.parser.HTMLParser):
    """The bar chart's bars: tenant -> (drift count, bar width)."""

    def __init__(self):
        super().__init__()
        self.bars, self._tenant = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'g' and attrs.get('class') == 'bar':
            self._tenant = attrs['data-tenant']
            self.bars[self._tenant] = [int(attrs['data-drift']), None]
        elif tag == 'rect' and self._tenant:
            self.bars[self._tenant][1] = int(attrs['width'])


@pytest.mark.slow
@pytest.mark.parametrize('fleet', [3], indirect=True)
def test_report_of_a_three_tenant_drift_run_read_back_from_chromium(emulator, fleet, playbook, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    tenants, inventory = fleet
    names = list(tenants)
    summary = tmp_path / 'summary.json'

    converged, report = run(playbook, emulator, inventory, summary)
    assert converged.rc == 0, converged.stdout[-3000:]

    # Writing the summary and the report happens in check mode too, and is not a change to any tenant.
    reports = tmp_path / 'reports'
    reports.mkdir()
    clean, report = run(playbook, emulator, inventory, summary, check=True, jit_ai_access_report_dir=str(reports))
    assert clean.rc == 0, clean.stdout[-3000:]
    assert {host: counters['changed'] for host, counters in recap(clean.stdout).items()} == dict.fromkeys(names, 0), \
        clean.stdout[-3000:]
    assert (reports / 'drift-report.md').read_text().splitlines()[2] == '**0 of 3 tenants drifted**'
    assert drifted_objects(report) == {}
    assert all(body['check_mode'] and body['counts']['would_change'] == 0 for body in report.values())

    # Drift in tenant0 (a stray member) and tenant1 (CA policy disabled); tenant2 cannot read access packages.
    GraphAdmin(emulator, tenants[names[0]]).add_member(
        'Allow ChatGPT Access', next(upn for upn in tenants[names[0]].users if upn.startswith('sarah.jones@')))
    GraphAdmin(emulator, tenants[names[1]]).disable_first_conditional_access_policy()
    emulator.inject('status', tenant=tenants[names[2]].tenant_id, method='GET', path='/accessPackages', status=403,
                    code='Authorization_RequestDenied')

    drift, report = run(playbook, emulator, inventory, summary, check=True, jit_ai_access_report_dir=str(reports))
    assert drift.rc != 0, 'tenant2 failed'
    counters = recap(drift.stdout)
    assert counters[names[0]]['changed'] == 1 and counters[names[1]]['changed'] == 1, drift.stdout[-3000:]
    markdown = (reports / 'drift-report.md').read_text()
    page = reports / 'drift-report.html'
    (tmp_path / 'drift-report.md').write_text(markdown)

    # Markdown: headline, totals per tenant, the drifted objects with their fields, short enough for a chat message.
    assert markdown.splitlines()[2] == '**2 of 3 tenants drifted, 1 failed**'
    stray = 'group\\_members Allow ChatGPT Access: would change (members)'
    disabled = 'conditional\\_access\\_policy GSA - Allow ChatGPT \\(JIT\\): would change (policy\\_state)'
    assert '- %s: %s' % (names[0], stray) in markdown.splitlines()
    assert '- %s: %s' % (names[1], disabled) in markdown.splitlines()
    failure = [line for line in markdown.splitlines() if line.startswith('- %s:' % names[2])]
    assert len(failure) == 1 and ': failed (' in failure[0] and '403' in failure[0]
    for name in names:
        totals = report[name]['counts']
        assert '| %s | %s | %s | %s | %s |' % (name, totals['ok'], totals['would_change'], totals['changed'], totals['failed']) \
            in markdown.splitlines()
    assert len(markdown.splitlines()) <= 30 and len(markdown) < 2000

    # The page as Chromium builds it: the matrix, cell by cell, against the summary of the run.
    dom = in_chromium(page, tmp_path, '--dump-dom').stdout
    tables = Tables()
    tables.feed(dom)
    matrix = tables.tables['matrix']
    columns = [tuple(cell[2].split('\n')) for cell in matrix[0][1:]]
    expected_columns = []
    for name in names:
        for entry in report[name]['objects']:
            if column(entry) not in expected_columns:
                expected_columns.append(column(entry))
    assert columns == expected_columns and len(columns) >= 9
    rows = {row[0][2]: row[1:] for row in matrix[1:]}
    assert sorted(rows) == sorted(names)
    seen = set()
    for name in names:
        states = {column(entry): entry['status'] for entry in report[name]['objects']}
        for key, cell in zip(columns, rows[name]):
            state = STATE_OF_LABEL[cell[2]]
            assert state == states.get(key, 'not_verified'), (name, key, cell)
            assert cell[1]['class'] == state
            seen.add(state)
    assert seen == {'ok', 'would_change', 'failed', 'not_verified'}
    assert rows[names[0]][columns.index(('group_members', 'Allow ChatGPT Access'))][2] == 'would change'
    assert rows[names[1]][columns.index(('conditional_access_policy', 'GSA - Allow ChatGPT (JIT)'))][2] == 'would change'
    assert [cell[2] for cell in rows[names[2]]].count('failed') == 1
    assert 'not verified' in [cell[2] for cell in rows[names[2]]]

    totals = {row[0][2]: [int(cell[2]) for cell in row[1:]] for row in tables.tables['totals'][1:]}
    assert totals == {name: [report[name]['counts'][key] for key in ('ok', 'would_change', 'changed', 'failed')] for name in names}
    drifted = {(row[0][2], row[1][2], row[2][2], row[3][2]): row[5][2] for row in tables.tables['drift'][1:]}
    assert drifted[(names[0], 'group_members', 'Allow ChatGPT Access', 'would change')] == 'members'
    assert drifted[(names[1], 'conditional_access_policy', 'GSA - Allow ChatGPT (JIT)', 'would change')] == 'policy_state'
    assert len(drifted) == 3
    bars = Bars()
    bars.feed(dom)
    assert {tenant: count for tenant, (count, width) in bars.bars.items()} == {names[0]: 1, names[1]: 1, names[2]: 0}
    assert bars.bars[names[0]][1] > bars.bars[names[2]][1]
    assert '<script' not in page.read_text() and 'http://' not in page.read_text().replace('http://www.w3.org/2000/svg', '')

    screenshot = tmp_path / 'drift-report.png'
    in_chromium(page, tmp_path, '--screenshot=%s' % screenshot, '--window-size=1400,900')
    assert screenshot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and screenshot.stat().st_size > 10000
    print(json.dumps({'markdown': str(tmp_path / 'drift-report.md'), 'html': str(page), 'screenshot': str(screenshot)}))
