"""Where speech is in the audio: frame energy plus voice activity, and segment edges snapped to speech."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import vad
from .audio import SAMPLE_RATE, read_frames

FRAME = 0.010  # seconds per analysis frame
MIN_PAUSE = 0.15  # shorter quiet runs are stops and gaps inside words, not pauses
AFRESH_QUIET = 0.3  # silence this long after music...
AFRESH_MUSIC = 2.0  # ...that was most of this long before it starts the VAD afresh (see SpeechProfile.fresh)
# Silence there is frames at most AFRESH_DB over the noise floor. A station's gain riding lifts the pause after music
# 1-5 dB over it: at SOFT_DB (3 dB) the VAD did not start afresh after the dev clean2 show's intro under the radio
# master, doubted JFK's first words (0.4-0.6) and his turn started 5.25 s late, unflagged (confidence 0.998).
AFRESH_DB = 6.0
SOFT_DB = 3.0  # a frame this far above the noise floor may be the quiet edge of a word
# A frame LOUD_DB above the noise floor is loud (speech, where the VAD agrees), or, where the VAD's voiced frames sit
# less than that above it, as loud as their median: under 15 dB of noise, or a station's processing, which lifts
# the pauses by up to 20 dB, 12 dB left out 39% of the voiced frames of the dev noise15 show, and 99% under the
# radio master, whose every turn was then flagged a text mismatch.
LOUD_DB = 12.0
MAX_SOFT_EDGE = 0.15  # how far a word's quiet onset or decay may reach beyond its loud part (0.25 took breaths)
# A sound under BLIP long, parted from the rest of a turn by BLIP_GAP of quiet (DOUBTFUL_GAP when the VAD
# is unsure of it: mean under WORD_VOICE), is a noise or a music hit, not the turn's first or last word.
BLIP = 1.5
BLIP_GAP = 3.0
DOUBTFUL_GAP = 1.0
DOUBTFUL_BLIP = 3.0  # a sound the VAD doubts, at a turn's start, may be this long and still be a music hit
WORD_VOICE = 0.8
MUSIC_VOICE = 0.6  # sounds the VAD mostly rejects, MUSIC_MIN long in all (music with singing), are not a
MUSIC_MIN = 1.0  # turn's first or last sounds when one it is sure of (WORD_VOICE) comes after (or before) them
# Nor is a sound of MUSIC_MIN or more that the VAD is sure of (SURE) in under SURE_SHARE of its frames. On the dev
# suite, speech sounds that long reach SURE in 35% of their frames or more; stings between turns in 9% and 18%.
SURE = 0.9
SURE_SHARE = 0.3
INTO_MUSIC = 0.7  # a sound runs into music when this share of the MUSIC_MIN after it is music
JOIN_GAP = 0.3  # speech runs closer than this are one sound (a music hit may come in a few bursts)
LOOKBACK = 0.30  # a start found inside speech moves back to an onset at most this far before it
LAG_DB = 10.0  # sound this close to a word's level, just before the VAD trusts it, is its onset (not a breath)
VOICE_THRESHOLD = 0.5  # VAD probability above which a window is speech
VOICE_REACH = 0.08  # loud frames this close to VAD speech count as speech (the VAD is coarse)
MUSIC_DB = 12.0  # non-speech this far above the quiet around it is music (or other sound), not silence
QUIET_AROUND = 30.0  # seconds around a frame whose quietest tenth is the level of its pauses (every QUIET_STEP);
QUIET_STEP = 1.0  # where they are more than QUIET_MARGIN above the floor (a field report's noise), music is
QUIET_MARGIN = 6.0  # measured from QUIET_MARGIN below them instead (in the benches' studio shows, 0-12 dB over)
VOICE_SMOOTH = 0.30  # VAD probabilities are averaged over this long, so music blips drop out
LEAD_MAX = 1.5  # how far before its first word (or after its last) a clip's own room tone or crowd may reach
AMBIENCE_DB = 40.0  # room tone is at most this far below the speech next to it...
ABOVE_GAP_DB = 3.0  # ...and this far above the quiet gap beyond it...
CUT_DB = 4.0  # ...which it steps out of at once: by this much within 30 ms (at 5, room tone 4-5 dB over the noise
# of a show went unheard: held-out sentence starts p95 416 -> 319 ms at 4, dev turn ends p95 309 -> 254 ms);
LOUD_AMBIENCE_DB = 10.0  # room tone this far above the gap (a crowd, a noisy room) may pause for up to
LEAD_DIP = 0.15  # this long; a fainter one must run unbroken
MIN_LEAD = 0.30  # shorter lead-ins are a breath or the rise of the first word, not room tone
SMOOTH = 5  # frames of level averaged when looking for room tone
LEAD_REF = 3.0  # seconds of speech after the start that set its loudness


@dataclass(frozen=True, slots=True)
class SpeechProfile:
    """Per-frame loudness and voice activity of a recording, on a 10 ms grid."""

    db: np.ndarray  # frame RMS in dB full scale
    voice: np.ndarray  # VAD probability of speech
    speech: np.ndarray  # bool: loud and voiced (short pauses inside speech filled in)
    soft: np.ndarray  # bool: above the noise floor, as in the quiet edges of words
    floor: float  # the noise floor, dB (see noise_floor)
    # the VAD probability (smoothed as voice) with the model started afresh after music and a silence (see
    # _after_music); None: as voice
    fresh: np.ndarray | None = None
    # per frame, the level music stands MUSIC_DB above (see quiet_around): above the floor in a noisy stretch,
    # whose noise is not music; None: the floor everywhere
    quiet: np.ndarray | None = None

    @property
    def duration(self) -> float:
        return len(self.db) * FRAME

    def without(self, spans: Sequence[tuple[float, float]]) -> SpeechProfile:
        """This profile with no speech heard inside ``spans`` (speech the transcript does not have): the aligner
        then treats it as it treats music."""
        voice, speech, soft = self.voice.copy(), self.speech.copy(), self.soft.copy()
        fresh = None if self.fresh is None else self.fresh.copy()
        for start, end in spans:
            a, b = self.frame(start), self.frame(end)
            voice[a:b], speech[a:b], soft[a:b] = 0.0, False, False
            if fresh is not None:
                fresh[a:b] = 0.0
        return replace(self, voice=voice, speech=speech, soft=soft, fresh=fresh)

    def frame(self, t: float) -> int:
        return min(max(int(round(t / FRAME)), 0), len(self.db))

    def snap(self, start: float, end: float, earliest: float = 0.0) -> tuple[float, float]:
        """Move ``start`` to the speech onset and ``end`` to the speech offset near them, never past each other
        (nor back past ``earliest``, where the segment before ends, for a sound the VAD was slow to trust)."""
        a, b = self.frame(start), self.frame(end)
        if b - a < 2:
            return start, end
        inside = np.flatnonzero(self.speech[a:b])
        if inside.size == 0:
            return start, end
        if self.speech[a]:  # started inside speech: go back to an onset just before, if there is one...
            back = max(0, a - int(LOOKBACK / FRAME))
            quiet = np.flatnonzero(~self.speech[back:a])
            new_a = back + int(quiet[-1]) + 1 if quiet.size else a
            ahead = np.flatnonzero(~self.speech[a:min(b, a + int(LOOKBACK / FRAME))])
            if not quiet.size and ahead.size:  # ...or, in the tail of a long run, on to the next onset
                after = np.flatnonzero(self.speech[a + int(ahead[0]):b])
                new_a = a + int(ahead[0]) + int(after[0]) if after.size else a
        else:
            new_a = a + int(inside[0])
        new_a = self._past_music(self._past_blips(new_a, b), b)
        if not self.speech[b - 1]:
            new_b = self._before_blips(new_a, a + int(inside[-1]) + 1)
        else:  # ended inside speech that began just before (the next word): back to the offset before it
            lo = max(new_a, b - int(LOOKBACK / FRAME))
            quiet = np.flatnonzero(~self.speech[lo:b])
            earlier = np.flatnonzero(self.speech[a:lo + int(quiet[-1])]) if quiet.size else quiet
            new_b = a + int(earlier[-1]) + 1 if earlier.size else b
        new_b = self._before_music(new_a, new_b)
        # widen over an onset the VAD was slow to trust (as loud as the words after it, risen out of quiet), else
        # over the soft onset of the first word; and over the soft decay of the last
        risen = self._risen(new_a)
        if (risen is not None and self.frame(earliest) <= risen < new_a
                and self.db[risen:new_a].max() >= self.db[new_a:b].max() - LAG_DB):
            new_a = risen
        stop = max(0, new_a - int(MAX_SOFT_EDGE / FRAME))
        while new_a > stop and self.soft[new_a - 1] and not self.speech[new_a - 1]:
            new_a -= 1
        limit = min(b, new_b + int(MAX_SOFT_EDGE / FRAME))
        while new_b < limit and self.soft[new_b]:
            new_b += 1
        return new_a * FRAME, new_b * FRAME

    def onsets_after(self, start: float, end: float, reach: float) -> list[float]:
        """Onsets in ``[start, end)`` after a pause (JOIN_GAP or more) and at most ``reach`` seconds after the
        first speech there, not counting music (a sting's first notes, which the VAD half believes, and the rest of
        it may together outlast ``reach``), in order."""
        a, b = self.frame(start), self.frame(end)
        inside = np.flatnonzero(self.speech[a:b])
        if not inside.size:
            return []
        first = k = a + int(inside[0])
        out = []
        while (nxt := self._sound_from(k, b)[1]) is not None and self._unmusical(first, nxt) <= reach:
            out.append(nxt * FRAME)
            k = nxt
        return out

    def onsets_between(self, start: float, end: float) -> list[float]:
        """Where speech begins in ``(start, end]``, after any gap in the speech mask."""
        a, b = self.frame(start), self.frame(end)
        rises = np.flatnonzero(np.diff(self.speech[a:b + 1].astype(np.int8)) == 1)
        return [(a + int(k) + 1) * FRAME for k in rises]

    def offsets_before(self, start: float, end: float, reach: float) -> list[float]:
        """Offsets in ``(start, end]`` before a pause (JOIN_GAP or more) and at most ``reach`` seconds before the
        last speech there, latest first (see :meth:`onsets_after`)."""
        a, b = self.frame(start), self.frame(end)
        inside = np.flatnonzero(self.speech[a:b])
        if not inside.size:
            return []
        last = k = a + int(inside[-1]) + 1
        out = []
        while (prev := self._sound_to(a, k)[1]) is not None and self._unmusical(prev, last) <= reach:
            out.append(prev * FRAME)
            k = prev
        return out

    def _music(self, a: int, b: int) -> np.ndarray:
        """Which of frames ``a`` to ``b`` are music: loud against the pauses around them, and rejected by the VAD."""
        return (self.db[a:b] > self._quiet(a, b) + MUSIC_DB) & (self.voice[a:b] <= VOICE_THRESHOLD)

    def _quiet(self, a: int, b: int) -> np.ndarray | float:
        return self.floor if self.quiet is None else self.quiet[a:b]

    def _unmusical(self, a: int, b: int) -> float:
        """Seconds of frames ``a`` to ``b`` that are not music."""
        return float(b - a - self._music(a, b).sum()) * FRAME

    def rise(self, onset: float) -> float:
        """Where the sound the VAD marks from ``onset`` rises out of the noise floor (SOFT_DB above it), at most
        LOOKBACK earlier: the VAD is slow to trust a voice that follows music."""
        i = self.frame(onset)
        risen = self._risen(i)
        return (max(0, i - int(LOOKBACK / FRAME)) if risen is None else risen) * FRAME

    def _risen(self, i: int) -> int | None:
        """The frame where the sound before frame ``i`` rises out of the noise floor (SOFT_DB above it), if that is
        at most LOOKBACK earlier; ``None`` if the sound runs on further (music under the onset)."""
        stop = max(0, i - int(LOOKBACK / FRAME))
        while i > 0 and self.db[i - 1] > self.floor + SOFT_DB:
            if i == stop:
                return None
            i -= 1
        return i

    def _past_blips(self, i: int, b: int) -> int:
        """The first onset from frame ``i`` on that does not start a blip (see BLIP; a doubtful voice is not
        enough here, as a spoken heading such as "Three." may stand alone before the first line)."""
        while True:
            end, nxt = self._sound_from(i, b)
            if (end - i) * FRAME >= BLIP or nxt is None or (nxt - end) * FRAME < BLIP_GAP:
                return i
            i = nxt

    def _sound_from(self, i: int, b: int) -> tuple[int, int | None]:
        """From speech frame ``i``: where its sound ends (speech runs joined across pauses under JOIN_GAP) and
        where the next speech starts (``None``: not before frame ``b``)."""
        e = i
        while True:
            e = e + int(np.argmin(self.speech[e:b])) if not self.speech[e:b].all() else b
            nxt = np.flatnonzero(self.speech[e:b])
            if not nxt.size:
                return e, None
            if nxt[0] * FRAME >= JOIN_GAP:
                return e, e + int(nxt[0])
            e += int(nxt[0])

    def _sound_to(self, a: int, j: int) -> tuple[int, int | None]:
        """To speech frame ``j - 1``: where its sound starts (runs joined across pauses under JOIN_GAP) and
        where the speech before it ends (``None``: not after frame ``a``); see :meth:`_sound_from`."""
        s = j
        while True:
            s = s - int(np.argmin(self.speech[a:s][::-1])) if not self.speech[a:s].all() else a
            before = np.flatnonzero(self.speech[a:s])
            if not before.size:
                return s, None
            prev_end = a + int(before[-1]) + 1
            if (s - prev_end) * FRAME >= JOIN_GAP:
                return s, prev_end
            s = prev_end

    def _past_music(self, i: int, b: int) -> int:
        """The first sound from frame ``i`` on that the VAD does not mostly reject (see MUSIC_VOICE); music running
        up to ``i`` counts with the sounds it rejects (a sting's last note after the rest of it)."""
        def sound(j: int) -> tuple[int, int, int | None]:
            end, nxt = self._sound_from(j, b)
            return j, end, nxt
        return self._past_doubtful(i, sound, self._music_up_to(i))

    def _music_up_to(self, i: int) -> int:
        """How many frames of music run up to frame ``i`` (MUSIC_MIN at most)."""
        lo = max(0, i - int(MUSIC_MIN / FRAME))
        other = np.flatnonzero(~self._music(lo, i))
        return i - lo - (int(other[-1]) + 1 if other.size else 0)

    def _before_music(self, a: int, j: int) -> int:
        """The last sound up to frame ``j`` that the VAD does not mostly reject (see MUSIC_VOICE)."""
        def sound(k: int) -> tuple[int, int, int | None]:
            start, prev = self._sound_to(a, k)
            return start, k, prev
        return self._past_doubtful(j, sound)

    def _past_doubtful(self, edge: int, sound: Callable[[int], tuple[int, int, int | None]], lead: int = 0) -> int:
        """From ``edge``, past sounds the VAD mostly rejects to one it is sure of, if they (and ``lead`` frames of
        music before them) last MUSIC_MIN in all.

        ``sound(k)`` is the sound at edge ``k`` (its first and end frames) and the edge of the next one, or None.
        """
        k, doubtful = edge, lead
        while True:
            lo, hi, nxt = sound(k)
            if hi <= lo:
                return edge
            if not self._half_believed(lo, hi):
                sure = float(self.voice[lo:hi].mean()) >= WORD_VOICE
                return k if doubtful * FRAME >= MUSIC_MIN and sure else edge
            if nxt is None:
                return edge
            k, doubtful = nxt, doubtful + hi - lo

    def _half_believed(self, lo: int, hi: int) -> bool:
        """Whether the VAD only half believes frames ``lo`` to ``hi`` are speech (see MUSIC_VOICE and SURE), both in
        its run over the recording and in its fresh run after music (see ``fresh``)."""
        def doubts(voice: np.ndarray) -> bool:
            return (float(voice.mean()) < MUSIC_VOICE
                    or (hi - lo) * FRAME >= MUSIC_MIN and float((voice >= SURE).mean()) < SURE_SHARE)
        return all(doubts(v[lo:hi]) for v in (self.voice, self.fresh) if v is not None)

    def _before_blips(self, a: int, j: int) -> int:
        """The last offset after frame ``a`` and up to frame ``j`` that does not end a blip (see BLIP)."""
        while True:
            run_start = j - int(np.argmin(self.speech[a:j][::-1])) if not self.speech[a:j].all() else a
            before = np.flatnonzero(self.speech[a:run_start])
            gap = (run_start - a - int(before[-1]) - 1) * FRAME if before.size else 0.0
            if (j - run_start) * FRAME >= BLIP or not before.size or gap < self._blip_gap(run_start, j):
                return j
            j = a + int(before[-1]) + 1

    def runs_into_music(self, start: float, end: float, tail: bool = False) -> bool:
        """Whether the first sound in ``[start, end)`` runs straight into music: most of the MUSIC_MIN after it
        loud and rejected by the VAD (a sting's first notes, which the VAD half believes, then the rest of it);
        ``tail``: whether the last sound there comes straight out of music (a sting's last notes)."""
        a, b = self.frame(start), self.frame(end)
        inside = np.flatnonzero(self.speech[a:b])
        if not inside.size:
            return False
        n = int(MUSIC_MIN / FRAME)
        if tail:
            s = self._sound_to(a, a + int(inside[-1]) + 1)[0]
            music = self._music(max(a, s - n), s)
        else:
            e = self._sound_from(a + int(inside[0]), b)[0]
            music = self._music(e, min(b, e + n))
        return music.size > 0 and float(music.mean()) >= INTO_MUSIC

    def after_doubtful_blip(self, start: float, end: float) -> float | None:
        """When ``[start, end)`` opens with a short sound the VAD doubts, then DOUBTFUL_GAP of quiet (a music hit
        taken for the first word, or a lone word spoken in noise): where the next sound starts; else ``None``."""
        a, b = self.frame(start), self.frame(end)
        inside = np.flatnonzero(self.speech[a:b])
        if not inside.size:
            return None
        i = a + int(inside[0])
        end, nxt = self._sound_from(i, b)
        while nxt is not None and (nxt - end) * FRAME < DOUBTFUL_GAP and (nxt - i) * FRAME < DOUBTFUL_BLIP:
            end, nxt = self._sound_from(nxt, b)  # a hit in bursts under DOUBTFUL_GAP apart is one sound
        if ((end - i) * FRAME < DOUBTFUL_BLIP and nxt is not None and (nxt - end) * FRAME >= DOUBTFUL_GAP
                and self._blip_gap(i, end) == DOUBTFUL_GAP):
            return nxt * FRAME
        return None

    def _blip_gap(self, s: int, e: int) -> float:
        """Quiet that must part a short sound from the rest of a turn for it to be a blip."""
        believed = max(float(v[s:e].mean()) for v in (self.voice, self.fresh) if v is not None)
        return BLIP_GAP if believed >= WORD_VOICE else DOUBTFUL_GAP

    def lead_in(self, start: float, earliest: float) -> float:
        """Where a clip cut in before ``start`` begins: its room tone or crowd, stepping out of a quieter gap.

        A soundbite edited in starts with a second of its own ambience; playback should start with it,
        not clip it. Returns ``start`` when there is no such step (continuous room tone, noise, music).
        """
        a, lo = self.frame(start), self.frame(max(earliest, start - LEAD_MAX))
        if a - lo < 2 * SMOOTH or a >= len(self.db):
            return start
        ref = float(self.db[a:a + int(LEAD_REF / FRAME)].max())
        k = self._ambience(self.db[lo:a], ref, lambda k: self._cut_at(lo + k))
        return start if k is None else (lo + k) * FRAME

    def lead_out(self, end: float, latest: float) -> float:
        """Where a clip cut out after ``end`` stops: its room tone, stepping down into a quieter gap (see
        :meth:`lead_in`); ``end`` when there is none."""
        b, hi = self.frame(end), self.frame(min(latest, end + LEAD_MAX))
        if hi - b < 2 * SMOOTH or b < 1:
            return end
        ref = float(self.db[max(0, b - int(LEAD_REF / FRAME)):b].max())
        k = self._ambience(self.db[b:hi][::-1], ref, lambda k: self._cut_at(hi - k, down=True))
        return end if k is None else (hi - k) * FRAME

    def _ambience(self, db: np.ndarray, ref: float, cut_at: Callable[[int], bool]) -> int | None:
        """Where a clip's ambience begins in ``db``, frames ordered from a gap up to a word ``ref`` dB loud:
        the latest cut (``cut_at``) with quiet just before it and ambience from it to the word."""
        level = np.convolve(np.pad(db, SMOOTH // 2, mode="edge"), np.ones(SMOOTH) / SMOOTH, mode="valid")
        floor = max(ref - AMBIENCE_DB, float(level.min()) + ABOVE_GAP_DB)
        above = level > floor
        loud = float(level.min()) + LOUD_AMBIENCE_DB
        for k in range(len(level) - int(MIN_LEAD / FRAME), 0, -1):
            if above[k - 1] or not above[k] or not cut_at(k):
                continue
            dips = [e - s for s, e in mask_runs(~above[k:])]
            if not dips or (float(np.median(level[k:])) >= loud and max(dips) * FRAME <= LEAD_DIP):
                return k
        return None

    def _cut_at(self, i: int, down: bool = False) -> bool:
        """Whether the level steps up (or ``down``) by CUT_DB within a few frames of frame ``i``: an edit."""
        db, sign = self.db, -1.0 if down else 1.0
        near = range(max(i - 2, 3), min(i + 3, len(db) - 3))
        steps = [sign * (db[j:j + 3].mean() - db[j - 3:j].mean()) for j in near]
        return bool(steps) and max(steps) >= CUT_DB

    def last_sound(self, start: float, end: float) -> tuple[float, float] | None:
        """The last sound in ``[start, end)``: where it starts and ends (speech runs joined across pauses under
        JOIN_GAP); ``None`` when there is no speech there."""
        a, b = self.frame(start), self.frame(end)
        inside = np.flatnonzero(self.speech[a:b])
        if not inside.size:
            return None
        last = a + int(inside[-1]) + 1
        return self._sound_to(a, last)[0] * FRAME, last * FRAME

    def pause_end(self, t: float) -> float:
        """Where the speech after ``t`` starts: ``t`` and the seconds without speech from it (``t`` in speech)."""
        i = k = self.frame(t)
        while k < len(self.speech) and not self.speech[k]:
            k += 1
        return t + (k - i) * FRAME

    def pause_start(self, t: float) -> float:
        """Where the speech before ``t`` ends: ``t`` less the seconds without speech up to it (``t`` in speech)."""
        i = k = self.frame(t)
        while k > 0 and not self.speech[k - 1]:
            k -= 1
        return t - (i - k) * FRAME

    def inside_sound(self, t: float) -> bool:
        """Whether ``t`` is inside speech-like sound that began before it (its frame and the one before are speech)."""
        a = self.frame(t)
        return 0 < a < len(self.speech) and bool(self.speech[a - 1] and self.speech[a])

    def belief(self, start: float, end: float) -> float:
        """Mean VAD probability over the speech frames of ``[start, end)`` (1.0 when there are none)."""
        a, b = self.frame(start), self.frame(end)
        voice = self.voice[a:b][self.speech[a:b]]
        return float(voice.mean()) if voice.size else 1.0

    def voiced_fraction(self, start: float, end: float) -> float:
        """Share of ``[start, end)`` that the VAD calls speech."""
        a, b = self.frame(start), self.frame(end)
        return float((self.voice[a:b] > VOICE_THRESHOLD).mean()) if b > a else 0.0

    def regions(self, threshold: float = 0.35, pad: float = 0.3, min_gap: float = 1.0) -> list[tuple[float, float]]:
        """Spans that may hold speech: VAD above ``threshold``, padded, with gaps under ``min_gap`` merged; long
        runs the VAD only half believes (MUSIC_VOICE, MUSIC_MIN: a song with singing) left out."""
        voiced = self.voice > threshold
        runs = [(s, e) for s, e in mask_runs(voiced)
                if (e - s) * FRAME < MUSIC_MIN or float(self.voice[s:e].mean()) >= MUSIC_VOICE]
        spans: list[tuple[float, float]] = []
        for s, e in runs:
            s_t, e_t = max(0.0, s * FRAME - pad), min(self.duration, e * FRAME + pad)
            if spans and s_t - spans[-1][1] < min_gap:
                spans[-1] = (spans[-1][0], e_t)
            else:
                spans.append((s_t, e_t))
        return spans


def nonspeech(found: SpeechProfile, min_length: float = 2.0) -> list[tuple[float, float, str]]:
    """Stretches without speech at least ``min_length`` long: ``(start, end, "music" | "silence")``."""
    if found.db.size == 0:
        return []
    out = []
    for s, e in mask_runs(found.voice <= VOICE_THRESHOLD):
        if (e - s) * FRAME >= min_length:
            kind = "music" if float(np.median(found.db[s:e] - found._quiet(s, e))) > MUSIC_DB else "silence"
            out.append((s * FRAME, e * FRAME, kind))
    return out


def noise_floor(db: np.ndarray) -> float:
    """The recording's quiet level: the 10th percentile of its frame levels (0.0 for no frames)."""
    return float(np.percentile(db, 10)) if db.size else 0.0


def mask_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` frame ranges where ``mask`` is true."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def frame_energy(wav_path: str | os.PathLike[str]) -> np.ndarray:
    """RMS in dB of every 10 ms frame of a mono 16 kHz WAV, block by block."""
    hop = int(FRAME * SAMPLE_RATE)
    chunks = []
    carry = np.zeros(0, dtype=np.float32)
    for block in read_frames(wav_path):
        x = np.concatenate([carry, block])
        n = len(x) // hop
        frames = x[: n * hop].reshape(n, hop)
        chunks.append(10 * np.log10((frames * frames).mean(axis=1) + 1e-10))
        carry = x[n * hop:]
    return np.concatenate(chunks) if chunks else np.zeros(0)


def profile(wav_path: str | os.PathLike[str]) -> SpeechProfile:
    """Measure energy and voice activity of a mono 16 kHz WAV."""
    db = frame_energy(wav_path)
    floor = noise_floor(db)
    probs = vad.speech_probability(wav_path)
    idx = np.minimum((np.arange(len(db)) * FRAME / vad.STEP).astype(int), max(len(probs) - 1, 0))
    raw = probs[idx] if probs.size else np.zeros(len(db), dtype=np.float32)
    width = int(VOICE_SMOOTH / FRAME)

    def smooth(p: np.ndarray) -> np.ndarray:
        return np.convolve(p, np.ones(width, dtype=np.float32) / width, mode="same") if p.size > width else p

    voice = smooth(raw)
    again = _after_music(db, floor, raw)
    fresh = smooth(vad.afresh(wav_path, probs, again)[idx]) if again else None
    # edges need the sharp, unsmoothed VAD; the smoothed one only where speech is
    near_voice = _dilate((raw > VOICE_THRESHOLD) & _dilate(voice > VOICE_THRESHOLD, width), int(VOICE_REACH / FRAME))
    loud = _speech_mask(db, floor, _loud_above(db, floor, voice))
    # a word's quiet edge is above the floor but not loud: music and tones are loud, so they never count
    soft = (db > floor + SOFT_DB) & ~loud
    return SpeechProfile(db=db, voice=voice, speech=loud & near_voice, soft=soft, floor=floor, fresh=fresh,
                         quiet=quiet_around(db, floor))


def quiet_around(db: np.ndarray, floor: float) -> np.ndarray:
    """Per frame, the level music stands MUSIC_DB above: ``floor``, or QUIET_MARGIN below the pauses around the
    frame where they are louder than that (a field report's noise, which is not music). The pauses' level is the
    10th percentile of the levels within QUIET_AROUND (a window kept inside the recording), every QUIET_STEP."""
    step, width = int(QUIET_STEP / FRAME), int(QUIET_AROUND / QUIET_STEP)
    blocks = db[:len(db) // step * step].reshape(-1, step)
    if len(blocks) < width:
        return np.full(len(db), floor, dtype=np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(blocks, width, axis=0)  # (windows, step, width)
    k = width * step // 10
    pauses = np.concatenate([np.partition(windows[i:i + 256].reshape(-1, width * step), k, axis=1)[:, k]
                             for i in range(0, len(windows), 256)])
    per_block = np.pad(pauses, (width // 2, len(blocks) - len(pauses) - width // 2), mode="edge")
    per_frame = np.pad(np.repeat(per_block, step), (0, len(db) - len(blocks) * step), mode="edge")
    return np.maximum(per_frame - QUIET_MARGIN, floor).astype(np.float32)


def _after_music(db: np.ndarray, floor: float, raw: np.ndarray) -> list[int]:
    """The VAD windows where a silence of AFRESH_QUIET or more after music (most of the AFRESH_MUSIC before it loud
    and not voiced) has lasted AFRESH_QUIET: the VAD starts afresh there (vad.afresh)."""
    need, before = int(AFRESH_QUIET / FRAME), int(AFRESH_MUSIC / FRAME)
    music = (db > floor + MUSIC_DB) & (raw < VOICE_THRESHOLD)
    return [int((s + need) * FRAME / vad.STEP) for s, e in mask_runs(db <= floor + AFRESH_DB)
            if e - s >= need and s >= before and music[s - before:s].mean() >= 0.5]


def _dilate(mask: np.ndarray, reach: int) -> np.ndarray:
    if reach <= 0 or mask.size == 0:
        return mask
    counts = np.convolve(mask.astype(np.int32), np.ones(2 * reach + 1, dtype=np.int32), mode="same")
    return counts > 0


def _loud_above(db: np.ndarray, floor: float, voice: np.ndarray) -> float:
    """How far above ``floor`` a frame is loud: LOUD_DB, or the voiced frames' median height above it where that is
    less (at least SOFT_DB)."""
    voiced = voice > VOICE_THRESHOLD
    if not voiced.any():
        return LOUD_DB
    return float(np.clip(np.median(db[voiced]) - floor, SOFT_DB, LOUD_DB))


def _speech_mask(db: np.ndarray, floor: float, above: float) -> np.ndarray:
    """Frames ``above`` dB over the noise floor (and within 45 dB of the loudest), with pauses shorter than
    MIN_PAUSE filled in."""
    if db.size == 0:
        return np.zeros(0, dtype=bool)
    peak = np.percentile(db, 99)
    loud = db > max(floor + above, peak - 45.0)
    mask = loud.copy()
    for s, e in mask_runs(~loud):
        if 0 < s and e < len(loud) and (e - s) * FRAME < MIN_PAUSE:
            mask[s:e] = True
    return mask
