# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one check of names people give Entra objects (display names, policy, rule and profile names, question texts),
shared by the modules and the jit_ai_access role. Pure functions, importable without Ansible.

Internal use only: this file is not part of the collection's public API and may change without notice.

A name is shown to people in the portal and in My Access, compared by the next run, and matched by other objects.
Characters a person cannot see or that reorder what they see would let two names look alike (``Chat\\u200bGPT``),
hide text (U+202E RIGHT-TO-LEFT OVERRIDE) or break a later lookup (a trailing newline), so a name holds none of them.
"""

from __future__ import annotations

import unicodedata

# Unicode general categories refused in names: controls (NUL, newline, tab, ...), format characters (zero-width
# space and joiners, bidirectional embeddings, overrides and isolates, the byte order mark, soft hyphen), line and
# paragraph separators, and lone surrogates.
_REFUSED_CATEGORIES = {'Cc': 'a control character', 'Cf': 'an invisible formatting character', 'Zl': 'a line separator',
                       'Zp': 'a paragraph separator', 'Cs': 'a lone surrogate'}


def character_problem(value):
    """Why ``value`` may not name an object because of a character it holds, or None."""
    for position, char in enumerate(value, 1):
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind:
            return 'must not contain %s (U+%04X %s at position %d)' % (
                kind, ord(char), unicodedata.name(char, 'unnamed'), position)
    return None


def name_problem(value, max_length=None):
    """Why ``value`` cannot be a name (blank, too long, an invisible or control character), or None."""
    if not isinstance(value, str):
        return 'must be a string'
    if not value.strip():
        return 'must not be blank'
    if max_length is not None and len(value) > max_length:
        return 'must be at most %d characters (has %d)' % (max_length, len(value))
    return character_problem(value)
