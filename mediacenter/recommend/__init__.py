"""Personal home pages: signals -> Surprise SVD + content + popularity -> rows with reasons.

- :mod:`.signals` - watch history, thumbs, "not interested" and imported ratings as one
  number per (profile, movie or show).
- :mod:`.content` - metadata vectors (genres, tags, people, decade, plot words): similarity
  and taste for cold start and small households.
- :mod:`.model` - Surprise's SVD trained on implicit feedback with sampled negatives; the
  versioned, pickle-free model file. :mod:`.tuning` picks its regularisation on small data.
- :mod:`.scoring` - the one ranking path (fold-in of the profile's signals, blended with
  content and popularity) used by the page and by the evaluation.
- :mod:`.page` - ``build_page``: the Netflix-style rows; :mod:`.explain` - their reasons.
- :mod:`.train` - training off the UI thread, ``needs_refresh``; :mod:`.feedback` - thumbs and
  "not interested"; :mod:`.imports` - MovieLens / Letterboxd / IMDb exports.
- :mod:`.evaluate` - P@k, R@k, NDCG@k, HR@k, coverage on MovieLens-format files
  (``mediacenter recs-eval``); :mod:`.synthetic` - generated catalogs for tests and benchmarks.

No Qt here (tests/unit/test_layering.py).
"""
