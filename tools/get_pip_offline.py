"""Stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates each sanity venv without pip and then runs a cached
``get-pip`` script inside it, downloading that script from a host this
project's machines cannot reach. ``tools/sanity.sh`` installs this file at the
cache path instead (``~/.ansible/test/cache/get_pip_<version>.py``) and, beside
it, a directory of the same name without ``.py`` holding the pinned pip wheel
(``wheels/``) and that wheel unpacked (``pip/``). The unpacked pip installs the
requested packages (ansible-test asks for the pinned pip only) from the wheel
directory alone: no ``ensurepip`` and no second pip run to upgrade, and the
unpacked copy keeps its bytecode between venvs, so each venv is bootstrapped
in one short pip run.

Called as ``python get_pip_<version>.py [pip options] [packages] [--no-setuptools] [--no-wheel]``.
"""

import os
import subprocess
import sys

# get-pip switches that only say what to leave out of the venv; pip itself does not know them, and
# installing from the pip wheel alone adds neither setuptools nor wheel.
OMIT_FLAGS = ("--no-setuptools", "--no-wheel")


def main(argv):
    bundle = os.path.splitext(os.path.abspath(__file__))[0]
    wheels = os.path.join(bundle, "wheels")
    pip_args = [arg for arg in argv if arg not in OMIT_FLAGS]
    # --no-compile: ansible-test uninstalls pip again once the venv's requirements are in.
    subprocess.check_call(
        [sys.executable, os.path.join(bundle, "pip"), "install", "--no-index", "--find-links", wheels, "--no-compile"]
        + pip_args
    )


if __name__ == "__main__":
    main(sys.argv[1:])
