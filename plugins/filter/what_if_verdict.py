# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: whether Conditional Access What If proves that an app's allow profile reaches exactly its members."""

from __future__ import annotations

DOCUMENTATION = r'''
name: what_if_verdict
short_description: The verdict of the jit_ai_access role's What If proof for one app
version_added: 0.1.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Reads the registered results of M(jitaccess.entra.conditional_access_what_if) run in a loop over probes (each loop
    item a dict with C(user), C(role) (C(member) or C(non_member)), C(risk) and C(expect), whether the sign-in should get
    the allow policy) and says whether every probe got what it should.
  - A probe that should get it passes when the enforced policy O(policy) applies and hands out the security profile
    O(profile); a probe that should not passes when no enforced policy hands out O(profile) and O(policy) does not apply.
  - The jit_ai_access role puts the verdict in its per-tenant summary.
options:
  _input:
    description: The registered result of the looped What If task (its C(results)).
    type: dict
    required: true
  app:
    description: The app's name.
    type: str
    required: true
  policy:
    description: The display name of the app's Conditional Access policy.
    type: str
    required: true
  profile:
    description: The name of the app's security profile.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Record the verdict
  ansible.builtin.set_fact:
    verdicts: "{{ verdicts + [what_if | jitaccess.entra.what_if_verdict('ChatGPT', 'GSA - Allow ChatGPT (JIT)', 'Allow ChatGPT')] }}"
'''

RETURN = r'''
_value:
  description: The verdict.
  type: dict
  contains:
    app:
      description: The app's name.
      type: str
    verified:
      description: True when every probe got what it should, false when one did not, null when there was nothing to probe.
      type: bool
    reason:
      description: One line saying what was proven, or which probes failed and why.
      type: str
    probes:
      description: Each probe (C(user), C(role), C(risk), C(expect), C(got), C(passed), C(reason)).
      type: list
      elements: dict
'''


def _hands_out(entry, profile):
    return bool(entry.get('applies') and entry.get('state') == 'enabled' and (entry.get('security_profile') or {}).get('name') == profile)


def _probe(result, policy, profile):
    """One probe's outcome: (got the allow policy with its profile?, why not / what went wrong)."""
    if result.get('failed'):
        return None, 'What If failed: %s' % result.get('msg', 'no message')
    evaluated = result.get('policies') or []
    mine = next((entry for entry in evaluated if entry.get('display_name') == policy), None)
    if mine is None:
        return False, '%s does not exist' % policy
    if not mine.get('applies'):
        return False, '%s does not apply (%s)' % (policy, mine.get('analysis_reasons') or 'no reason given')
    if mine.get('report_only'):
        return False, '%s applies only in report-only mode' % policy
    if mine.get('state') != 'enabled':
        return False, '%s is %s' % (policy, mine.get('state'))
    handed = (mine.get('security_profile') or {}).get('name')
    if handed != profile:
        return False, '%s applies but hands out %s, not %s' % (policy, handed or 'no security profile', profile)
    return True, '%s applies with %s' % (policy, profile)


def what_if_verdict(registered, app, policy, profile):
    results = (registered or {}).get('results') or []
    probes = []
    for result in results:
        if result.get('skipped'):
            continue
        item = result.get(result.get('ansible_loop_var') or 'item') or {}
        got, why = _probe(result, policy, profile)
        expect = bool(item.get('expect'))
        if got is None:
            passed = False
        elif expect:
            passed = got
        else:
            # Neither the policy nor the profile through another policy.
            leaks = [entry.get('display_name') for entry in result.get('policies') or [] if _hands_out(entry, profile)]
            passed = not got and not leaks
            if leaks and not got:
                why = '%s hands out %s' % (', '.join(leaks), profile)
        probes.append({'user': item.get('user'), 'role': item.get('role'), 'risk': item.get('risk'), 'expect': expect,
                       'got': bool(got), 'passed': passed, 'reason': why})
    if not probes:
        return {'app': app, 'verified': None, 'reason': 'nothing was probed', 'probes': []}
    failed = [probe for probe in probes if not probe['passed']]
    if failed:
        reason = '; '.join('%s %s at sign-in risk %s %s: %s' % (
            probe['role'].replace('_', '-'), probe['user'], probe['risk'], 'should get it' if probe['expect'] else 'should not get it',
            probe['reason']) for probe in failed)
        return {'app': app, 'verified': False, 'reason': reason, 'probes': probes}
    gets = 'gets %s with %s' % (policy, profile)
    proven = ['%s %s at sign-in risk %s %s' % (probe['role'].replace('_', '-'), probe['user'], probe['risk'], gets if probe['expect'] else 'does not')
              for probe in probes]
    return {'app': app, 'verified': True, 'reason': '; '.join(proven), 'probes': probes}


class FilterModule:  # pylint: disable=too-few-public-methods
    """jitaccess.entra filters."""

    def filters(self):
        return {'what_if_verdict': what_if_verdict}
