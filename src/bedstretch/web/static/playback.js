// bedstretch playback: the JavaScript twin of core/playback.py (the state machine and its
// commands), core/frame.py (what a player shows), the pain guard (core/safety.py's check_pain)
// and the voice policy (core/speech.py). The Python core is the reference: the golden corpus
// (tests/golden/playback) holds the two to the same answers (tests/web/test_playback_golden.py).
//
// Pure: no page, no network, no timers, no clock. The caller passes `now` (clock seconds) and
// the rules (what GET /api/v1/rules serves, derived from the core): every phase label, spoken
// kind, tone, the back-restart window, the pain table and its advice, the messages and the
// endings come from them, never from a copy here. Cue i is due at anchor + cue.at / speed;
// pausing moves the anchor by the pause's length, skip and back re-anchor to the step spans.
// States are frozen: every function returns a new one (or the same when nothing changed).
//
// Data keeps the core's names (next_cue, paused_at, actual_seconds...), as the JSON does.
'use strict';
(() => {
  const PLAYING = 'playing';
  const PAUSED = 'paused';
  const FINISHED = 'finished';
  const STOPPED = 'stopped';
  const SAFETY_STOPPED = 'safety_stopped';
  const OVER = [FINISHED, STOPPED, SAFETY_STOPPED];
  // The timeline's cue kinds that playback itself acts on (the contract, docs/json.md).
  const RELEASE = 'release';
  const END = 'end';
  const REP = 'rep';
  const INSTRUCTION = 'instruction';

  const hasOwn = Object.hasOwn;
  const replace = (p, changes) => Object.freeze({ ...p, ...changes });
  // Python's round(x, 3): the same for the corpus's times (multiples of 1/4 s).
  const round3 = (x) => Math.round(x * 1000) / 1000;

  // bisect.bisect_left / bisect_right over the cues' start times.
  const bisect = (cues, x, right) => {
    let lo = 0;
    let hi = cues.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (right ? cues[mid].at <= x : cues[mid].at < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // Block indices already given a result: a sorted, frozen array (a frozenset in the core).
  const withAll = (reported, more) =>
    Object.freeze([...new Set([...reported, ...more])].sort((a, b) => a - b));
  const indices = (results) => results.map((r) => r.block.index);
  const without = (reported, drop) => Object.freeze(reported.filter((i) => !drop.has(i)));

  // Python's str.format for the templates the rules serve: {name}, and {{ }} for braces.
  const format = (template, values) =>
    template.replace(/\{\{|\}\}|\{(\w+)\}/g, (whole, name) => {
      if (whole === '{{') return '{';
      if (whole === '}}') return '}';
      if (!hasOwn(values, name)) throw new Error(`no value for {${name}} in "${template}"`);
      const value = values[name];
      return value === null || value === undefined ? 'None' : String(value);
    });

  // ---------------------------------------------------------------- reading the state

  const over = (p) => OVER.includes(p.status);

  /** Where on the timeline (seconds) playback is at clock time `now`. */
  const position = (p, now) => {
    const at = p.paused_at !== null ? p.paused_at : now;
    return Math.max(0, Math.min(p.timeline.total_seconds, (at - p.anchor) * p.speed));
  };

  const due = (p, index) => p.anchor + p.timeline.cues[index].at / p.speed;

  /** Clock time the next cue is due, or null when paused or over. */
  const nextDue = (p) => {
    if (p.status !== PLAYING || p.next_cue >= p.timeline.cues.length) return null;
    return due(p, p.next_cue);
  };

  /** Index of the routine step being played, or null before the first / after the last. */
  const currentStep = (p, now) => {
    const t = position(p, now);
    const span = p.timeline.steps.find((s) => s.at <= t && t < s.end);
    return span ? span.index : null;
  };

  const currentBlock = (p, now) => {
    const t = position(p, now);
    return p.timeline.blocks.find((b) => b.at <= t && t < b.end) || null;
  };

  const lastCue = (p) => (p.next_cue ? p.timeline.cues[p.next_cue - 1] : null);

  // ---------------------------------------------------------------- outputs

  const fired = (cue, index, scheduled, actual) => ({ type: 'fired', cue, index, scheduled, actual });
  // `at`: a block done is recorded at its end, one cut short at its start (BlockResult.at).
  const result = (block, status, seconds, reps, reason) => ({
    type: 'result',
    block,
    at: status === 'done' ? block.end : block.at,
    status,
    actual_seconds: seconds,
    actual_reps: reps,
    reason,
  });

  /** An event at `now`, charged to the step being played. */
  const event = (p, kind, now, value = null) => {
    const step = currentStep(p, now);
    const exercise = step !== null ? p.timeline.steps[step].exercise : null;
    return { type: 'event', kind, at: round3(position(p, now)), step, exercise, value };
  };

  // ---------------------------------------------------------------- the state machine

  const start = (timeline, now, speed = 1) => {
    if (!(speed > 0)) throw new RangeError('speed must be positive');
    return Object.freeze({
      timeline,
      speed,
      anchor: now,
      next_cue: 0,
      status: PLAYING,
      paused_at: null,
      reported: Object.freeze([]),
    });
  };

  const blockEnding = (timeline, release) =>
    timeline.blocks.find(
      (b) => b.step === release.step && b.set === release.set && b.side === release.side,
    ) || null;

  /** Fire every cue that is due at `now` (late ones fire at once, in order). */
  const tick = (p, now) => {
    if (p.status !== PLAYING) return { state: p, outputs: [] };
    const outputs = [];
    const cues = p.timeline.cues;
    let index = p.next_cue;
    let reported = p.reported;
    let status = p.status;
    while (index < cues.length && due(p, index) <= now) {
      const cue = cues[index];
      if (cue.kind === RELEASE) {
        // the result comes first: once "release" shows, it is kept
        const block = blockEnding(p.timeline, cue);
        if (block !== null && !reported.includes(block.index)) {
          reported = withAll(reported, [block.index]);
          outputs.push(result(block, 'done', block.target_seconds, block.target_reps, null));
        }
      }
      outputs.push(fired(cue, index, due(p, index), now));
      if (cue.kind === END) status = FINISHED;
      index += 1;
    }
    return { state: replace(p, { next_cue: index, reported, status }), outputs };
  };

  const pause = (p, now) => (p.status !== PLAYING ? p : replace(p, { status: PAUSED, paused_at: now }));

  const resume = (p, now) => {
    if (p.status !== PAUSED || p.paused_at === null) return p;
    return replace(p, { status: PLAYING, anchor: p.anchor + (now - p.paused_at), paused_at: null });
  };

  /** Re-anchor so that timeline point `target` is due now; cues before it will not fire. */
  const jump = (p, now, target) => {
    const index = bisect(p.timeline.cues, target, false);
    const anchor = now - target / p.speed;
    if (p.status === PAUSED) return replace(p, { anchor, next_cue: index, paused_at: now });
    return replace(p, { anchor, next_cue: index });
  };

  const partial = (p, block, t, status, reason) => {
    if (t < block.at) return result(block, status, 0, block.target_reps !== null ? 0 : null, reason);
    const seconds = Math.trunc(Math.min(t, block.end) - block.at);
    let reps = null;
    if (block.target_reps !== null) {
      reps = 0;
      for (let i = 0; i < p.next_cue; i++) {
        const c = p.timeline.cues[i];
        const same = c.step === block.step && c.set === block.set && c.side === block.side;
        if (c.kind === REP && same && block.at <= c.at && c.at <= t) reps += 1;
      }
    }
    return result(block, status, seconds, reps, reason);
  };

  const leaveStep = (p, step, t, status, reason) =>
    p.timeline.blocks
      .filter((b) => b.step === step && !p.reported.includes(b.index))
      .map((b) => partial(p, b, t, status, reason));

  /** Leave the current step (the rest of its blocks are skipped) and go to the next one. */
  const skip = (p, now, status = 'skipped', reason = null) => {
    if (over(p)) return { state: p, outputs: [] };
    const t = position(p, now);
    const step = currentStep(p, now);
    const spans = p.timeline.steps;
    if (step === null) {
      const following = spans.filter((s) => s.at > t).map((s) => s.at);
      const target = following.length ? following[0] : p.timeline.total_seconds;
      return { state: jump(p, now, target), outputs: [] };
    }
    const results = leaveStep(p, step, t, status, reason);
    const target = step + 1 < spans.length ? spans[step + 1].at : p.timeline.total_seconds;
    const reported = withAll(p.reported, indices(results));
    return { state: jump(replace(p, { reported }), now, target), outputs: results };
  };

  /** Restart the current step, or go to the previous one when just into this one. */
  const back = (p, now, rules) => {
    if (over(p)) return p;
    const t = position(p, now);
    const spans = p.timeline.steps;
    let step = currentStep(p, now);
    if (step === null) {
      step = spans.length && t >= spans[spans.length - 1].end ? spans.length - 1 : 0;
      if (!spans.length) return p;
    } else if (t - spans[step].at <= rules.playback.back_restarts_within && step > 0) {
      step -= 1;
    }
    const target = spans[step].at;
    const again = new Set(p.timeline.blocks.filter((b) => b.step >= step).map((b) => b.index));
    return jump(replace(p, { reported: without(p.reported, again) }), now, target);
  };

  /** End the session early: the block in progress gets a result; later ones are not reached. */
  const stop = (p, now, safety = false, reason = null) => {
    if (over(p)) return { state: p, outputs: [] };
    const t = position(p, now);
    const results = [];
    const block = currentBlock(p, now);
    if (block !== null && !p.reported.includes(block.index)) {
      results.push(partial(p, block, t, safety ? 'pain_skip' : 'skipped', reason));
    }
    const state = replace(p, {
      status: safety ? SAFETY_STOPPED : STOPPED,
      paused_at: p.paused_at !== null ? p.paused_at : now,
      reported: withAll(p.reported, indices(results)),
    });
    return { state, outputs: results };
  };

  // ---------------------------------------------------------------- the pain guard

  const matches = (rule, report, value, baseline) => {
    if (rule.report !== report) return false;
    if (rule.at_least !== null && (value === null || value < rule.at_least)) return false;
    return rule.rise === null || (value !== null && value >= baseline + rule.rise);
  };

  /** The pain guard: what to do about one report, given the pain before (the first row wins). */
  const verdict = (report, value, baseline, rules) => {
    const rating = value === undefined ? null : value;
    if (report === 'pain' && (rating === null || !(rating >= 0 && rating <= 10))) {
      throw new RangeError('pain: must be a whole number 0-10');
    }
    for (const rule of rules.pain.rules) {
      if (matches(rule, report, rating, baseline)) {
        const reason = format(rule.reason, { value: rating, baseline });
        return { action: rule.action, reason, advice: rules.pain.advice[rule.action] };
      }
    }
    throw new Error(`no pain rule for ${report}`);
  };

  // ---------------------------------------------------------------- commands

  const outcome = (state, outputs = [], found = null, message = '', hush = false) => ({
    state,
    outputs,
    verdict: found,
    message,
    hush,
  });

  const report = (p, kind, value, now, baseline, rules) => {
    const noted = event(p, kind, now, value);
    const v = verdict(kind, value, baseline, rules);
    const said = { reason: v.reason, advice: v.advice };
    const messages = rules.messages;
    if (v.action === 'stop_session') {
      const stopped = stop(p, now, true, v.reason);
      return outcome(stopped.state, [noted, ...stopped.outputs], v, format(messages.safety_stop, said), true);
    }
    if (v.action === 'skip_stretch') {
      if (currentStep(p, now) === null) {
        return outcome(p, [noted], v, format(messages.noted_between, said));
      }
      const skipped = skip(p, now, 'pain_skip', v.reason);
      return outcome(skipped.state, [noted, ...skipped.outputs], v, format(messages.skipped, said), true);
    }
    return outcome(p, [noted], v, format(messages.noted, said));
  };

  /**
   * Apply one person's command at `now` (`baseline`: the pain before the session): core/playback.py's
   * command(). `cmd` is {kind, value}: pause, resume, toggle, skip, back, quit, or a report the
   * pain rules know (pain with a value 0-10, sharp, tingling). Nothing happens once it is over.
   */
  const command = (p, cmd, now, baseline, rules) => {
    let kind = cmd.kind;
    const value = cmd.value === undefined ? null : cmd.value;
    if (kind === 'toggle') kind = p.status === PAUSED ? 'resume' : 'pause';
    const reports = rules.pain.rules.map((r) => r.report);
    const known = ['pause', 'resume', 'skip', 'back', 'quit'];
    if (!known.includes(kind) && !reports.includes(kind)) throw new Error(`unknown command '${kind}'`);
    if (over(p)) return outcome(p);
    if (kind === 'pause') {
      if (p.status !== PLAYING) return outcome(p);
      return outcome(pause(p, now), [event(p, 'pause', now)], null, '', true);
    }
    if (kind === 'resume') {
      if (p.status !== PAUSED) return outcome(p);
      return outcome(resume(p, now), [event(p, 'resume', now)]);
    }
    if (kind === 'skip') {
      const skipped = skip(p, now);
      return outcome(skipped.state, [event(p, 'skip', now), ...skipped.outputs], null, '', true);
    }
    if (kind === 'back') return outcome(back(p, now, rules), [event(p, 'back', now)], null, '', true);
    if (kind === 'quit') {
      const stopped = stop(p, now, false, rules.playback.quit_reason);
      return outcome(stopped.state, stopped.outputs, null, rules.messages.stopped, true);
    }
    return report(p, kind, value, now, baseline, rules);
  };

  // ---------------------------------------------------------------- the journal

  /** An output (an event or a block's result) as the body the journal stores, without its id:
   * services/sessions.py's happened() and result_event(). */
  const record = (out) => {
    if (out.type === 'event') {
      return { kind: out.kind, at: out.at, step: out.step, exercise: out.exercise, value: out.value };
    }
    if (out.type !== 'result') throw new Error(`a ${out.type} is not recorded`);
    const block = out.block;
    return {
      kind: 'step_done',
      at: out.at,
      step: block.step,
      exercise: block.exercise,
      block: block.index,
      status: out.status,
      actual_seconds: out.actual_seconds,
      actual_reps: out.actual_reps,
      reason: out.reason,
    };
  };

  /** The event that closes the session as playback ended (rules.endings), with the pain after:
   * services/sessions.py's finish(). */
  const ending = (p, now, painAfter, rules) => {
    const found = hasOwn(rules.endings, p.status) ? rules.endings[p.status] : rules.endings[STOPPED];
    const value = painAfter === undefined ? null : painAfter;
    return { kind: found.kind, at: round3(position(p, now)), value, reason: found.reason };
  };

  // ---------------------------------------------------------------- what a player shows

  const latest = (cues, upto, wanted, step) => {
    for (let i = upto - 1; i >= 0; i--) {
      const cue = cues[i];
      if (cue.step !== step && step !== null) return null;
      if (wanted(cue.kind)) return cue;
    }
    return null;
  };

  /**
   * What a player shows at `now`: core/frame.py's frame() (the fields from the timeline; names
   * come from the routine, which the page has). Besides the core's fields: `step` (the index),
   * `instructions` (their texts), `position` (the step's position id) and `breath_left` (timeline
   * seconds left in the breath, for an animation).
   */
  const frame = (p, now, rules) => {
    const play = rules.playback;
    const phases = play.phases;
    const breaths = play.breaths;
    const t = position(p, now);
    const timeline = p.timeline;
    const cues = timeline.cues;
    // Every cue the position has reached is shown, fired yet or not: after a skip or back (while
    // paused too), the cues at the point jumped to are "now" (they are said when they fire).
    const upto = bisect(cues, t, true);
    let step = currentStep(p, now);
    if (step === null && upto && cues[upto - 1].step !== null) step = cues[upto - 1].step;
    const last = latest(cues, upto, (kind) => hasOwn(phases, kind), null);
    const said = latest(cues, upto, (kind) => play.said.includes(kind), null);
    const phase = last ? phases[last.kind] : phases.start;
    let countdown = null;
    if (last?.duration) countdown = Math.max(0, Math.ceil(last.at + last.duration - t));
    const block = currentBlock(p, now);
    if (block !== null && t >= block.at) countdown = Math.max(0, Math.ceil(block.end - t));
    let breath = null;
    let progress = 0;
    let breathLeft = null;
    if (block !== null) {
      const b = latest(cues, upto, (kind) => hasOwn(breaths, kind), step);
      if (b !== null && b.at >= block.at && b.duration) {
        breath = breaths[b.kind];
        progress = Math.max(0, Math.min(1, (t - b.at) / b.duration));
        breathLeft = b.at + b.duration - t;
      }
    }
    const repCue = latest(cues, upto, (kind) => kind === REP, step);
    let instruction = null;
    let instructions = [];
    let nextStep = null;
    let figure = null;
    let where = null;
    let sets = null;
    let reps = null;
    if (step !== null) {
      const span = timeline.steps[step];
      where = span.position;
      figure = [span.exercise, span.variant];
      instructions = cues.filter((c) => c.kind === INSTRUCTION && c.step === step).map((c) => c.text);
      const blocks = timeline.blocks.filter((b) => b.step === step);
      sets = blocks.length ? Math.max(...blocks.map((b) => b.set)) : null;
      reps = blocks.length ? blocks[0].target_reps : null;
      const saidStep = latest(cues, upto, (kind) => kind === INSTRUCTION, step);
      if (saidStep !== null && phase === play.instructions) instruction = instructions.indexOf(saidStep.text);
      if (step + 1 < timeline.steps.length) nextStep = step + 1;
    } else if (timeline.steps.length && t < 1 + timeline.steps[0].at) {
      nextStep = 0;
    }
    return {
      status: p.status,
      step,
      step_number: step === null ? null : step + 1,
      step_count: timeline.steps.length,
      position: where,
      instructions,
      instruction,
      phase,
      text: said ? said.text : '',
      countdown,
      side: block !== null ? block.side : last ? last.side : null,
      set: block !== null ? block.set : null,
      sets,
      rep: repCue !== null && block !== null ? repCue.rep : null,
      reps,
      breath,
      breath_progress: progress,
      breath_left: breathLeft,
      elapsed: Math.trunc(t),
      total: timeline.total_seconds,
      figure,
      next_step: nextStep,
    };
  };

  // ---------------------------------------------------------------- the voice policy

  /** What a player says when `cue` fires: the timeline's `say`, chosen so that nothing said is
   * cut by what comes next (core/timeline.py), or null. */
  const spokenText = (cue) => cue.say || null;

  /** "start" when a hold or flow starts, "end" when it is released, else null. */
  const toneFor = (cue, rules) =>
    hasOwn(rules.speech.tones, cue.kind) ? rules.speech.tones[cue.kind] : null;

  /** Sentences as one text, each ending in a stop so the voice pauses between them. */
  const joinSentences = (texts) =>
    texts
      .filter(Boolean)
      .map((text) => (/[.!?,;:]$/.test(text) ? text : `${text}.`))
      .join(' ');

  /** What fired cues say, as one text (a late timer fires several at once). */
  const utterance = (cues) => joinSentences(cues.map(spokenText).filter((text) => text !== null)) || null;

  globalThis.bedstretchPlayback = Object.freeze({
    start,
    tick,
    pause,
    resume,
    skip,
    back,
    stop,
    command,
    event,
    record,
    ending,
    verdict,
    frame,
    position,
    due,
    nextDue,
    currentStep,
    currentBlock,
    lastCue,
    over,
    spokenText,
    toneFor,
    utterance,
    joinSentences,
  });
})();
