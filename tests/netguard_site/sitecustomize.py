"""Installed into the test's child processes (PYTHONPATH) by tests/netguard.py: the same
network guard as in the test's own process, writing what it sees to the guard's log."""

import os

if os.environ.get("MEDIACENTER_NET_GUARD"):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        from netguard import install  # tests/netguard.py, beside this folder

        install(os.environ["MEDIACENTER_NET_GUARD"])
    finally:
        sys.path.pop(0)
