# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark baseline: a module that parses its arguments and exits, nothing else."""

from __future__ import annotations

DOCUMENTATION = r'''
module: noop
short_description: Benchmark baseline that does nothing
description:
  - Parses its arguments and exits unchanged; the reference cost of one Ansible task.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  label:
    description: Ignored.
    type: str
'''

EXAMPLES = r'''
- name: Baseline
  noop:
'''

RETURN = r''' # '''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(label=dict(type='str')), supports_check_mode=True)
    module.exit_json(changed=False)


if __name__ == '__main__':
    main()
