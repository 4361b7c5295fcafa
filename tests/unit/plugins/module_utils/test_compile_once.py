"""Modules import _compile_once first: a module_utils source in Ansible's zip is then compiled once per task, not twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

PROBE = r'''
import json, sys, zipimport
compiled = []
compile_source = zipimport._compile_source
zipimport._compile_source = lambda pathname, source: compiled.append(pathname) or compile_source(pathname, source)
if sys.argv[2] == 'once':
    from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # the modules' first import
sys.path.insert(0, sys.argv[1])
from pkg import util
print(json.dumps({'compiled': sorted(compiled), 'value': util.VALUE, 'answer': util.answer(), 'file': util.__file__}))
'''


def import_from_zip(tmp_path, mode):
    archive = tmp_path / 'payload.zip'
    with zipfile.ZipFile(archive, 'w') as payload:
        payload.writestr('pkg/__init__.py', '')
        payload.writestr('pkg/util.py', 'VALUE = "from the zip"\n\n\ndef answer():\n    return 42\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), PYTHONDONTWRITEBYTECODE='1')
    result = subprocess.run([sys.executable, '-c', PROBE, str(archive), mode], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout), str(archive)


def test_each_source_in_the_zip_is_compiled_once(tmp_path):
    loaded, archive = import_from_zip(tmp_path, 'once')
    assert loaded['compiled'] == [os.path.join(archive, 'pkg', '__init__.py'), os.path.join(archive, 'pkg', 'util.py')]
    assert (loaded['value'], loaded['answer'], loaded['file']) == ('from the zip', 42, os.path.join(archive, 'pkg', 'util.py'))


def test_without_it_zipimport_compiles_each_source_twice(tmp_path):
    """The cost _compile_once removes: finding a module in a zip compiles it, and loading it compiles it again."""
    loaded, archive = import_from_zip(tmp_path, 'plain')
    assert loaded['compiled'] == sorted(2 * [os.path.join(archive, 'pkg', '__init__.py'), os.path.join(archive, 'pkg', 'util.py')])
    assert loaded['value'] == 'from the zip'


def test_every_module_imports_it_before_any_other_module_util():
    modules = sorted((Path(__file__).resolve().parents[4] / 'plugins' / 'modules').glob('*.py'))
    assert modules
    for module in modules:
        first = next(line for line in module.read_text().splitlines() if line.startswith('from ansible_collections.'))
        assert first.startswith('from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once'), module.name
