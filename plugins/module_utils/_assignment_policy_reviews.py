# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The access reviews of an access package assignment policy, as a field type: how often who reviews who holds the
package, and what happens to access nobody reviewed.

Internal use only: this file is not part of the collection's public API and may change without notice.

Turning reviews off keeps their settings in Graph (for when they are turned on again), and while they are off only
``enabled`` is shown and compared.
"""

from __future__ import annotations

import copy

from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_people import People, Section
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_sections import days_duration, days_view, overlay
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import canonical_datetime
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError

RECURRENCES = {'weekly': ('weekly', 1), 'monthly': ('absoluteMonthly', 1), 'quarterly': ('absoluteMonthly', 3),
               'semi_annually': ('absoluteMonthly', 6), 'annually': ('absoluteMonthly', 12)}
DECISIONS = {'keep_access': 'keepAccess', 'remove_access': 'removeAccess', 'accept_recommendation': 'acceptAccessRecommendation'}
REVIEW_FLAGS = {'self_review': 'isSelfReview', 'recommendations': 'isRecommendationEnabled',
                'reviewer_justification': 'isReviewerJustificationRequired'}
# What access reviews get for options left unset when they are turned on.
REVIEW_DEFAULTS = {'recurrence': 'quarterly', 'duration_days': 14, 'self_review': False, 'decision_default': 'keep_access',
                   'recommendations': True, 'reviewer_justification': True}


class AccessReviews(Section):
    """Recurring reviews of who holds the package (``reviewSettings``); while they are off only ``enabled`` shows."""

    reviewers = People(('manager',))
    fallback = People()

    def validate(self, value, option_path=None):
        if value is None:
            return
        if value.get('duration_days') is not None and not 1 <= value['duration_days'] <= 180:
            raise ValidationError('access_reviews.duration_days', value['duration_days'], 'must be 1 to 180 days')
        if value.get('starts') is not None:
            try:
                canonical_datetime(value['starts'])
            except ValueError as exc:
                raise ValidationError('access_reviews.starts', value['starts'], str(exc)) from exc
        self.reviewers.validate(value.get('reviewers'), 'access_reviews.reviewers')
        self.fallback.validate(value.get('fallback_reviewers'), 'access_reviews.fallback_reviewers')
        if People.needs_fallback(value.get('reviewers')) and not People.named(value.get('fallback_reviewers')):
            raise ValidationError('access_reviews.fallback_reviewers', value.get('fallback_reviewers'),
                                  'is required when reviewers include the manager (it handles users who have none)')

    def subjects(self, policy):
        reviews = policy.get('reviewSettings') or {}
        yield reviews.get('primaryReviewers')
        yield reviews.get('fallbackReviewers')

    def view(self, policy, labels):
        # The other settings mean nothing while reviews are off, so they are neither shown nor compared.
        reviews = policy.get('reviewSettings') or {}
        if not reviews.get('isEnabled'):
            return {'enabled': False}
        schedule = reviews.get('schedule') or {}
        expiration = schedule.get('expiration') or {}
        out = {'enabled': True, 'recurrence': _recurrence_view(schedule.get('recurrence')),
               'duration_days': days_view(expiration.get('duration')) if expiration.get('duration') else None,
               'starts': canonical_datetime(schedule['startDateTime']) if schedule.get('startDateTime') else None,
               'reviewers': People.view(reviews.get('primaryReviewers'), labels),
               'fallback_reviewers': People.view(reviews.get('fallbackReviewers'), labels)}
        decisions = {graph: name for name, graph in DECISIONS.items()}
        out['decision_default'] = decisions.get(reviews.get('expirationBehavior'), reviews.get('expirationBehavior'))
        out.update({name: bool(reviews.get(prop)) for name, prop in REVIEW_FLAGS.items()})
        return out

    def declare(self, value, resolve):
        out = {key: item for key, item in value.items() if item is not None and key not in ('reviewers', 'fallback_reviewers')}
        if 'starts' in out:
            out['starts'] = canonical_datetime(out['starts'])
        for key, people in (('reviewers', self.reviewers), ('fallback_reviewers', self.fallback)):
            if value.get(key) is not None:
                out[key] = people.declare(value[key], resolve, 'access_reviews.' + key)
        return out

    def merge(self, current, declared):
        current = current or {'enabled': False}
        enabled = declared.get('enabled')
        if enabled is None:
            enabled = current.get('enabled')
        if not enabled:
            return {'enabled': False}
        defaults = dict(REVIEW_DEFAULTS, starts=None, reviewers={}, fallback_reviewers={})
        return overlay({key: value for key, value in current.items() if value is not None}, declared, defaults)

    def check(self, after):
        after = after or {}
        if after.get('enabled') and not after.get('self_review') and not after.get('reviewers'):
            raise ValidationError('access_reviews.reviewers', after.get('reviewers'), 'access reviews need reviewers or self_review=true')
        if (after.get('reviewers') or {}).get('manager') and not after.get('fallback_reviewers'):
            raise ValidationError('access_reviews.fallback_reviewers', None, 'is required when reviewers include the manager')

    def write(self, body, after, ids):
        body['reviewSettings'] = self.graph(after, ids, body.get('reviewSettings'))

    @staticmethod
    def graph(reviews, ids, current=None):
        if not reviews.get('enabled'):
            # Turning reviews off keeps their settings for when they are turned on again.
            return dict(current, isEnabled=False) if current else None
        body = copy.deepcopy(current or {})
        body['isEnabled'] = True
        if reviews.get('decision_default'):
            body['expirationBehavior'] = DECISIONS.get(reviews['decision_default'], reviews['decision_default'])
        body.update({prop: reviews[name] for name, prop in REVIEW_FLAGS.items() if reviews.get(name) is not None})
        for name, prop in (('reviewers', 'primaryReviewers'), ('fallback_reviewers', 'fallbackReviewers')):
            if reviews.get(name) is not None:
                body[prop] = People.write(reviews[name], ids)
        schedule = body.setdefault('schedule', {}) or {}
        body['schedule'] = schedule
        if reviews.get('starts'):
            schedule['startDateTime'] = reviews['starts']
        if reviews.get('duration_days'):
            schedule['expiration'] = {'type': 'afterDuration', 'duration': days_duration(reviews['duration_days']), 'endDateTime': None}
        if reviews.get('recurrence') in RECURRENCES:
            kind, interval = RECURRENCES[reviews['recurrence']]
            recurrence = schedule.setdefault('recurrence', {}) or {}
            schedule['recurrence'] = recurrence
            recurrence['pattern'] = dict(recurrence.get('pattern') or {}, type=kind, interval=interval)
            recurrence.setdefault('range', {'type': 'noEnd', 'numberOfOccurrences': 0})
        return body


def _recurrence_view(recurrence):
    pattern = (recurrence or {}).get('pattern') or {}
    found = (pattern.get('type'), pattern.get('interval') or 1)
    if found == ('absoluteYearly', 1):
        return 'annually'
    name = next((name for name, shape in RECURRENCES.items() if shape == found), None)
    return name or ('%s every %s' % found if found[0] else None)
