// bedstretch web player: plays the server's timeline against performance.now().
//
// Cue i is due at anchor + cue.at / speed (seconds on the monotonic clock): nothing accumulates,
// pausing moves the anchor by the pause's length, skip and back re-anchor to the step spans.
// This is core/playback.py and core/frame.py in JavaScript (what the terminal player runs); the
// pain guard's rules come from GET /api/v1/rules, never from a copy here. Every event gets a
// client-made UUID and goes through the outbox (app.js), so it is sent once online.
'use strict';
(() => {
  const root = document.getElementById('player');
  const B = window.bedstretch;
  if (!root || !B) return;
  const $ = (id) => document.getElementById(id);

  const BACK_RESTARTS_WITHIN = 5; // timeline seconds, as in core/playback.py
  const SPEECH_STALE = 0.5; // real seconds: late speech is dropped, never queued behind
  const PHASES = {
    start: 'welcome', move: 'change position', exercise: 'how to do it', step: 'how to do it',
    get_ready: 'get ready', hold: 'hold', flow: 'keep going', rep: 'repetitions',
    release: 'release', switch_sides: 'switch sides', rest: 'rest', end: 'done',
  };
  const INSTRUCTIONS = PHASES.step;
  const QUIET = new Set([INSTRUCTIONS, PHASES.start, PHASES.end]);
  const BREATHS = { inhale: 'in', exhale: 'out', pause: 'hold' };
  const BREATH_TEXT = { in: 'Breathe in', out: 'Breathe out', hold: 'Hold' };
  const PHASE_KINDS = new Set(Object.keys(PHASES));
  const SAID = new Set([...PHASE_KINDS, 'form', 'countdown', 'inhale', 'exhale', 'pause']);
  const BREATH_KINDS = new Set(Object.keys(BREATHS));
  const REP = new Set(['rep']);
  // voice.py's policy: which cues are said, and which sound a tone.
  const SPOKEN = new Set(['start', 'move', 'exercise', 'step', 'get_ready', 'hold', 'flow', 'rep',
    'inhale', 'exhale', 'pause', 'form', 'countdown', 'release', 'switch_sides', 'rest', 'end']);
  const TONES = { hold: 'start', flow: 'start', release: 'end' };
  const NOTES = { start: [[880, 0.15]], end: [[660, 0.12], [440, 0.18]] };

  const query = new URLSearchParams(window.location.search);
  const speed = Math.min(100, Math.max(0.1, parseFloat(query.get('speed')) || 1));
  const routineId = root.dataset.routine;
  const plan = root.dataset.plan ? JSON.parse(root.dataset.plan) : null;
  const names = JSON.parse(root.dataset.names || '{}');
  const positionLabels = JSON.parse(root.dataset.positions || '{}');
  const now = () => performance.now() / 1000;

  let rules = null;
  let tl = null; // the timeline
  let ats = [];
  let P = null; // playback state
  let sessionId = null;
  let baseline = 0;
  let timer = 0;
  let painter = 0;
  let ended = null; // 'finished' | 'stopped' | 'safety'
  let finalSent = false;
  let shownStep = undefined;
  let messageUntil = 0;
  let voice = B.voiceOn() && speed === 1;
  let audio = null;
  let lock = null;
  const outcomes = [];
  const fireLog = []; // {at, kind, scheduled, actual}: what the tests read to check timing

  // ------------------------------------------------------------------ what the server serves

  const getJSON = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.json();
  });
  const rulesReady = getJSON('/api/v1/rules').then((r) => { rules = r; });
  rulesReady.catch(() => {});
  // For a start without the network: the routine's timeline (the one the server will store:
  // compiling is deterministic) and the screening gate's last answer on this phone.
  let cachedTimeline = null;
  if (!plan) {
    getJSON(`/api/v1/routines/${encodeURIComponent(routineId)}/timeline`)
      .then((t) => { cachedTimeline = t; keepFigures(t); }).catch(() => {});
  }
  getJSON('/api/v1/gate').then((g) => B.rememberGate(g.allowed)).catch(() => {});

  // ------------------------------------------------------------------ playback (core/playback.py)

  const bisect = (xs, x, right) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (right ? xs[mid] <= x : xs[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  const over = () => ['finished', 'stopped', 'safety_stopped'].includes(P.status);
  const position = (t) => {
    const at = P.pausedAt !== null ? P.pausedAt : t;
    return Math.max(0, Math.min(tl.total_seconds, (at - P.anchor) * speed));
  };
  const due = (i) => P.anchor + tl.cues[i].at / speed;
  const currentStep = (t) => {
    const x = position(t);
    const span = tl.steps.find((s) => s.at <= x && x < s.end);
    return span ? span.index : null;
  };
  const currentBlock = (t) => {
    const x = position(t);
    return tl.blocks.find((b) => b.at <= x && x < b.end) || null;
  };
  const jump = (t, target) => {
    P.next = bisect(ats, target, false);
    P.anchor = t - target / speed;
    if (P.status === 'paused') P.pausedAt = t;
  };
  const partial = (b, x, status, reason) => {
    if (x < b.at) return { block: b, status, seconds: 0, reps: b.target_reps !== null ? 0 : null, reason };
    const seconds = Math.trunc(Math.min(x, b.end) - b.at);
    let reps = null;
    if (b.target_reps !== null) {
      reps = 0;
      for (let i = 0; i < P.next; i++) {
        const c = tl.cues[i];
        if (c.kind === 'rep' && c.step === b.step && c.set === b.set && c.side === b.side
          && b.at <= c.at && c.at <= x) reps++;
      }
    }
    return { block: b, status, seconds, reps, reason };
  };
  const blockEnding = (cue) => tl.blocks.find(
    (b) => b.step === cue.step && b.set === cue.set && b.side === cue.side) || null;

  const tickState = (t) => {
    const out = { fired: [], results: [] };
    if (P.status !== 'playing') return out;
    while (P.next < tl.cues.length && due(P.next) <= t) {
      const cue = tl.cues[P.next];
      if (cue.kind === 'release') { // the result comes first: once "release" shows, it is kept
        const b = blockEnding(cue);
        if (b && !P.reported.has(b.index)) {
          P.reported.add(b.index);
          out.results.push({ block: b, status: 'done', seconds: b.target_seconds, reps: b.target_reps, reason: null });
        }
      }
      out.fired.push({ cue, scheduled: due(P.next) });
      if (cue.kind === 'end') P.status = 'finished';
      P.next += 1;
    }
    return out;
  };
  const skipState = (t, status, reason) => {
    if (over()) return [];
    const x = position(t);
    const step = currentStep(t);
    if (step === null) {
      const following = tl.steps.filter((s) => s.at > x);
      jump(t, following.length ? following[0].at : tl.total_seconds);
      return [];
    }
    const results = tl.blocks
      .filter((b) => b.step === step && !P.reported.has(b.index))
      .map((b) => partial(b, x, status, reason));
    results.forEach((r) => P.reported.add(r.block.index));
    jump(t, step + 1 < tl.steps.length ? tl.steps[step + 1].at : tl.total_seconds);
    return results;
  };
  const backState = (t) => {
    if (over() || !tl.steps.length) return;
    const x = position(t);
    const spans = tl.steps;
    let step = currentStep(t);
    if (step === null) step = x >= spans[spans.length - 1].end ? spans.length - 1 : 0;
    else if (x - spans[step].at <= BACK_RESTARTS_WITHIN && step > 0) step -= 1;
    tl.blocks.forEach((b) => { if (b.step >= step) P.reported.delete(b.index); });
    jump(t, spans[step].at);
  };
  const stopState = (t, safety, reason) => {
    if (over()) return [];
    const x = position(t);
    const results = [];
    const b = currentBlock(t);
    if (b && !P.reported.has(b.index)) {
      results.push(partial(b, x, safety ? 'pain_skip' : 'skipped', reason));
      P.reported.add(b.index);
    }
    if (P.pausedAt === null) P.pausedAt = t;
    P.status = safety ? 'safety_stopped' : 'stopped';
    return results;
  };

  // ------------------------------------------------------------------ what to show (core/frame.py)

  const latest = (upto, kinds, step) => {
    for (let i = upto - 1; i >= 0; i--) {
      const c = tl.cues[i];
      if (step !== null && c.step !== step) return null;
      if (kinds.has(c.kind)) return c;
    }
    return null;
  };
  const frame = (t) => {
    const x = position(t);
    // Cues not fired yet are not shown, except when paused: after a skip or back while paused,
    // the cues at the point jumped to are "now" (they fire, and are said, on resume).
    const reached = bisect(ats, x, true);
    const upto = P.status === 'paused' ? reached : Math.min(P.next, reached);
    let step = currentStep(t);
    if (step === null && upto && tl.cues[upto - 1].step !== null) step = tl.cues[upto - 1].step;
    const last = latest(upto, PHASE_KINDS, null);
    const said = latest(upto, SAID, null);
    const phase = last ? PHASES[last.kind] : PHASES.start;
    let countdown = null;
    if (last && last.duration) countdown = Math.max(0, Math.ceil(last.at + last.duration - x));
    const block = currentBlock(t);
    if (block && x >= block.at) countdown = Math.max(0, Math.ceil(block.end - x));
    let breathCue = null;
    if (block) {
      const b = latest(upto, BREATH_KINDS, step);
      if (b && b.at >= block.at && b.duration) breathCue = b;
    }
    const repCue = latest(upto, REP, step);
    let instruction = null;
    if (step !== null && phase === INSTRUCTIONS) {
      const s = latest(upto, new Set(['step']), step);
      if (s) instruction = s.text;
    }
    return {
      x, step, phase, countdown, block, breathCue, instruction,
      breath: breathCue ? BREATHS[breathCue.kind] : null,
      said: said ? said.text : '',
      side: block ? block.side : (last ? last.side : null),
      rep: repCue && block ? repCue.rep : null,
    };
  };

  const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const nameOf = (span) => names[`${span.exercise}/${span.variant}`] || span.exercise;
  const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

  const showStep = (step) => {
    shownStep = step;
    const list = $('instructions');
    list.textContent = '';
    const img = $('figure');
    if (step === null) { img.hidden = true; return; }
    const span = tl.steps[step];
    tl.cues.filter((c) => c.kind === 'step' && c.step === step).forEach((c) => {
      const li = document.createElement('li');
      li.textContent = c.text;
      list.appendChild(li);
    });
    img.hidden = false;
    img.alt = `${nameOf(span)}: how it looks`;
    img.src = figureUrl(span);
  };
  const figureUrl = (span) => `/api/v1/exercises/${encodeURIComponent(span.exercise)}/figure.svg?variant=${encodeURIComponent(span.variant)}`;
  // Fetch every figure of a timeline once, so that the service worker keeps them for offline.
  const keepFigures = (t) => t.steps.forEach((s) => fetch(figureUrl(s), { credentials: 'same-origin' }).catch(() => {}));

  const render = () => {
    if (!P) return;
    const t = now();
    const f = frame(t);
    if (f.step !== shownStep) showStep(f.step);
    const span = f.step !== null ? tl.steps[f.step] : null;
    const steps = tl.steps.length;
    setText($('step-n'), span ? `Step ${f.step + 1} of ${steps}` : (ended ? 'Done' : 'Starting'));
    setText($('left'), `${mmss(tl.total_seconds - Math.floor(f.x))} left`);
    setText($('exercise'), span ? nameOf(span) : root.dataset.name);
    const where = span ? [positionLabels[span.position] || span.position] : [];
    if (f.block) {
      const sets = Math.max(...tl.blocks.filter((b) => b.step === f.block.step).map((b) => b.set));
      if (sets > 1) where.push(`set ${f.block.set} of ${sets}`);
    }
    setText($('where'), where.join(' · '));
    let phase = P.status === 'paused' ? 'paused' : f.phase;
    if (f.side && f.phase !== INSTRUCTIONS && f.phase !== PHASES.move) phase += ` · ${f.side} side`;
    setText($('phase'), phase);
    const count = f.countdown !== null && !QUIET.has(f.phase) ? String(f.countdown) : '';
    setText($('count'), count);
    $('stage').hidden = !count && !f.breathCue;
    setText($('breath-label'), f.breath ? BREATH_TEXT[f.breath] : '');
    const reps = f.block ? f.block.target_reps : null;
    setText($('rep'), f.rep !== null && reps ? `Repetition ${f.rep} of ${reps}` : '');
    setText($('said'), f.instruction === null ? f.said : '');
    [...$('instructions').children].forEach((li) => li.classList.toggle('now', li.textContent === f.instruction));
    let next = '';
    if (f.step !== null && f.step + 1 < steps) next = `Next: ${nameOf(tl.steps[f.step + 1])}`;
    else if (f.step === null && steps && f.x < 1 + tl.steps[0].at) next = `Next: ${nameOf(tl.steps[0])}`;
    setText($('next'), next);
    $('figure').classList.toggle('left', f.side === 'left');
    const pause = $('pause');
    setText(pause, P.status === 'paused' ? 'Resume' : 'Pause');
    if (messageUntil && performance.now() > messageUntil && !ended) {
      $('message').hidden = true;
      messageUntil = 0;
    }
  };

  // ------------------------------------------------------------------ breathing, voice, tones

  const ball = () => $('ball');
  const syncBall = () => {
    const el = ball();
    const f = frame(now());
    el.style.transform = '';
    if (!f.breathCue || P.status !== 'playing') {
      el.style.transitionDuration = '0.6s';
      el.classList.remove('in');
      el.classList.toggle('still', !f.breathCue);
      return;
    }
    el.classList.remove('still');
    const left = Math.max(0.05, (f.breathCue.at + f.breathCue.duration - f.x) / speed);
    el.style.transitionDuration = `${left}s`;
    if (f.breath === 'in') el.classList.add('in');
    else if (f.breath === 'out') el.classList.remove('in');
  };
  const freezeBall = () => {
    const el = ball();
    const current = getComputedStyle(el).transform;
    el.style.transitionDuration = '0s';
    el.style.transform = current;
  };

  const spokenText = (cue) => {
    if (!SPOKEN.has(cue.kind)) return null;
    let text = cue.text.split(/\s+/).filter(Boolean).join(' ');
    if (!text && cue.kind === 'rep' && cue.rep !== null) text = String(cue.rep);
    return text || null;
  };
  const utterance = (cues) => cues.map(spokenText).filter(Boolean)
    .map((text) => (/[.!?,;:]$/.test(text) ? text : `${text}.`)).join(' ') || null;
  const speech = () => ('speechSynthesis' in window ? window.speechSynthesis : null);
  const say = (text) => {
    const s = speech();
    if (!voice || !s || !text) return;
    s.cancel(); // a new cue cuts the one being said
    const u = new SpeechSynthesisUtterance(text);
    u.lang = document.documentElement.lang || 'en';
    s.speak(u);
  };
  const hush = () => { const s = speech(); if (s) s.cancel(); };
  const tone = (kind) => {
    if (!voice || !audio) return;
    let at = audio.currentTime + 0.01;
    for (const [frequency, seconds] of NOTES[kind]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.25, at + 0.005);
      gain.gain.setValueAtTime(0.25, at + seconds - 0.005);
      gain.gain.linearRampToValueAtTime(0, at + seconds);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + seconds);
      at += seconds;
    }
  };
  const showVoice = () => {
    const button = $('voice');
    button.setAttribute('aria-pressed', String(voice));
    setText(button, voice ? 'Voice on' : 'Voice off');
  };

  const wake = async (on) => {
    try {
      if (on && !lock && 'wakeLock' in navigator && document.visibilityState === 'visible') {
        lock = await navigator.wakeLock.request('screen');
        lock.addEventListener('release', () => { lock = null; });
      } else if (!on && lock) {
        const held = lock;
        lock = null;
        await held.release();
      }
    } catch (e) { /* no wake lock here: the screen may sleep */ }
  };

  // ------------------------------------------------------------------ the journal

  const send = (kind, extra) => {
    const t = now();
    const step = currentStep(t);
    const event = {
      id: B.uuid(),
      kind,
      at: Math.round(position(t) * 1000) / 1000,
      step,
      exercise: step === null ? null : tl.steps[step].exercise,
      ...extra,
    };
    B.enqueue(sessionId, event);
  };
  const record = (results) => results.forEach((r) => {
    outcomes.push(r);
    send('step_done', {
      block: r.block.index, step: r.block.step, exercise: r.block.exercise, status: r.status,
      actual_seconds: r.seconds, actual_reps: r.reps, reason: r.reason,
    });
  });
  const finalEvent = (kind, extra) => {
    if (finalSent) return;
    finalSent = true;
    send(kind, extra);
  };
  const showSync = () => {
    const n = B.pending();
    const text = n ? `${n} event${n === 1 ? '' : 's'} waiting to be sent${navigator.onLine ? '' : ' (offline)'}.` : 'Everything is saved.';
    setText($('sync'), sessionId ? text : '');
    setText($('after-sync'), text);
  };
  document.addEventListener('bedstretch:outbox', showSync);
  window.addEventListener('online', showSync);
  window.addEventListener('offline', showSync);

  // ------------------------------------------------------------------ the loop

  const schedule = () => {
    clearTimeout(timer);
    if (!P || P.status !== 'playing' || P.next >= tl.cues.length) return;
    timer = setTimeout(tick, Math.max(0, (due(P.next) - now()) * 1000));
  };
  function tick() {
    const t = now();
    const { fired, results } = tickState(t);
    record(results);
    fired.forEach((f) => fireLog.push({ at: f.cue.at, kind: f.cue.kind, scheduled: f.scheduled, actual: t }));
    if (fired.length) {
      const fresh = fired.filter((f) => t - f.scheduled <= SPEECH_STALE).map((f) => f.cue);
      say(utterance(fresh));
      fired.forEach((f) => { if (TONES[f.cue.kind] && t - f.scheduled <= SPEECH_STALE) tone(TONES[f.cue.kind]); });
      if (fired.some((f) => BREATH_KINDS.has(f.cue.kind) || f.cue.kind === 'release')) syncBall();
      render();
    }
    if (P.status === 'finished') { finish('finished'); return; }
    schedule();
  }

  const message = (text) => {
    const el = $('message');
    el.textContent = text;
    el.hidden = false;
    messageUntil = performance.now() + Math.max(15 / speed, 10) * 1000;
  };

  const play = () => {
    $('before').hidden = true;
    $('playing').hidden = false;
    showVoice();
    $('exercise').focus();
    // The clock starts once the screen is ready, so the first cue is on time.
    P = { anchor: now(), next: 0, status: 'playing', pausedAt: null, reported: new Set() };
    showSync();
    wake(true);
    painter = setInterval(render, 100);
    tick();
  };

  const commands = {
    toggle() { if (P.status === 'paused') commands.resume(); else commands.pause(); },
    pause() {
      if (P.status !== 'playing') return;
      P.status = 'paused';
      P.pausedAt = now();
      hush();
      freezeBall();
      send('pause');
      clearTimeout(timer);
      wake(false);
    },
    resume() {
      if (P.status !== 'paused') return;
      const t = now();
      P.anchor += t - P.pausedAt;
      P.pausedAt = null;
      P.status = 'playing';
      send('resume');
      syncBall();
      wake(true);
      schedule();
    },
    skip() {
      if (over()) return;
      send('skip');
      hush();
      record(skipState(now(), 'skipped', null));
      syncBall();
      schedule();
    },
    back() {
      if (over()) return;
      send('back');
      hush();
      backState(now());
      syncBall();
      schedule();
    },
    quit() {
      if (over()) return;
      hush();
      record(stopState(now(), false, 'stopped by you'));
      finish('stopped');
    },
    report(kind, value) {
      if (over()) return;
      send(kind, kind === 'pain' ? { value } : {});
      if (kind === 'tingling') B.rememberGate(false); // screen again first, offline too
      const v = verdict(kind, value);
      const t = now();
      if (v.action === 'stop_session') {
        hush();
        record(stopState(t, true, v.reason));
        finish('safety', `Stopped for your safety (${v.reason}). ${v.advice}`);
      } else if (v.action === 'skip_stretch') {
        if (currentStep(t) === null) {
          message(`Noted: ${v.reason}. Rest until the next stretch starts.`);
          return;
        }
        hush();
        record(skipState(t, 'pain_skip', v.reason));
        message(`Skipped (${v.reason}). ${v.advice}`);
        syncBall();
        schedule();
      } else {
        message(`Noted: ${v.reason}.`);
      }
    },
  };
  const run = (name, ...args) => { if (P && !ended) { commands[name](...args); render(); } };

  // The pain guard, with the server's rules (core/safety.py's check_pain).
  const verdict = (kind, value) => {
    const act = (action, reason) => ({
      action,
      reason,
      advice: action === 'stop_session' ? rules.stop_advice : (action === 'skip_stretch' ? rules.skip_advice : ''),
    });
    if (kind === 'tingling') return act(rules.tingling, 'tingling or numbness');
    if (kind === 'sharp') return act(rules.sharp, 'sharp pain');
    if (value >= rules.stop_at) return act('stop_session', `pain ${value}/10`);
    if (value >= baseline + rules.skip_rise) return act('skip_stretch', `pain ${value}/10, up from ${baseline}`);
    return act('continue', `pain ${value}/10`);
  };

  const finish = (how, advice) => {
    if (ended) return;
    ended = how;
    clearTimeout(timer);
    clearInterval(painter);
    wake(false);
    render();
    $('playing').hidden = true;
    $('after').hidden = false;
    const done = outcomes.filter((r) => r.status === 'done').length;
    const skipped = outcomes.filter((r) => r.status !== 'done');
    const title = { finished: 'Well done', stopped: 'Session stopped', safety: 'Stopped for your safety' }[how];
    setText($('after-title'), title);
    const summary = [`${done} of ${tl.blocks.length} holds and sets done.`];
    const painSkips = [...new Set(skipped.filter((r) => r.status === 'pain_skip')
      .map((r) => nameOf(tl.steps[r.block.step])))];
    if (painSkips.length) summary.push(`Skipped for pain: ${painSkips.join(', ')}.`);
    setText($('after-summary'), summary.join(' '));
    if (how === 'safety') {
      const alert = $('after-alert');
      alert.textContent = advice;
      alert.hidden = false;
      finalEvent('stop', { reason: 'safety' });
      $('after-form').hidden = true;
      $('saved').hidden = false;
    }
    $('after-title').focus();
  };

  const afterPain = (value) => {
    const extra = value === null ? {} : { value };
    if (ended === 'finished') finalEvent('complete', extra);
    else finalEvent('stop', { ...extra, reason: 'quit' });
    $('after-form').hidden = true;
    $('saved').hidden = false;
    showSync();
    $('saved-title').focus();
  };

  // ------------------------------------------------------------------ starting

  const failStart = (html, text) => {
    const el = $('before-error');
    el.textContent = text;
    if (html) {
      const link = document.createElement('a');
      link.href = html.href;
      link.textContent = html.text;
      el.append(' ', link);
    }
    el.hidden = false;
    el.focus();
  };

  $('before-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = document.querySelector('input[name="pain-before"]:checked');
    if (!chosen) { failStart(null, 'Choose how much your back hurts now, from 0 to 10.'); return; }
    baseline = Number(chosen.value);
    // Sound may only start from a tap: make the audio context and wake speech now.
    if (voice && !audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    const button = event.submitter || $('start');
    button.disabled = true;
    try {
      try { await rulesReady; } catch (e) {
        failStart(null, 'The safety rules could not be loaded: check the connection and try again.');
        return;
      }
      const uid = B.uuid(); // the server answers the same session however often this is sent
      const body = { routine: routineId, pain_before: baseline, plan, uid, started_at: new Date().toISOString() };
      let response;
      try {
        response = await fetch('/api/v1/sessions', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': B.csrf() },
          body: JSON.stringify(body),
        });
      } catch (e) {
        // Offline: play the cached timeline; the start waits in the outbox before its events.
        if (plan || !cachedTimeline) {
          failStart(null, 'You are offline, and this session was not loaded before: starting it needs the network.');
        } else if (!B.gateAllowsOffline()) {
          failStart({ href: '/screening', text: 'Answer the safety questions' },
            'You are offline, and this phone has not seen your safety questions cleared in the last day: starting needs the network.');
        } else {
          sessionId = uid;
          B.enqueueStart(body);
          tl = cachedTimeline;
          ats = tl.cues.map((c) => c.at);
          play();
        }
        return;
      }
      if (response.status === 401) { window.location.assign('/signin'); return; }
      const data = await response.json().catch(() => ({}));
      if (response.status === 409) {
        failStart({ href: '/screening', text: 'Answer the safety questions' }, data.detail || 'Not starting.');
        return;
      }
      if (!response.ok) { failStart(null, data.detail ? String(data.detail) : 'The session could not start. Try again.'); return; }
      sessionId = data.id;
      tl = data.timeline;
      ats = tl.cues.map((c) => c.at);
      keepFigures(tl);
      play();
    } finally {
      button.disabled = false;
    }
  });

  // ------------------------------------------------------------------ buttons and keys

  const painDialog = $('pain-dialog');
  const quitDialog = $('quit-dialog');
  const open = (dialog) => { if (!dialog.open) dialog.showModal(); };
  $('pause').addEventListener('click', () => run('toggle'));
  $('skip').addEventListener('click', () => run('skip'));
  $('back').addEventListener('click', () => run('back'));
  $('pain').addEventListener('click', () => open(painDialog));
  $('sharp').addEventListener('click', () => run('report', 'sharp'));
  $('tingling').addEventListener('click', () => run('report', 'tingling'));
  $('quit').addEventListener('click', () => open(quitDialog));
  $('voice').addEventListener('click', () => {
    voice = !voice;
    B.setVoice(voice);
    if (voice && !audio && window.AudioContext) audio = new AudioContext();
    if (!voice) hush();
    showVoice();
  });
  painDialog.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    painDialog.close();
    if (button.dataset.pain !== undefined) run('report', 'pain', Number(button.dataset.pain));
  });
  quitDialog.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    quitDialog.close();
    if (button.dataset.yes !== undefined) run('quit');
  });
  $('after-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = document.querySelector('input[name="pain-after"]:checked');
    afterPain(chosen ? Number(chosen.value) : null);
  });
  $('after-skip').addEventListener('click', () => afterPain(null));

  const KEYS = { ' ': 'toggle', n: 'skip', ArrowRight: 'skip', b: 'back', ArrowLeft: 'back' };
  document.addEventListener('keydown', (event) => {
    if (!P || ended || event.altKey || event.ctrlKey || event.metaKey) return;
    if (painDialog.open || quitDialog.open) return;
    const target = event.target;
    const typing = target.closest && target.closest('input, textarea, select');
    const onControl = target.closest && target.closest('button, a, summary');
    if (typing || (onControl && (event.key === ' ' || event.key === 'Enter'))) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (KEYS[key]) run(KEYS[key]);
    else if (key === 'p') open(painDialog);
    else if (key === 's') run('report', 'sharp');
    else if (key === 't') run('report', 'tingling');
    else if (key === 'q') open(quitDialog);
    else return;
    event.preventDefault();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && P && P.status === 'playing' && !ended) {
      wake(true);
      syncBall();
      tick();
    }
  });
  window.addEventListener('beforeunload', (event) => {
    if (P && !ended) { event.preventDefault(); event.returnValue = ''; }
  });
  window.addEventListener('pagehide', () => {
    // Leaving without answering the last question: the session still ends in the journal.
    if (ended && !finalSent) afterPain(null);
  });

  // A window for tests and debugging: read-only numbers, and the voice policy's port.
  root.player = {
    state: () => (P ? { status: P.status, position: position(now()), session: sessionId, ended } : null),
    fired: () => fireLog.slice(),
    utterance,
  };
})();
