"""Exports of a sync map: JSON, WebVTT with voice spans, SRT and Podcasting 2.0 JSON."""

from __future__ import annotations

import io
import json

import pytest
import srt
import webvtt

from aligner.export import FORMATS, render
from aligner.models import Segment, Speaker, SyncMap


@pytest.fixture
def syncmap() -> SyncMap:
    return SyncMap(
        duration=20.0,
        title="Test show",
        speakers=(Speaker("ann", "ANN", "Ann Lee", "host"), Speaker("bob", "BOB")),
        segments=(
            Segment("t1", "turn", "Hello. Cut from the broadcast. <Welcome> & more.", 1.0, 4.5, speaker="ann",
                    children=(
                        Segment("t1.s1", "sentence", "Hello.", 1.0, 1.8),
                        Segment("t1.s2", "sentence", "Cut from the broadcast.", 1.8, 1.8, flags=("not_in_audio",)),
                        Segment("t1.s3", "sentence", "<Welcome> & more.", 2.0, 4.5),
                    )),
            Segment("c1", "cue", "(SOUNDBITE OF MUSIC)", 4.5, 7.25),
            Segment("t2", "turn", "Thanks, Ann.", 7.25, 3725.5, speaker="bob", children=(
                Segment("t2.s1", "sentence", "Thanks, Ann.", 7.25, 3725.5),
            )),
            Segment("t3", "turn", "Never aired.", 3725.5, 3725.5, speaker="bob", flags=("not_aligned",)),
        ),
    )


def test_json_export_is_the_canonical_sync_map(syncmap: SyncMap) -> None:
    assert SyncMap.from_dict(json.loads(render(syncmap, "json"))) == syncmap


def test_vtt_has_voice_spans_escaped_text_and_hour_times(syncmap: SyncMap) -> None:
    text = render(syncmap, "vtt")
    assert text.startswith("WEBVTT")
    captions = webvtt.from_buffer(io.StringIO(text)).captions
    assert [c.start for c in captions] == ["00:00:01.000", "00:00:02.000", "00:00:04.500", "00:00:07.250"]
    assert captions[3].end == "01:02:05.500"
    assert "<v Ann Lee>Hello." in text and "<v BOB>Thanks, Ann." in text
    assert "&lt;Welcome&gt; &amp; more." in text
    assert "Never aired" not in text and "Cut from" not in text  # zero-length segments are not captions


def test_srt_prefixes_speaker_names(syncmap: SyncMap) -> None:
    subs = list(srt.parse(render(syncmap, "srt")))
    assert [s.content for s in subs] == [
        "Ann Lee: Hello.", "Ann Lee: <Welcome> & more.", "(SOUNDBITE OF MUSIC)", "BOB: Thanks, Ann."
    ]
    assert subs[1].start.total_seconds() == 2.0 and subs[1].end.total_seconds() == 4.5


def test_podcast_json_follows_podcasting_2_0(syncmap: SyncMap) -> None:
    doc = json.loads(render(syncmap, "podcast.json"))
    assert doc["version"] == "1.0.0"
    first, cue = doc["segments"][0], doc["segments"][2]
    assert first == {"speaker": "Ann Lee", "startTime": 1.0, "endTime": 1.8, "body": "Hello."}
    assert "speaker" not in cue and cue["body"] == "(SOUNDBITE OF MUSIC)"


def test_unknown_format_names_the_known_ones(syncmap: SyncMap) -> None:
    with pytest.raises(ValueError, match="use one of " + ", ".join(FORMATS)):
        render(syncmap, "docx")
    assert set(FORMATS) >= {"json", "vtt", "srt", "podcast.json", "html"}


def test_words_become_karaoke_timestamps_podcast_segments_and_spans(syncmap: SyncMap) -> None:
    words = (Segment("t1.s2.w1", "word", "<Welcome>", 2.0, 2.6), Segment("t1.s2.w2", "word", "&", 2.6, 2.8),
             Segment("t1.s2.w3", "word", "more.", 2.9, 4.5))
    turn = syncmap.segments[0]
    sentence = Segment("t1.s2", "sentence", "<Welcome> & more.", 2.0, 4.5, children=words)
    worded = SyncMap(duration=syncmap.duration, title=syncmap.title, speakers=syncmap.speakers, segments=(
        Segment(turn.id, "turn", turn.text, turn.start, turn.end, speaker="ann", children=(turn.children[0], sentence)),
    ))
    assert SyncMap.from_dict(json.loads(render(worded, "json"))) == worded
    cue = webvtt.from_buffer(io.StringIO(render(worded, "vtt"))).captions[1]
    assert cue.raw_text == "<v Ann Lee>&lt;Welcome&gt; <00:00:02.600>&amp; <00:00:02.900>more."
    bodies = [s["body"] for s in json.loads(render(worded, "podcast.json"))["segments"]]
    assert bodies == ["Hello.", "<Welcome>", "&", "more."]
    page = render(worded, "html")
    assert page.count('class="word"') == 3 and 'data-m="2900" data-d="1600"' in page
