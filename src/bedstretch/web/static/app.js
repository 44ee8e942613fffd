// bedstretch: on every page. The outbox (session events queued in localStorage and sent when
// online), the voice setting, and the service worker that keeps the player working offline.
'use strict';
(() => {
  const OUTBOX = 'bedstretch.outbox';
  const VOICE = 'bedstretch.voice';
  const RETRY_MS = 10000;
  const store = window.localStorage;

  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  };

  // A v4 UUID. crypto.randomUUID needs a secure context (https or localhost); a phone on the
  // home network reaches the server over plain http, so fall back to getRandomValues.
  const uuid = () => {
    if (window.crypto && crypto.randomUUID) {
      try { return crypto.randomUUID(); } catch (e) { /* not a secure context */ }
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  const load = () => {
    try { return JSON.parse(store.getItem(OUTBOX)) || []; } catch (e) { return []; }
  };
  const save = (items) => store.setItem(OUTBOX, JSON.stringify(items));
  const changed = () => document.dispatchEvent(new CustomEvent('bedstretch:outbox', { detail: load().length }));

  // Send what is queued, oldest first, one at a time (a session's end comes after its steps).
  // An event stays queued until the server answers 2xx (stored now, or already stored); a
  // refusal that retrying cannot fix (4xx except auth and rate limits) drops it.
  let running = null;
  let again = false;
  const flush = () => {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        for (;;) {
          const item = load()[0];
          if (!item) break;
          let status = 0;
          try {
            const response = await fetch(`/api/v1/sessions/${item.session}/events`, {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
              body: JSON.stringify(item.event),
            });
            status = response.status;
          } catch (e) {
            break; // offline: try again later
          }
          const keep = status >= 500 || [401, 403, 408, 429].includes(status);
          if (keep) break;
          save(load().filter((x) => x.event.id !== item.event.id));
          changed();
        }
      } while (again && load().length && navigator.onLine !== false);
    })().finally(() => { running = null; changed(); });
    return running;
  };

  const enqueue = (session, event) => {
    const items = load();
    items.push({ session, event });
    save(items);
    changed();
    flush();
  };

  window.addEventListener('online', flush);
  setInterval(() => { if (load().length) flush(); }, RETRY_MS);
  if (load().length) flush();

  const voiceOn = () => store.getItem(VOICE) !== 'off';
  const setVoice = (on) => store.setItem(VOICE, on ? 'on' : 'off');

  window.bedstretch = { csrf, uuid, enqueue, flush, pending: () => load().length, voiceOn, setVoice };

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
  if (document.body.hasAttribute('data-signed-out') && window.caches) {
    caches.keys().then((keys) => keys.filter((k) => k.startsWith('bedstretch-')).forEach((k) => caches.delete(k)));
  }

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
})();
