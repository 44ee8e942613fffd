// The golden corpus's runner in JavaScript: tests/golden/generate.py's run(), over the web
// player's playback module (static/playback.js, loaded first). A case's script is played on a
// clock that starts at 0: at each moment, fire what is due, then apply the command or draw the
// frame; the log has the same entries, fields and order as the Python reference's.
//
// The timeline and the rules are frozen all the way down, and every state a call was given is
// checked unchanged afterwards, so aliasing (a state changed in place) fails the case.
'use strict';
(() => {
  // generate.py's FRAME_FIELDS: the frame's fields every player must agree on.
  const FRAME_FIELDS = [
    'status',
    'step_number',
    'step_count',
    'phase',
    'text',
    'countdown',
    'side',
    'set',
    'sets',
    'rep',
    'reps',
    'breath',
    'breath_progress',
    'elapsed',
    'total',
    'instruction',
    'next_step',
    'figure',
  ];

  const deepFreeze = (value) => {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      Object.values(value).forEach(deepFreeze);
    }
    return value;
  };

  const output = (out) => {
    if (out.type === 'fired') return { fired: out.index, scheduled: out.scheduled };
    if (out.type === 'result') {
      return {
        result: out.block.index,
        at: out.at,
        status: out.status,
        seconds: out.actual_seconds,
        reps: out.actual_reps,
        reason: out.reason,
      };
    }
    if (out.type !== 'event') throw new Error(`unknown output ${JSON.stringify(out)}`);
    return { event: out.kind, at: out.at, step: out.step, exercise: out.exercise, value: out.value };
  };

  const snapshot = (state) => JSON.stringify({ ...state, timeline: null });

  // Call `act` on `state` and check that `state` is as it was afterwards.
  const unchanged = (state, what, act) => {
    const before = snapshot(state);
    const got = act();
    if (snapshot(state) !== before) throw new Error(`${what} changed the state it was given`);
    return got;
  };

  const runCase = (PB, timeline, rules, given) => {
    let state = PB.start(timeline, 0, given.speed);
    const log = [];
    for (const item of given.script) {
      const t = item.t;
      const ticked = unchanged(state, 'tick', () => PB.tick(state, t));
      state = ticked.state;
      if (ticked.outputs.length) log.push({ t, tick: ticked.outputs.map(output) });
      if ('command' in item) {
        const cmd = { kind: item.command, value: 'value' in item ? item.value : null };
        const outcome = unchanged(state, item.command, () =>
          PB.command(state, cmd, t, given.baseline, rules),
        );
        state = outcome.state;
        const verdict = outcome.verdict;
        log.push({
          t,
          command: item.command,
          outputs: outcome.outputs.map(output),
          verdict: verdict === null ? null : { action: verdict.action, reason: verdict.reason },
          message: outcome.message,
          hush: outcome.hush,
        });
      }
      if (item.frame) {
        const shown = unchanged(state, 'frame', () => PB.frame(state, t, rules));
        const picked = {};
        for (const name of FRAME_FIELDS) picked[name] = shown[name];
        log.push({ t, frame: picked });
      }
    }
    const end = given.script[given.script.length - 1].t;
    return {
      log,
      status: state.status,
      position: PB.position(state, end),
      next_cue: state.next_cue,
      reported: [...state.reported].sort((a, b) => a - b),
    };
  };

  /** Every case's result, by name (an error in a case is its result: {error}). */
  const run = (timelines, rules, cases) => {
    const PB = globalThis.bedstretchPlayback;
    if (!PB) throw new Error('playback.js is not loaded');
    deepFreeze(timelines);
    deepFreeze(rules);
    const results = {};
    for (const given of cases) {
      try {
        results[given.name] = runCase(PB, timelines[given.routine], rules, given);
      } catch (error) {
        results[given.name] = { error: String(error?.stack || error) };
      }
    }
    return results;
  };

  globalThis.bedstretchGolden = Object.freeze({ run, runCase, FRAME_FIELDS });
})();
