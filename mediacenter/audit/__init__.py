"""An honest audit of what the recommender shows a profile (no Qt).

:mod:`.metrics` holds the measures (popularity bias, exposure Gini, coverage, calibration,
intra-list diversity, novelty) as plain functions; :mod:`.profile` audits one profile's home
page against the most-popular list of the same length and checks that a kids profile meets no
title above its rating anywhere; :mod:`.cli` is ``mediacenter audit``.
"""
