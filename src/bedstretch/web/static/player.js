// bedstretch web player: the page around playback.js, which decides everything.
//
// playback.js is core/playback.py, core/frame.py, the pain guard and the voice policy in
// JavaScript (the golden corpus holds it to the core); it decides what fires, what a command
// does, what the pain guard says, what is shown and said, and which event closes the session.
// Its rules come from GET /api/v1/rules, never from a copy here. This file owns the effects: the
// clock (performance.now()), timers, the screen, speech and tones, the wake lock, and the
// journal: every event gets a client-made UUID and goes through the outbox (app.js), so it is
// sent once online.
'use strict';
(() => {
  const root = document.getElementById('player');
  const B = window.bedstretch;
  const PB = window.bedstretchPlayback;
  if (!root || !B || !PB) return;
  const $ = (id) => document.getElementById(id);

  let speechStale = 0; // clock seconds: late speech is dropped, never queued behind (served)
  const BREATH_TEXT = { in: 'Breathe in', out: 'Breathe out', hold: 'Hold' };
  const NOTES = {
    start: [[880, 0.15]],
    end: [
      [660, 0.12],
      [440, 0.18],
    ],
  };
  const TITLES = {
    finished: 'Well done',
    stopped: 'Session stopped',
    safety_stopped: 'Stopped for your safety',
  };

  const query = new URLSearchParams(window.location.search);
  const speed = Math.min(100, Math.max(0.1, Number.parseFloat(query.get('speed')) || 1));
  const routineId = root.dataset.routine;
  const plan = root.dataset.plan ? JSON.parse(root.dataset.plan) : null;
  const names = JSON.parse(root.dataset.names || '{}');
  const positionLabels = JSON.parse(root.dataset.positions || '{}');
  const now = () => performance.now() / 1000;

  let rules = null;
  let quiet = new Set(); // phases that show no countdown (as the terminal's screen)
  let P = null; // the playback state (playback.js)
  let sessionId = null;
  let baseline = 0;
  let timer = 0;
  let painter = 0;
  let ended = null; // how playback ended: 'finished' | 'stopped' | 'safety_stopped'
  let finalSent = false;
  let shownStep;
  let messageUntil = 0;
  let voice = B.voiceOn() && speed === 1;
  let audio = null;
  let lock = null;
  const outcomes = [];
  const fireLog = []; // {at, kind, scheduled, actual}: what the tests read to check timing

  // ------------------------------------------------------------------ what the server serves

  const getJSON = (url) =>
    fetch(url, { credentials: 'same-origin' }).then((r) => {
      if (!r.ok) throw new Error(`${url}: ${r.status}`);
      return r.json();
    });
  const rulesReady = getJSON('/api/v1/rules').then((r) => {
    rules = r;
    quiet = new Set(r.playback.quiet);
    speechStale = r.speech.stale_after;
  });
  rulesReady.catch(() => {});
  const figureUrl = ([exercise, variant]) =>
    `/api/v1/exercises/${encodeURIComponent(exercise)}/figure.svg?variant=${encodeURIComponent(variant)}`;
  // Fetch every figure of a timeline once, so that the service worker keeps them for offline.
  const keepFigures = (t) =>
    t.steps.forEach((s) => {
      fetch(figureUrl([s.exercise, s.variant]), { credentials: 'same-origin' }).catch(() => {});
    });
  // For a start without the network: the routine's timeline (the one the server will store:
  // compiling is deterministic) and the screening gate's last answer on this phone.
  let cachedTimeline = null;
  if (!plan) {
    getJSON(`/api/v1/routines/${encodeURIComponent(routineId)}/timeline`)
      .then((t) => {
        cachedTimeline = t;
        keepFigures(t);
      })
      .catch(() => {});
  }
  getJSON('/api/v1/gate')
    .then((g) => B.rememberGate(g.allowed))
    .catch(() => {});

  // ------------------------------------------------------------------ the screen

  const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const nameOf = ([exercise, variant]) => names[`${exercise}/${variant}`] || exercise;
  const stepName = (index) => {
    const span = P.timeline.steps[index];
    return nameOf([span.exercise, span.variant]);
  };
  const setText = (el, text) => {
    if (el.textContent !== text) el.textContent = text;
  };

  const showStep = (f) => {
    shownStep = f.step;
    const list = $('instructions');
    list.textContent = '';
    const img = $('figure');
    if (f.figure === null) {
      img.hidden = true;
      return;
    }
    for (const text of f.instructions) {
      const li = document.createElement('li');
      li.textContent = text;
      list.appendChild(li);
    }
    img.hidden = false;
    img.alt = `${nameOf(f.figure)}: how it looks`;
    img.src = figureUrl(f.figure);
  };

  const render = () => {
    if (!P) return;
    const f = PB.frame(P, now(), rules);
    if (f.step !== shownStep) showStep(f);
    const where = f.position !== null ? [positionLabels[f.position] || f.position] : [];
    if (f.set !== null && f.sets > 1) where.push(`set ${f.set} of ${f.sets}`);
    let stepN = ended ? 'Done' : 'Starting';
    if (f.step_number !== null) stepN = `Step ${f.step_number} of ${f.step_count}`;
    setText($('step-n'), stepN);
    setText($('left'), `${mmss(f.total - f.elapsed)} left`);
    setText($('exercise'), f.figure ? nameOf(f.figure) : root.dataset.name);
    setText($('where'), where.join(' · '));
    let phase = P.status === 'paused' ? 'paused' : f.phase;
    const sideless = [rules.playback.instructions, rules.playback.phases.move];
    if (f.side && !sideless.includes(f.phase)) phase += ` · ${f.side} side`;
    setText($('phase'), phase);
    const count = f.countdown !== null && !quiet.has(f.phase) ? String(f.countdown) : '';
    setText($('count'), count);
    $('stage').hidden = !count && f.breath === null;
    setText($('breath-label'), f.breath ? BREATH_TEXT[f.breath] : '');
    setText($('rep'), f.rep !== null && f.reps ? `Repetition ${f.rep} of ${f.reps}` : '');
    setText($('said'), f.instruction === null ? f.text : '');
    [...$('instructions').children].forEach((li, i) => {
      li.classList.toggle('now', i === f.instruction);
    });
    setText($('next'), f.next_step !== null ? `Next: ${stepName(f.next_step)}` : '');
    $('figure').classList.toggle('left', f.side === 'left');
    setText($('pause'), P.status === 'paused' ? 'Resume' : 'Pause');
    if (messageUntil && performance.now() > messageUntil && !ended) {
      $('message').hidden = true;
      messageUntil = 0;
    }
  };

  const message = (text) => {
    const el = $('message');
    el.textContent = text;
    el.hidden = false;
    messageUntil = performance.now() + Math.max(15 / speed, 10) * 1000;
  };

  // ------------------------------------------------------------------ breathing, voice, tones

  const ball = () => $('ball');
  const syncBall = () => {
    const el = ball();
    const f = PB.frame(P, now(), rules);
    el.style.transform = '';
    if (f.breath === null || P.status !== 'playing') {
      el.style.transitionDuration = '0.6s';
      el.classList.remove('in');
      el.classList.toggle('still', f.breath === null);
      return;
    }
    el.classList.remove('still');
    el.style.transitionDuration = `${Math.max(0.05, f.breath_left / speed)}s`;
    if (f.breath === 'in') el.classList.add('in');
    else if (f.breath === 'out') el.classList.remove('in');
  };
  const freezeBall = () => {
    const el = ball();
    const current = getComputedStyle(el).transform;
    el.style.transitionDuration = '0s';
    el.style.transform = current;
  };

  const speech = () => ('speechSynthesis' in window ? window.speechSynthesis : null);
  const say = (text) => {
    const s = speech();
    if (!voice || !s || !text) return;
    s.cancel(); // a new cue cuts the one being said
    const u = new SpeechSynthesisUtterance(text);
    u.lang = document.documentElement.lang || 'en';
    s.speak(u);
  };
  const hush = () => {
    const s = speech();
    if (s) s.cancel();
  };
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
        lock.addEventListener('release', () => {
          lock = null;
        });
      } else if (!on && lock) {
        const held = lock;
        lock = null;
        await held.release();
      }
    } catch {
      // no wake lock here: the screen may sleep
    }
  };

  // ------------------------------------------------------------------ the journal

  // What playback.js says to record (an event, a block's result, the closing event), with an id.
  // Each event carries when it happened on this phone: sent late (offline), it keeps its time.
  const send = (body) =>
    B.enqueue(sessionId, { id: B.uuid(), created_at: new Date().toISOString(), ...body });
  // The outputs of a tick or a command, in order: results and events go to the journal (a result
  // before anything after it is shown: a hold seen released is kept); the cues fired come back.
  const keep = (outputs, t) => {
    const fired = [];
    for (const out of outputs) {
      if (out.type === 'fired') {
        fired.push(out);
        fireLog.push({ at: out.cue.at, kind: out.cue.kind, scheduled: out.scheduled, actual: t });
        continue;
      }
      if (out.type === 'result') outcomes.push(out);
      // A tingling report asks for new screening answers first, offline too (as the server does).
      if (out.type === 'event' && out.kind === 'tingling') B.rememberGate(false);
      send(PB.record(out));
    }
    return fired;
  };
  const finalEvent = (painAfter) => {
    if (finalSent) return;
    finalSent = true;
    send(PB.ending(P, now(), painAfter, rules));
  };
  const showSync = () => {
    const n = B.pending();
    const text = n
      ? `${n} event${n === 1 ? '' : 's'} waiting to be sent${navigator.onLine ? '' : ' (offline)'}.`
      : 'Everything is saved.';
    setText($('sync'), sessionId ? text : '');
    setText($('after-sync'), text);
  };
  document.addEventListener('bedstretch:outbox', showSync);
  window.addEventListener('online', showSync);
  window.addEventListener('offline', showSync);

  // ------------------------------------------------------------------ the loop

  const schedule = () => {
    clearTimeout(timer);
    const due = P ? PB.nextDue(P) : null;
    if (due === null) return;
    timer = setTimeout(tick, Math.max(0, (due - now()) * 1000));
  };
  function tick() {
    const t = now();
    const ticked = PB.tick(P, t);
    P = ticked.state;
    const fired = keep(ticked.outputs, t);
    if (fired.length) {
      const fresh = fired.filter((f) => t - f.scheduled <= speechStale);
      const cues = fresh.map((f) => f.cue);
      say(PB.utterance(cues, rules));
      for (const f of fresh) {
        const kind = PB.toneFor(f.cue, rules);
        if (kind) tone(kind);
      }
      const breaths = rules.playback.breaths;
      if (fired.some((f) => Object.hasOwn(breaths, f.cue.kind) || f.cue.kind === 'release')) syncBall();
      render();
    }
    if (PB.over(P)) {
      finish('');
      return;
    }
    schedule();
  }

  const play = (timeline) => {
    $('before').hidden = true;
    $('playing').hidden = false;
    showVoice();
    $('exercise').focus();
    // The clock starts once the screen is ready, so the first cue is on time.
    P = PB.start(timeline, now(), speed);
    showSync();
    wake(true);
    painter = setInterval(render, 100);
    tick();
  };

  // One of the person's commands, through playback.js (what the terminal player does too).
  const run = (kind, value = null) => {
    if (!P || ended) return;
    const before = P.status;
    const outcome = PB.command(P, { kind, value }, now(), baseline, rules);
    P = outcome.state;
    if (outcome.hush) hush();
    keep(outcome.outputs, now());
    if (PB.over(P)) {
      finish(outcome.message);
      return;
    }
    if (before === 'playing' && P.status === 'paused') {
      freezeBall();
      wake(false);
    } else if (outcome.hush || before !== P.status) {
      syncBall();
    }
    if (before === 'paused' && P.status === 'playing') wake(true);
    schedule();
    if (outcome.message) message(outcome.message);
    render();
  };

  const finish = (said) => {
    if (ended) return;
    ended = P.status;
    clearTimeout(timer);
    clearInterval(painter);
    wake(false);
    render();
    $('playing').hidden = true;
    $('after').hidden = false;
    const blocks = P.timeline.blocks.length;
    const done = outcomes.filter((r) => r.status === 'done').length;
    setText($('after-title'), TITLES[ended] || TITLES.stopped);
    const summary = [`${done} of ${blocks} holds and sets done.`];
    const painSkips = [
      ...new Set(outcomes.filter((r) => r.status === 'pain_skip').map((r) => stepName(r.block.step))),
    ];
    if (painSkips.length) summary.push(`Skipped for pain: ${painSkips.join(', ')}.`);
    setText($('after-summary'), summary.join(' '));
    if (ended === 'safety_stopped') {
      // Stopped for safety: the advice, and no more questions (as the terminal player).
      const alert = $('after-alert');
      alert.textContent = said;
      alert.hidden = false;
      finalEvent(null);
      $('after-form').hidden = true;
      $('saved').hidden = false;
    }
    $('after-title').focus();
  };

  const afterPain = (value) => {
    finalEvent(value);
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
    if (!chosen) {
      failStart(null, 'Choose how much your back hurts now, from 0 to 10.');
      return;
    }
    baseline = Number(chosen.value);
    // Sound may only start from a tap: make the audio context and wake speech now.
    if (voice && !audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    const button = event.submitter || $('start');
    button.disabled = true;
    try {
      try {
        await rulesReady;
      } catch {
        failStart(null, 'The safety rules could not be loaded: check the connection and try again.');
        return;
      }
      const uid = B.uuid(); // the server answers the same session however often this is sent
      const body = {
        routine: routineId,
        pain_before: baseline,
        plan,
        uid,
        started_at: new Date().toISOString(),
      };
      let response;
      try {
        response = await fetch('/api/v1/sessions', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': B.csrf() },
          body: JSON.stringify(body),
        });
      } catch {
        // Offline: play the cached timeline; the start waits in the outbox before its events.
        if (plan || !cachedTimeline) {
          failStart(
            null,
            'You are offline, and this session was not loaded before: starting it needs the network.',
          );
        } else if (!B.gateAllowsOffline()) {
          failStart(
            { href: '/screening', text: 'Answer the safety questions' },
            'You are offline, and this phone has not seen your safety questions cleared in the last day: starting needs the network.',
          );
        } else {
          sessionId = uid;
          B.enqueueStart(body);
          play(cachedTimeline);
        }
        return;
      }
      if (response.status === 401) {
        window.location.assign('/signin');
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (response.status === 409) {
        failStart(
          { href: '/screening', text: 'Answer the safety questions' },
          data.detail || 'Not starting.',
        );
        return;
      }
      if (!response.ok) {
        failStart(null, data.detail ? String(data.detail) : 'The session could not start. Try again.');
        return;
      }
      sessionId = data.id;
      keepFigures(data.timeline);
      play(data.timeline);
    } finally {
      button.disabled = false;
    }
  });

  // ------------------------------------------------------------------ buttons and keys

  const painDialog = $('pain-dialog');
  const quitDialog = $('quit-dialog');
  const open = (dialog) => {
    if (!dialog.open) dialog.showModal();
  };
  $('pause').addEventListener('click', () => run('toggle'));
  $('skip').addEventListener('click', () => run('skip'));
  $('back').addEventListener('click', () => run('back'));
  $('pain').addEventListener('click', () => open(painDialog));
  $('sharp').addEventListener('click', () => run('sharp'));
  $('tingling').addEventListener('click', () => run('tingling'));
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
    if (button.dataset.pain !== undefined) run('pain', Number(button.dataset.pain));
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

  const KEYS = {
    ' ': 'toggle',
    n: 'skip',
    ArrowRight: 'skip',
    b: 'back',
    ArrowLeft: 'back',
    s: 'sharp',
    t: 'tingling',
  };
  const DIALOGS = { p: painDialog, q: quitDialog };
  document.addEventListener('keydown', (event) => {
    if (!P || ended || event.altKey || event.ctrlKey || event.metaKey) return;
    if (painDialog.open || quitDialog.open) return;
    const target = event.target;
    const typing = target.closest?.('input, textarea, select');
    const onControl = target.closest?.('button, a, summary');
    if (typing || (onControl && (event.key === ' ' || event.key === 'Enter'))) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (Object.hasOwn(KEYS, key)) run(KEYS[key]);
    else if (Object.hasOwn(DIALOGS, key)) open(DIALOGS[key]);
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
    if (P && !ended) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
  window.addEventListener('pagehide', () => {
    // Leaving without answering the last question: the session still ends in the journal.
    if (ended && !finalSent) afterPain(null);
  });

  // A window for tests and debugging: read-only numbers, and the voice policy (with the rules
  // served; `ready` settles once they are here).
  root.player = {
    state: () =>
      P ? { status: P.status, position: PB.position(P, now()), session: sessionId, ended } : null,
    fired: () => fireLog.slice(),
    utterance: (cues) => {
      if (!rules) throw new Error('the rules are not loaded yet: await player.ready');
      return PB.utterance(cues, rules);
    },
    ready: rulesReady,
  };
})();
