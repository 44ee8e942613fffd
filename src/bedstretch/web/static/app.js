// bedstretch: on every page. The outbox (session events queued in localStorage and sent when
// online), the voice setting, and the service worker that keeps the player working offline.
'use strict';
(() => {
  const OUTBOX = 'bedstretch.outbox';
  const VOICE = 'bedstretch.voice';
  const GATE = 'bedstretch.gate';
  const STARTED = 'bedstretch.started'; // session uid -> the server's id, for starts sent late
  const RETRY_MS = 10000;
  const GATE_FRESH_MS = 24 * 3600 * 1000;
  const store = window.localStorage;

  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  };

  // A v4 UUID. crypto.randomUUID needs a secure context (https or localhost); a phone on the
  // home network reaches the server over plain http, so fall back to getRandomValues.
  const uuid = () => {
    if (window.crypto && crypto.randomUUID) {
      try {
        return crypto.randomUUID();
      } catch {
        // not a secure context
      }
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  const read = (key, empty) => {
    try {
      return JSON.parse(store.getItem(key)) || empty;
    } catch {
      return empty;
    }
  };
  const load = () => read(OUTBOX, []);
  const save = (items) => store.setItem(OUTBOX, JSON.stringify(items));
  const same = (a, b) =>
    a.start ? b.start && b.start.uid === a.start.uid : b.event && b.event.id === a.event.id;
  const changed = () =>
    document.dispatchEvent(new CustomEvent('bedstretch:outbox', { detail: load().length }));

  // Send what is queued, oldest first, one at a time (a session's start comes before its events,
  // its end after its steps). An item stays queued until the server answers 2xx (stored now, or
  // already stored); a refusal that retrying cannot fix (4xx except auth and rate limits) drops
  // it. A session started offline is known by its uid until its start is sent; then its events
  // go to the id the server gave it.
  let running = null;
  let again = false;
  const flush = () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        for (;;) {
          const item = load()[0];
          if (!item) break;
          const session = item.start ? null : read(STARTED, {})[item.session] || item.session;
          let status = 0;
          let answer = null;
          try {
            const response = await fetch(
              item.start ? '/api/v1/sessions' : `/api/v1/sessions/${session}/events`,
              {
                method: 'POST',
                credentials: 'same-origin',
                headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
                body: JSON.stringify(item.start || item.event),
              },
            );
            status = response.status;
            if (item.start && response.ok) answer = await response.json();
          } catch {
            break; // offline: try again later
          }
          const keep = status >= 500 || [401, 403, 408, 429].includes(status);
          if (keep) break;
          if (answer) {
            store.setItem(STARTED, JSON.stringify({ ...read(STARTED, {}), [item.start.uid]: answer.id }));
          }
          let rest = load().filter((x) => !same(item, x));
          if (item.start && !answer) rest = rest.filter((x) => x.session !== item.start.uid); // refused
          save(rest);
          changed();
        }
      } while (again && load().length && navigator.onLine !== false);
    })().finally(() => {
      running = null;
      changed();
    });
    return running;
  };

  const push = (item) => {
    save([...load(), item]);
    changed();
    flush();
  };
  const enqueue = (session, event) => push({ session, event });
  const enqueueStart = (body) => push({ start: body });

  // The screening gate's last answer here: a session may start offline within a day of a clear
  // answer (and not after a tingling report, which asks for new screening answers).
  const rememberGate = (allowed) => store.setItem(GATE, JSON.stringify({ allowed, at: Date.now() }));
  const gateAllowsOffline = () => {
    const gate = read(GATE, null);
    return Boolean(gate?.allowed && Date.now() - gate.at < GATE_FRESH_MS);
  };

  window.addEventListener('online', flush);
  setInterval(() => {
    if (load().length) flush();
  }, RETRY_MS);
  if (load().length) flush();

  const voiceOn = () => store.getItem(VOICE) !== 'off';
  const setVoice = (on) => store.setItem(VOICE, on ? 'on' : 'off');

  window.bedstretch = {
    csrf,
    uuid,
    enqueue,
    enqueueStart,
    flush,
    pending: () => load().length,
    voiceOn,
    setVoice,
    rememberGate,
    gateAllowsOffline,
  };

  // Settings: the voice switch lives in this browser only.
  const voice = document.getElementById('voice-setting');
  if (voice) {
    voice.checked = voiceOn();
    voice.addEventListener('change', () => {
      setVoice(voice.checked);
      const said = document.getElementById('voice-saved');
      if (said) said.textContent = voice.checked ? 'Voice is on.' : 'Voice is off.';
    });
  }

  // Pending events, shown wherever there is a place for them.
  const pending = document.getElementById('outbox');
  if (pending) {
    const show = () => {
      const n = load().length;
      pending.textContent = n ? `${n} session event${n === 1 ? '' : 's'} waiting to be sent.` : '';
    };
    document.addEventListener('bedstretch:outbox', show);
    show();
  }

  // Times are sent in UTC; show them in this phone's time zone.
  document.querySelectorAll('time[datetime]').forEach((el) => {
    const when = new Date(el.dateTime);
    if (!Number.isNaN(when.getTime())) {
      el.textContent = when.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    }
  });

  // Signed out: forget the cached pages and routines on this phone.
  if (document.body.hasAttribute('data-signed-out')) {
    store.removeItem(GATE);
    store.removeItem(STARTED);
  }
  if (document.body.hasAttribute('data-signed-out') && window.caches) {
    caches.keys().then((keys) => {
      for (const key of keys.filter((k) => k.startsWith('bedstretch-'))) caches.delete(key);
    });
  }

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
})();
