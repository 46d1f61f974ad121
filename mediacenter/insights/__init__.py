"""A profile's viewing as pictures, and what the recommender believes about it (no Qt).

:mod:`.viewing` turns watch history into the Insights screen's charts (when, what, how much is
finished, binges, how tastes moved) as plain tables; :mod:`.export` writes a chart as CSV;
:mod:`.taste` reads the recommender's beliefs about a profile off its score decomposition.
"""
