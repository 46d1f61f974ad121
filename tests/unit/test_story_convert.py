"""Bandersnatch-style graphs (segments with startTimeMs/endTimeMs/next/defaultNext and
interaction zones, choice points with descriptions) convert into valid story files."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from mediacenter.story.bandersnatch import ConversionError, convert
from mediacenter.story.engine import StoryRun
from mediacenter.story.model import parse
from tests.story_examples import BANDERSNATCH_GRAPH, BANDERSNATCH_LABELS
from tests.unit.test_story_format import _schema


def test_a_graph_converts_into_a_story_the_schema_and_the_parser_accept():
    story, warnings = convert(BANDERSNATCH_GRAPH, BANDERSNATCH_LABELS, title="Cereal",
                              video="cereal.mkv")
    jsonschema.validate(story, _schema())
    parsed = parse(story)
    assert parsed.errors == [] and parsed.story is not None
    segs = story["segments"]
    assert story["start"] == "1A" and story["video"] == "cereal.mkv"
    assert segs["1A"]["start"] == 0 and segs["1A"]["end"] == 20
    assert segs["1A"]["choice"] == {
        "prompt": "Which cereal?", "opens": 12, "closes": 20, "default": "1B",
        "choices": [{"id": "1B", "text": "CORN FLAKES", "goto": "1B"},
                    {"id": "1C", "text": "PORRIDGE", "goto": "1C"}]}
    assert segs["1B"]["next"] == "2A"
    assert segs["3A"]["ending"] == {"name": "3A"}
    # what the format cannot say is reported, not guessed
    assert any("nsg-Refuse" in w and "REFUSE" in w for w in warnings)
    assert segs["2A"]["next"] == "3A"  # one real choice left: it goes on to the default
    assert any(w.startswith("segment 3B: 3 possible next segments") for w in warnings)
    assert segs["3B"]["next"] == "4A"


def test_the_converted_story_plays_through_the_state_machine():
    story, _ = convert(BANDERSNATCH_GRAPH, BANDERSNATCH_LABELS)
    run = StoryRun(parse(story).story)
    run.begin()
    run.choose("1C")
    assert [run.advance(), run.advance(), run.advance(), run.advance()] == ["1C", "2A", "3A",
                                                                          None]


def test_the_netflix_document_shape_is_found_too_and_labels_are_optional():
    wrapped = {"jsonGraph": {"videos": {"80988062": {"interactiveVideoMoments": {"value": {
        "choicePointNavigatorMetadata": {"choicePointsMetadata": {
            "choicePoints": copy.deepcopy(BANDERSNATCH_GRAPH["choicePoints"])}},
        "segmentMap": {"segments": copy.deepcopy(BANDERSNATCH_GRAPH["segments"])}}}}}}}
    story, _ = convert(json.loads(json.dumps(wrapped)))
    assert story["segments"]["1A"]["choice"]["choices"][0]["text"] == "1B"
    assert parse(story).errors == []


@pytest.mark.parametrize("junk", [{}, [], {"segments": {"a": {"start": 1}}}, "x"])
def test_something_else_is_refused_with_a_reason(junk):
    with pytest.raises(ConversionError, match="not a Bandersnatch-style"):
        convert(junk)
