"""Stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates each sanity venv without pip and then runs a cached
``get-pip`` script inside it, downloading that script from a host this
project's machines cannot reach. ``tools/sanity.sh`` installs this file at the
cache path instead. It gets pip from the interpreter's own ``ensurepip`` and
then lets that pip install the requested packages (normally the pinned pip
version) from the configured package index.

Called as ``python get_pip_offline.py [pip options] [packages] [--no-setuptools] [--no-wheel]``.
"""

import subprocess
import sys

# get-pip switches that only say what to leave out of the venv; pip itself
# does not know them.
OMIT_FLAGS = {"--no-setuptools": "setuptools", "--no-wheel": "wheel"}


def installed(name):
    """Whether a distribution is importable in this interpreter's environment."""
    probe = "import importlib.metadata as m, sys; m.version(sys.argv[1])"
    return subprocess.call([sys.executable, "-c", probe, name], stderr=subprocess.DEVNULL) == 0


def main(argv):
    omit = [OMIT_FLAGS[arg] for arg in argv if arg in OMIT_FLAGS]
    pip_args = [arg for arg in argv if arg not in OMIT_FLAGS]
    # ensurepip may add setuptools (Python < 3.12); leave out only what it added.
    preexisting = {name for name in omit if installed(name)}

    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    if pip_args:
        subprocess.check_call([sys.executable, "-m", "pip", "install"] + pip_args)

    added = [name for name in omit if name not in preexisting and installed(name)]
    if added:
        subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "--yes"] + added)


if __name__ == "__main__":
    main(sys.argv[1:])
