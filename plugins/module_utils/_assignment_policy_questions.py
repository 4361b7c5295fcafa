# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The questions an access package assignment policy asks requestors, as a field type: a list keyed by question text.

Internal use only: this file is not part of the collection's public API and may change without notice.

A question keeps the Graph id of the current question with the same text, which keeps earlier answers linked to it;
a changed text is a new question. The order of the list is the order Graph asks them in (``sequence``).
"""

from __future__ import annotations

import re

from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_people import GRAPH, Section
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import check_name


def _localizations_view(items):
    return sorted(({'language': item.get('languageCode'), 'text': item.get('text')} for item in items or []),
                  key=lambda item: item['language'] or '')


def _declared_localizations(items):
    return sorted(({'language': item['language'].strip(), 'text': item['text']} for item in items or []),
                  key=lambda item: item['language'])


def _localizations_body(items):
    return [{'languageCode': item['language'], 'text': item['text']} for item in items or []]


class Questions(Section):
    """Requestor questions (``questions``): free text or multiple choice, with translations."""

    def validate(self, value, option_path=None):
        seen = set()
        for number, question in enumerate(value or [], 1):
            option = 'questions[%d]' % number
            text = question.get('text')
            if not (text or '').strip():
                raise ValidationError(option + '.text', text, 'every question needs text')
            check_name(option + '.text', text)
            if text.strip() in seen:
                raise ValidationError(option + '.text', text, 'two questions have this text; texts identify questions')
            seen.add(text.strip())
            self._validate_kind(option, question)
            self._validate_choices(option, question)

    @staticmethod
    def _validate_kind(option, question):
        choice = question.get('type') == 'multiple_choice'
        if choice and not question.get('choices'):
            raise ValidationError(option + '.choices', question.get('choices'), 'a multiple_choice question needs choices')
        if not choice and (question.get('choices') or question.get('allow_multiple')):
            raise ValidationError(option + '.choices', question.get('choices'), 'only multiple_choice questions take choices')
        if choice and (question.get('regex') or question.get('multiline')):
            raise ValidationError(option + '.regex', question.get('regex'), 'only text questions take regex and multiline')
        if question.get('regex'):
            try:
                re.compile(question['regex'])
            except re.error as exc:
                raise ValidationError(option + '.regex', question['regex'], 'is not a valid regular expression: %s' % exc) from exc

    @staticmethod
    def _validate_choices(option, question):
        values = set()
        for index, item in enumerate(question.get('choices') or [], 1):
            if not (item.get('value') or '').strip():
                raise ValidationError('%s.choices[%d].value' % (option, index), item.get('value'), 'every choice needs a value')
            check_name('%s.choices[%d].value' % (option, index), item['value'])
            check_name('%s.choices[%d].text' % (option, index), item.get('text'))
            if item['value'] in values:
                raise ValidationError('%s.choices[%d].value' % (option, index), item['value'], 'two choices have this value')
            values.add(item['value'])
        places = [(option, question)] + [('%s.choices[%d]' % (option, i), c) for i, c in enumerate(question.get('choices') or [], 1)]
        for place, localized in places:
            for index, item in enumerate(localized.get('localizations') or [], 1):
                if not (item.get('language') or '').strip() or not (item.get('text') or '').strip():
                    raise ValidationError('%s.localizations[%d]' % (place, index), item, 'needs both language and text')

    def view(self, policy, labels):
        return [self.question_view(question) for question in sorted(policy.get('questions') or [], key=lambda q: q.get('sequence') or 0)]

    @staticmethod
    def question_view(question):
        choice = (question.get('@odata.type') or '').endswith('MultipleChoiceQuestion')
        out = {'id': question.get('id'), 'text': question.get('text'), 'type': 'multiple_choice' if choice else 'text',
               'required': bool(question.get('isRequired')), 'answer_editable': bool(question.get('isAnswerEditable')),
               'localizations': _localizations_view(question.get('localizations'))}
        if choice:
            out['allow_multiple'] = bool(question.get('isMultipleSelectionAllowed'))
            out['choices'] = [{'value': c.get('actualValue'), 'text': c.get('text') or c.get('actualValue'),
                               'localizations': _localizations_view(c.get('localizations'))} for c in question.get('choices') or []]
        else:
            out['multiline'] = question.get('isSingleLineQuestion') is False
            out['regex'] = question.get('regexPattern') or None
        return out

    def declare(self, value, resolve):
        return [self.declared_question(question) for question in value]

    @staticmethod
    def declared_question(question):
        choice = question['type'] == 'multiple_choice'
        out = {'id': None, 'text': question['text'].strip(), 'type': question['type'], 'required': question['required'],
               'answer_editable': question['answer_editable'], 'localizations': _declared_localizations(question.get('localizations'))}
        if choice:
            out['allow_multiple'] = question['allow_multiple']
            out['choices'] = [{'value': c['value'], 'text': c.get('text') or c['value'],
                               'localizations': _declared_localizations(c.get('localizations'))} for c in question['choices']]
        else:
            out['multiline'] = question['multiline']
            out['regex'] = question.get('regex') or None
        return out

    def merge(self, current, declared):
        """Declared questions with the id of the current question of the same text (first unmatched one), else None."""
        pool = list(current or [])
        out = []
        for question in declared:
            found = next((q for q in pool if q.get('text') == question['text']), None)
            if found is not None:
                pool.remove(found)
            out.append(dict(question, id=found.get('id') if found else None))
        return out

    def write(self, body, after, ids):
        body['questions'] = [self.question_body(question, sequence) for sequence, question in enumerate(after, 1)]

    @staticmethod
    def question_body(question, sequence):
        choice = question['type'] == 'multiple_choice'
        body = {'@odata.type': GRAPH + ('accessPackageMultipleChoiceQuestion' if choice else 'accessPackageTextInputQuestion'),
                'sequence': sequence, 'isRequired': question['required'], 'isAnswerEditable': question['answer_editable'],
                'text': question['text'], 'localizations': _localizations_body(question.get('localizations'))}
        if question.get('id'):
            body['id'] = question['id']
        if choice:
            body['isMultipleSelectionAllowed'] = question['allow_multiple']
            body['choices'] = [{'actualValue': c['value'], 'text': c['text'], 'localizations': _localizations_body(c.get('localizations'))}
                               for c in question['choices']]
        else:
            body['isSingleLineQuestion'] = not question['multiline']
            body['regexPattern'] = question.get('regex')
        return body

    def took(self, after, answer):
        self.take_ids(after, answer)

    @staticmethod
    def take_ids(after, answer):
        """New questions get their ids from Graph's answer to a write (matched by position, which the sequence fixes)."""
        graph = sorted((answer or {}).get('questions') or [], key=lambda q: q.get('sequence') or 0)
        if len(graph) == len(after.get('questions') or []):
            for question, created in zip(after['questions'], graph):
                question['id'] = created.get('id') or question['id']
