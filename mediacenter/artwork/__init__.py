"""Artwork from the videos' own frames, cropped per shape and chosen per profile.

See ARCHITECTURE.md; the GUI's entry points are in :mod:`mediacenter.artwork.select`.
"""
