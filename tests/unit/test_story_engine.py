"""The state machine an interactive title follows, without Qt or a player: choices, time-outs,
conditions, state, going back, starting over, and resuming from a stored path."""

from __future__ import annotations

import json

from mediacenter.story.engine import LEAD_IN_MS, StoryRun
from mediacenter.story.model import parse
from tests.story_examples import lighthouse


def _run(data=None) -> StoryRun:
    story = parse(data or lighthouse()).story
    assert story is not None
    run = StoryRun(story)
    run.begin()
    return run


def _ids(run: StoryRun) -> list[str]:
    return [c.id for c in run.visible_choices()]


def test_a_chosen_path_sets_state_and_changes_a_later_choice():
    run = _run()
    assert run.segment == "intro" and run.state == {"lamp": False, "visits": 0}
    run.reach_choice(at=1.0)
    assert _ids(run) == ["take", "leave"]
    assert run.choose("take", at=2.0).goto == "hall"
    assert run.state["lamp"] is True  # set when chosen
    assert run.advance() == "hall" and run.state["visits"] == 1  # the segment's set
    run.choose("down")
    assert run.advance() == "cellar"
    # the lamp shows "open"; one visit so far lets the viewer go back up
    assert _ids(run) == ["open", "knock", "back"]
    run.choose("back")
    assert run.advance() == "hall" and run.state["visits"] == 2
    run.choose("down")
    run.advance()
    assert _ids(run) == ["open", "knock"]  # a second visit hides "back"
    run.choose("open")
    assert run.advance() == "treasure"
    assert run.current.ending is not None and run.current.ending.name == "The keeper's treasure"
    assert run.advance() is None and run.ended
    assert [(s.point, s.choice) for s in run.steps] == [
        ("intro", "take"), ("hall", "down"), ("cellar", "back"), ("hall", "down"),
        ("cellar", "open")]


def test_time_out_takes_the_default_and_says_so():
    run = _run()
    run.reach_choice()
    assert run.advance() == "hall"  # nobody chose: the default, "leave"
    assert (run.steps[0].choice, run.steps[0].timed_out) == ("leave", True)
    assert run.state["lamp"] is False
    run.reach_choice()
    assert run.advance() == "tower"  # no default declared: the first choice
    assert run.advance() == "dark"  # the conditional next: no lamp, no light


def test_a_hidden_default_gives_way_to_the_first_shown_choice():
    data = lighthouse()
    data["segments"]["cellar"]["choice"]["default"] = "open"  # shown only with the lamp
    run = _run(data)
    run.choose("leave")
    run.advance()
    run.choose("down")
    run.advance()
    assert run.default_choice().id == "knock"
    assert run.advance() == "trapped"


def test_a_choice_is_final_and_a_hidden_choice_cannot_be_taken():
    run = _run()
    run.choose("leave")
    run.advance()
    run.choose("down")
    run.advance()
    assert run.choose("open").id == "knock"  # not shown without the lamp: the default
    assert run.choose("back").id == "knock"  # already chosen
    assert run.next_segment() == "trapped"


def test_go_back_returns_to_the_previous_choice_with_its_state():
    run = _run()
    run.choose("take")
    run.advance()
    run.reach_choice()
    run.choose("down")
    run.advance()  # in the cellar, with lamp and one visit
    run.reach_choice()  # its choice is on screen
    step = run.go_back()  # "previous" is the hall's, not the one on screen
    assert step is not None and step.point == "hall"
    assert run.segment == "hall" and run.state == {"lamp": True, "visits": 1}
    assert run.steps[-1].choice is None  # to be chosen again
    assert run.play_from_ms == 16_000 - LEAD_IN_MS  # a lead-in before the choice opens
    step = run.go_back()
    assert step is not None and step.point == "intro"
    assert run.state == {"lamp": False, "visits": 0} and run.play_from_ms == 1_000
    assert run.go_back() is None  # nothing before the first choice: from the start
    assert run.segment == "intro" and run.steps == [] and run.play_from_ms == 0


def test_start_over_forgets_the_path_and_the_state():
    run = _run()
    run.choose("take")
    run.advance()
    run.start_over()
    assert (run.segment, run.state, run.steps) == ("intro", {"lamp": False, "visits": 0}, [])


def test_resume_from_a_stored_path_returns_to_the_last_choice_point_with_its_state():
    run = _run()
    run.choose("take", at=10.0)
    run.advance()
    run.reach_choice(at=20.0)
    run.choose("down", at=21.0)
    run.advance()  # into the cellar; the viewer stops before its choice opens
    stored = json.loads(json.dumps(run.to_json()))  # as the catalog keeps it
    again = StoryRun.restore(run.story, stored)
    assert again.segment == "hall" and again.state == {"lamp": True, "visits": 1}
    assert [(s.point, s.choice) for s in again.steps] == [("intro", "take"), ("hall", None)]
    assert again.play_from_ms == 11_000
    assert again.advance() == "tower"  # time-out there works as usual


def test_a_stored_path_that_no_longer_fits_the_story_starts_from_the_start():
    run = _run()
    stale = [{"point": "gone", "state": {}, "choice": None}]
    assert StoryRun.restore(run.story, stale).segment == "intro"
    wrong_type = [{"point": "hall", "state": {"lamp": "yes"}, "choice": None}]
    assert StoryRun.restore(run.story, wrong_type).steps == []
    assert StoryRun.restore(run.story, [{"nonsense": 1}]).steps == []
    assert StoryRun.restore(run.story, []).segment == "intro"


def test_the_demo_title_has_what_a_new_user_should_try(tmp_path):
    """At least 3 choice points, a variable that changes a later choice, 3 endings, and a
    story file that checks clean beside its clips."""
    from mediacenter.demo import _STORY_CLIPS, story_json
    from mediacenter.story.check import check_file
    from tests.story_examples import write_story

    data = story_json()
    story = parse(data).story
    assert story is not None
    assert sum(1 for s in story.segments.values() if s.choice) >= 3
    assert len(story.endings()) == 3
    lengths = {}
    for name, seconds, _src, _hue in _STORY_CLIPS:
        (tmp_path / name).write_bytes(b"clip")
        lengths[name] = int(seconds * 1000)
    report = check_file(write_story(tmp_path, data), lambda p: lengths[p.name])
    assert report.problems == [] and report.layout == "folder"
    # the lamp taken at the start shows "Light it" in the tower; refused, it is hidden
    shown = {}
    for take in ("take", "refuse"):
        run = StoryRun(story)
        run.begin()
        run.choose(take)
        run.advance()
        run.choose("up")
        run.advance()
        shown[take] = _ids(run)
    assert shown == {"take": ["light", "wait", "cellar"], "refuse": ["wait", "cellar"]}
