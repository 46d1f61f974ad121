"""Intros, recaps, credits and scenes after the credits, found from the files themselves.

No Qt. ``audio`` decodes a stretch of a file's sound (PyAV), ``prints`` turns it into spectral
fingerprints (numpy), ``match`` finds the stretches two prints share, ``season`` turns a
season's pairwise matches into each episode's intro and credits, ``visual`` finds a film's
credits from its pictures (the artwork scorer's text likelihood and black frames) and its
sound, ``chapters`` reads chapter names and a user's EDL / chapter sidecar, ``analyse``
orchestrates and caches (``db/segments.py``), ``trickplay`` makes the seek thumbnails, ``job``
is the app's background job and ``cli`` the ``segments`` command.
"""
