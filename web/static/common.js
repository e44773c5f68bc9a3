// Shared helpers of the Candor pages. Secrets (customer token, marketer key)
// arrive once in the URL fragment or query, move to sessionStorage and leave
// the address bar at once.
'use strict';

const candor = (() => {
  function takeSecret(name) {
    const hash = new URLSearchParams(location.hash.slice(1));
    const query = new URLSearchParams(location.search);
    const v = hash.get(name) || query.get(name);
    if (v) {
      sessionStorage.setItem('candor.' + name, v);
      hash.delete(name);
      query.delete(name);
      const qs = query.toString(), hs = hash.toString();
      history.replaceState(null, '', location.pathname + (qs ? '?' + qs : '') + (hs ? '#' + hs : ''));
    }
    return sessionStorage.getItem('candor.' + name) || '';
  }

  // api calls the JSON API; it throws an Error carrying the API's message,
  // status and body on any non-2xx answer.
  async function api(method, path, cred, body) {
    const opt = { method, headers: {} };
    if (cred) opt.headers.Authorization = 'Bearer ' + cred;
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(path, opt);
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!r.ok) {
      const e = new Error((data && data.error && data.error.message) || 'The server answered ' + r.status + '.');
      e.status = r.status;
      e.data = data;
      throw e;
    }
    return data;
  }

  // el builds an element: el('a', {href: '/x', class: 'y'}, 'text', child).
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'text') n.textContent = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) n.append(k);
    return n;
  }

  function say(node, text, ok) {
    node.classList.remove('ok', 'bad');
    node.classList.add('status', ok === false ? 'bad' : 'ok');
    node.textContent = text;
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  // demoSession asks the demo-only endpoint for keys and, for a customer, a
  // short-lived token; it resolves null when the server is not in demo mode.
  async function demoSession(customerID) {
    try {
      return await api('POST', '/demo/session', '', customerID ? { customer_id: customerID } : {});
    } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
  }

  // The data sources a customer can allow, in shopper language.
  const sources = {
    browsing: 'your browsing history', purchases: 'your purchase history', declared: 'the preferences you told us',
    location: 'your country or region', demographics: 'your age band', sensitive: 'your sensitive interests',
  };
  const dataScopes = Object.keys(sources);
  const presetScopes = {
    none: [], basic: ['declared'], full: ['browsing', 'purchases', 'declared', 'location', 'demographics'],
  };

  // effective maps each scope of a consent view to whether it is granted now.
  function effective(view) {
    const on = {};
    for (const sc of view.scopes) on[sc.scope] = sc.effective === 'granted';
    return on;
  }

  // levelOf names the preset the granted data sources match exactly, or
  // 'custom' for a mix of the customer's own; sensitive interests, granted
  // only one by one, do not change the level.
  function levelOf(on) {
    const granted = dataScopes.filter((s) => s !== 'sensitive' && on[s]).sort().join();
    for (const [name, scopes] of Object.entries(presetScopes)) if (scopes.slice().sort().join() === granted) return name;
    return 'custom';
  }

  // usedText says in words which sources are used: "your browsing history
  // and the preferences you told us".
  function usedText(on) {
    const used = dataScopes.filter((s) => on[s]).map((s) => sources[s]);
    if (!used.length) return 'nothing about you';
    return used.length === 1 ? used[0] : used.slice(0, -1).join(', ') + ' and ' + used[used.length - 1];
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'EUR' }).format(amount);
    } catch (_) {
      return amount.toFixed(2) + ' ' + (currency || '');
    }
  }

  // capital returns s with a capital first letter and dashes as spaces:
  // "baby-gear" → "Baby gear".
  const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replaceAll('-', ' ') : s);

  // shopKinds are the reasons that are the shop's rules, not the
  // customer's data; mainReason is an item's first other reason, else its
  // first (the API's why summary is chosen the same way: recommend/why.go).
  const shopKinds = ['promoted', 'demoted', 'pinned'];
  const mainReason = (reasons) => reasons.find((r) => !shopKinds.includes(r.kind)) || reasons[0];

  return { takeSecret, api, el, say, when, demoSession, sources, dataScopes, effective, levelOf, usedText, money, capital, shopKinds, mainReason };
})();
