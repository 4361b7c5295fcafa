# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of a Global Secure Access web content filtering policy (beta ``/networkAccess/filteringPolicies``) and its rules.

Internal use only: this file is not part of the collection's public API and may change without notice.

The action (block / allow) belongs to the policy, not to a rule. Rules are reconciled one by one through
``policyRules`` (add / PATCH / delete), never by recreating the policy. Global Secure Access objects have ``name``,
not ``displayName``, and the service documents no ``$filter``, so names are matched on the full listing.
"""

from __future__ import annotations

import difflib
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Constant, Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Children
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec, check_name

NS = '#microsoft.graph.networkaccess.'
POLICIES_PATH = '/networkAccess/filteringPolicies'
CATEGORIES_PATH = '/networkAccess/connectivity/webCategories'
# rule type option value -> (rule @odata.type, destination @odata.type, the destination property holding the value)
RULE_TYPES = {
    'webCategory': (NS + 'webCategoryFilteringRule', NS + 'webCategory', 'name'),
    'fqdn': (NS + 'fqdnFilteringRule', NS + 'fqdn', 'value'),
}
ACTIONS = ('block', 'allow')

_LABEL = re.compile(r'(?!-)[a-z0-9-]{1,63}(?<!-)')  # a whole label: used with fullmatch


def fqdn_problem(value):
    """Why ``value`` is not a host name a filtering rule accepts (``*.`` wildcard allowed in front), or None."""
    if not value or not value.strip():
        return 'must not be empty'
    if '://' in value or '/' in value:
        return 'must be a host name such as chatgpt.com, not a URL'
    host = value.lower()
    if host.startswith('*.'):
        host = host[2:]
    if '*' in host:
        return 'a wildcard is only allowed as the whole first label, as in *.chatgpt.com'
    if len(host) > 253:
        return 'must be at most 253 characters'
    labels = host.split('.')
    if len(labels) < 2:
        return 'must have at least two labels, as in chatgpt.com'
    for label in labels:
        if not _LABEL.fullmatch(label):
            return 'label %r must be 1 to 63 ASCII letters, digits or hyphens, not starting or ending with a hyphen' % label
    if labels[-1].isdigit():
        return 'must be a host name, not an IP address'
    return None


def category_index(categories):
    """{lower-case API name or display name: API name} for the tenant's web categories."""
    index = {}
    for category in categories:
        for key in (category.get('displayName'), category.get('name')):
            if key:
                index[key.lower()] = category['name']
    return index


def category_name(value, index):
    """The API name of a category given by API name or display name (any case), or None."""
    return index.get(value.strip().lower())


def category_hint(value, index):
    """A 'did you mean' suffix for an unknown category name, or ''."""
    names = sorted(set(index.values()))
    close = difflib.get_close_matches(value, names, n=3, cutoff=0.6)
    close = close or [index[key] for key in difflib.get_close_matches(value.lower(), sorted(index), n=3, cutoff=0.6)]
    return '; did you mean %s?' % ' or '.join(sorted(set(close))) if close else ''


def canonical_destinations(rule_type, values):
    """Destinations in the form compared and shown: sorted, without duplicates, FQDNs in lower case."""
    if rule_type == 'fqdn':
        values = [value.lower() for value in values]
    return sorted(set(values))


class NetworkAccessSpec(ResourceSpec):
    """What the Global Secure Access specs share: beta, ``name`` as the natural key, client-side name matching. The
    listing is handed to the run's resolver (``kind``), so a reference to one of these objects reads nothing more."""

    api = 'beta'
    name_option = 'name'
    name_property = 'name'
    match_names_in_listing = True


class PolicyRules(Children):
    """The rules of a filtering policy, keyed by rule name: ``{name, type, destinations}``. A new policy gets its rules in
    the create body (deep insert), so it never exists half-made."""

    create_prop = 'policyRules'

    def create_item(self, value):
        return self.body(value)

    @staticmethod
    def item(rule):
        rule_type = rule.get('ruleType') or next((key for key, types in RULE_TYPES.items() if types[0] == rule.get('@odata.type')), None)
        values = [d.get('name') if d.get('@odata.type') == NS + 'webCategory' else d.get('value') for d in rule.get('destinations') or []]
        return {'name': rule.get('name'), 'type': rule_type, 'destinations': canonical_destinations(rule_type, [v for v in values if v])}

    def read(self, ctx, obj):
        rules = obj.get('policyRules')
        if rules is None:
            rules = ctx.client.list('%s/%s/policyRules' % (POLICIES_PATH, obj['id']), api='beta',
                                    action='reading the rules of filtering policy %r' % obj.get('name'))
        return [(rule['id'], self.item(rule)) for rule in rules]

    def resolve(self, ctx, items):
        # The categories the policy's rules already hold name themselves: only others are looked up in the tenant's list.
        held = category_index(destination for rule in (ctx.current or {}).get('policyRules') or [] for destination in rule.get('destinations') or []
                              if destination.get('@odata.type') == NS + 'webCategory' and destination.get('name'))
        index = None
        resolved = []
        for number, item in enumerate(items):
            values = item['destinations']
            if item['type'] == 'webCategory':
                if index is None and any(category_name(value, held) is None for value in values):
                    index = category_index(ctx.client.list(CATEGORIES_PATH, api='beta', action='reading the web category list'))
                names = []
                for value in values:
                    name = category_name(value, index or held)
                    if name is None:
                        raise ValidationError('rules[%d].destinations' % number, value,
                                              'is not a web category of this tenant' + category_hint(value, index))
                    names.append(name)
                values = names
            resolved.append({'name': item['name'], 'type': item['type'], 'destinations': canonical_destinations(item['type'], values)})
        return resolved

    @staticmethod
    def body(item):
        """A rule as created and updated: networkaccess-filteringrule-update.md requires name and ruleType on a PATCH too."""
        rule_type, destination_type, prop = RULE_TYPES[item['type']]
        return {'@odata.type': rule_type, 'name': item['name'], 'ruleType': item['type'],
                'destinations': [{'@odata.type': destination_type, prop: value} for value in item['destinations']]}

    def _path(self, obj, rule_id=None):
        return '%s/%s/policyRules%s' % (POLICIES_PATH, obj['id'], '/%s' % rule_id if rule_id else '')

    def _find(self, ctx, obj, name):
        rules = ctx.client.list(self._path(obj), api='beta', action='looking for rule %r' % name)
        return next((rule for rule in rules if rule.get('name') == name), None)

    def add(self, ctx, obj, item):
        ctx.client.post(self._path(obj), self.body(item), api='beta',
                        action='adding rule %r to filtering policy %r' % (item['name'], obj.get('name')),
                        recover=lambda: self._find(ctx, obj, item['name']))

    def update(self, ctx, obj, child_id, before, after):
        if before.get('type') != after['type']:
            # A rule's type is its @odata.type, which Graph cannot change in place.
            self.remove(ctx, obj, child_id, before)
            self.add(ctx, obj, after)
            return
        ctx.client.patch(self._path(obj, child_id), self.body(after), api='beta',
                         action='updating rule %r of filtering policy %r' % (after['name'], obj.get('name')))

    def remove(self, ctx, obj, child_id, item):
        ctx.client.delete(self._path(obj, child_id), api='beta',
                          action='removing rule %r from filtering policy %r' % (item['name'], obj.get('name')))


def validate_rules(rules):
    """Pure checks of the declared rules: unique names, at least one destination, FQDN syntax."""
    seen = set()
    for number, rule in enumerate(rules or []):
        check_name('rules[%d].name' % number, rule['name'])
        if rule['name'] in seen:
            raise ValidationError('rules[%d].name' % number, rule['name'], 'two rules have this name; rule names must be unique within a policy')
        seen.add(rule['name'])
        if not rule['destinations']:
            raise ValidationError('rules[%d].destinations' % number, rule['destinations'], 'a rule needs at least one destination')
        for value in rule['destinations']:
            problem = fqdn_problem(value) if rule['type'] == 'fqdn' else (None if value.strip() else 'must not be empty')
            if problem:
                raise ValidationError('rules[%d].destinations' % number, value, problem)


class FilteringPolicySpec(NetworkAccessSpec):
    noun = 'filtering_policy'
    kind = 'filtering_policy'
    path = POLICIES_PATH
    expand = 'policyRules'
    fields = (
        Field('name', 'name'),
        Field('description', 'description'),
        Field('action', 'action', required='is required to create a filtering policy (block or allow)'),
        Constant('@odata.type', NS + 'filteringPolicy'),
    )
    relations = (PolicyRules('rules', 'purge_rules'),)
    argument_spec = dict(
        name=dict(type='str'),
        id=dict(type='str'),
        description=dict(type='str'),
        action=dict(type='str', choices=list(ACTIONS)),
        rules=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            type=dict(type='str', required=True, choices=list(RULE_TYPES), aliases=['rule_type']),
            destinations=dict(type='list', elements='str', required=True),
        )),
        purge_rules=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
    required_one_of = (('name', 'id'),)

    def validate(self, params):
        validate_rules(params.get('rules'))

    def links_to(self, ctx, obj):
        """(profile, link) pairs of the security profiles that link this policy."""
        profiles = ctx.client.list('/networkAccess/filteringProfiles', api='beta', params={'$expand': 'policies($expand=policy)'},
                                   action='looking for security profiles that link filtering policy %r' % obj.get('name'))
        return [(profile, link) for profile in profiles for link in profile.get('policies') or []
                if ((link.get('policy') or {}).get('id') or '').lower() == obj['id'].lower()]

    def check_delete(self, ctx, obj):
        linked = self.links_to(ctx, obj)
        if not linked:
            return
        names = ', '.join('%r (id %s)' % (profile.get('name'), profile['id']) for profile, dummy in linked)
        if not ctx.params.get('force'):
            raise ResourceError('filtering policy %r is still linked to security profile %s; unlink it there first, or set force=true '
                                'to remove the links and delete it' % (obj.get('name'), names))
        ctx.warn('filtering policy %r is unlinked from security profile %s before it is deleted' % (obj.get('name'), names))

    def delete(self, ctx, obj):
        for profile, link in self.links_to(ctx, obj):
            ctx.client.delete('/networkAccess/filteringProfiles/%s/policies/%s' % (profile['id'], link['id']), api='beta',
                              action='unlinking filtering policy %r from security profile %r' % (obj.get('name'), profile.get('name')))
        super().delete(ctx, obj)


# ---- filtering_policy_info: the listing ------------------------------------------------------------------------------

class FilteringPolicyInfoSpec(InfoSpec, FilteringPolicySpec):
    plural = 'filtering_policies'
    filters = dict(
        include_rules=dict(type='bool', default=True),
    )

    def validate(self, params):
        """Nothing beyond the name, which the lifecycle checks: rules are no option of the listing."""

    # ---- the query -----------------------------------------------------------------------------------------------

    def listing(self, ctx):
        return self.list_all(ctx)
