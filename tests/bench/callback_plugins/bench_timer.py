# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark helper: a callback that records when each task starts and how it ended."""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Records task start times and results for the benchmark
description:
  - Appends one JSON line per task start, task result and playbook end to the file named by C(BENCH_TIMER_LOG).
author:
  - jitaccess.entra maintainers (@jitaccess)
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, **event):
        with open(os.environ['BENCH_TIMER_LOG'], 'a', encoding='utf-8') as log:
            log.write(json.dumps(dict(event, time=time.time())) + '\n')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._record(event='start', task=task.get_name())

    def v2_runner_on_ok(self, result):
        self._record(event='ok', task=result.task_name, changed=bool(result._result.get('changed')))  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(event='failed', task=result.task_name, msg=str(result._result.get('msg', '')))  # pylint: disable=protected-access

    def v2_playbook_on_stats(self, stats):
        self._record(event='end')
