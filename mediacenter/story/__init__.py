"""Interactive titles: branching stories told by a story file beside a video or in a folder of
segment videos (issue 14). No Qt: the format (:mod:`.model`), the checks behind
``mediacenter story check`` (:mod:`.check`), the state machine the player follows
(:mod:`.engine`), the conversion of Bandersnatch-style graphs (:mod:`.bandersnatch`) and the
file names the scanner recognizes (:mod:`.files`). The format is documented in the README
("Interactive titles") and described by ``story.schema.json`` beside this file.
"""
