"""The drift report's rendering: every state a cell can take, What-If verdicts, and names from a tenant escaped."""

from __future__ import annotations

import html.parser

from ansible_collections.jitaccess.entra.plugins.module_utils._drift_report import build, render_html, render_markdown

HOSTILE = '<img src=x onerror=alert(1)> | **bold** [link](http://evil)\nnext'
SUMMARIES = {
    'contoso': {'check_mode': False, 'failed': False, 'objects': [
        {'object': 'group', 'name': HOSTILE, 'status': 'changed', 'action': 'update', 'fields': ['members']},
        {'object': 'access_package', 'name': 'ChatGPT', 'status': 'ok', 'action': None, 'fields': []}],
        'verification': [{'app': 'ChatGPT', 'verified': True, 'reason': 'granted to the member, not to others'}]},
    'fabrikam': {'check_mode': False, 'failed': True, 'objects': [
        {'object': 'group', 'name': HOSTILE, 'status': 'failed', 'action': None, 'fields': [], 'message': 'HTTP 403 <denied>'}],
        'verification': [{'app': 'Claude', 'verified': False, 'reason': 'risk medium got the profile'},
                         {'app': 'ChatGPT', 'verified': None, 'reason': 'nothing to sign in as'}]},
}


class Texts(html.parser.HTMLParser):
    """Tags and text of a page, as a browser's parser sees them."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_every_cell_state_and_verdict():
    model = build(SUMMARIES)
    assert model['columns'] == [('group', HOSTILE.replace('\n', ' ')), ('access_package', 'ChatGPT')]
    assert [tenant['row'] for tenant in model['tenants']] == [['changed', 'ok'], ['failed', 'not_verified']]
    assert [(v['tenant'], v['app'], v['label']) for v in model['verdicts']] == [
        ('contoso', 'ChatGPT', 'verified'), ('fabrikam', 'Claude', 'NOT verified'), ('fabrikam', 'ChatGPT', 'not verified')]
    assert model['mode'] == 'enforce'


def test_names_from_a_tenant_cannot_inject_markup():
    page = render_html(SUMMARIES)
    parsed = Texts()
    parsed.feed(page)
    assert 'img' not in parsed.tags and 'script' not in parsed.tags and 'a' not in parsed.tags
    assert HOSTILE.replace('\n', ' ') in ''.join(parsed.text)
    markdown = render_markdown(SUMMARIES)
    assert '<img' not in markdown and '](' not in markdown and '**bold**' not in markdown
    assert r'&lt;img src=x onerror=alert\(1\)&gt; \| \*\*bold\*\* \[link\]\(http://evil\) next' in markdown
    assert '- fabrikam: Claude NOT verified: risk medium got the profile' in markdown
    assert 'HTTP 403 &lt;denied&gt;' in markdown
    assert '- contoso: ChatGPT verified' in markdown.splitlines()


def test_a_long_drift_list_stays_short_in_markdown():
    many = {'tenant%02d' % n: {'check_mode': True, 'objects': [
        {'object': 'group', 'name': 'G%d' % n, 'status': 'would_change', 'action': 'create', 'fields': ['displayName']}]}
        for n in range(40)}
    markdown = render_markdown(many)
    assert '- and 25 more (see the HTML report)' in markdown
    assert markdown.splitlines()[2] == '**40 of 40 tenants drifted**'
