#!/usr/bin/env bash
# Run the full `ansible-test sanity` suite on a copy of the working tree.
#
# ansible-test wants the collection at .../ansible_collections/<namespace>/<name>/,
# so the files git knows about (tracked, plus untracked ones that are not
# ignored) are copied to .build/sanity/ansible_collections/jitaccess/entra/,
# which is made a git repository of its own with nothing committed.
#
# Each sanity test builds its own venv and first bootstraps pip into it with a
# script ansible-test downloads from a host these machines cannot reach. It
# uses a cached copy under ~/.ansible/test/cache/ when one exists, so HOME is
# pointed at .build/home and our own stand-in is put there, with the pinned pip
# wheel (downloaded once from the package index) unpacked beside it: each venv
# then gets pip in one short run instead of ensurepip and an upgrade (about 3.5 s
# of CPU less per venv; a fresh run builds nine). The test venvs are cached under
# that HOME too, which makes warm runs fast without touching the user's real
# home directory.
#
# Usage: tools/sanity.sh [extra ansible-test sanity arguments]
# Environment: VENV (default .venv), SANITY_PYTHON (default 3.11), SANITY_DIR (default .build/sanity).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-.venv}
[[ $venv = /* ]] || venv=$repo/$venv
python_version=${SANITY_PYTHON:-3.11}
# SANITY_DIR lets parallel runs use separate trees.
collection_dir=${SANITY_DIR:-$repo/.build/sanity}/ansible_collections/jitaccess/entra
test_home=$repo/.build/home

if [[ ! -x $venv/bin/ansible-test ]]; then
    echo "sanity: $venv/bin/ansible-test not found; run 'make venv' first" >&2
    exit 1
fi

# A fresh copy each run, so files deleted or renamed in the work tree do not linger.
rm -rf "$collection_dir"
mkdir -p "$collection_dir"
cd "$repo"
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do
        # Tracked files deleted in the work tree are still listed by --cached.
        if [[ -e $path || -L $path ]]; then printf '%s\0' "$path"; fi
    done \
    | tar --create --null --files-from=- --file=- \
    | tar --extract --file=- --directory="$collection_dir"
# ansible-test lists content with git, walking up from the collection root; an
# empty repository here keeps it from finding this checkout, where .build/ is ignored.
git init --quiet "$collection_dir"

# Install the pip bootstrap under the file name this ansible-test looks for, and
# beside it (tools/get_pip_offline.py) the pip version it pins, as a wheel and unpacked.
pip_version=$("$venv/bin/python" - "$python_version" <<'PY'
import sys
import types

from ansible_test._internal.python_requirements import get_venv_packages

print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])
PY
)
bootstrap=$test_home/.ansible/test/cache/get_pip_${pip_version//./_}
if [[ ! -f $bootstrap/pip/__main__.py ]]; then
    rm -rf "$bootstrap"
    mkdir -p "$bootstrap/wheels"
    "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
        --dest "$bootstrap/wheels" "pip==$pip_version"
    "$venv/bin/python" -c 'import sys, zipfile; wheel = zipfile.ZipFile(sys.argv[1]); \
        wheel.extractall(sys.argv[2], [name for name in wheel.namelist() if name.startswith("pip/")])' \
        "$bootstrap/wheels/pip-$pip_version-py3-none-any.whl" "$bootstrap"
fi
cp "$repo/tools/get_pip_offline.py" "$bootstrap.py"

cd "$collection_dir"
export HOME=$test_home
export PATH=$venv/bin:$PATH
exec ansible-test sanity --python "$python_version" "$@"
