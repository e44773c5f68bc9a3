// The preference centre: reads and changes the customer's own consent
// through /v1/me/* with the customer token.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const names = {
    browsing: 'browsing history', purchases: 'purchase history', declared: 'stated preferences',
    location: 'location', demographics: 'age band', sensitive: 'sensitive interests',
    onsite: 'on-site personalization', email: 'email', sms: 'text messages', push: 'push notifications', sale_share: 'sharing with partners',
  };
  const dataScopes = ['browsing', 'purchases', 'declared', 'location', 'demographics', 'sensitive'];
  let token = '';
  let state = {};

  // How a change was made, in words.
  const sources = {
    preference_centre: 'you, on this page', cmp: 'you, in the shop’s cookie banner', api: 'the shop, on your behalf',
    gpc: 'your browser’s Global Privacy Control signal', import: 'carried over from the shop’s earlier records',
  };

  function render(view) {
    state = candor.effective(view);
    $('who').textContent = 'Signed in as customer ' + view.customer_id + '.';
    const level = candor.levelOf(state);
    for (const r of document.querySelectorAll('input[name=level]')) r.checked = r.value === level;
    $('level-note').dataset.level = level;
    $('level-note').textContent = level === 'custom' ? 'You have chosen your own mix below: we use ' + candor.usedText(state) + '.' : '';
    for (const box of document.querySelectorAll('input[data-scope]')) box.checked = !!state[box.dataset.scope];
  }

  function summary(before, after) {
    const off = dataScopes.filter((s) => before[s] && !after[s]).map((s) => names[s]);
    const used = dataScopes.filter((s) => after[s]).map((s) => names[s]);
    let msg = 'Saved. This applies from your very next page view. ';
    msg += used.length ? 'We now use: ' + used.join(', ') + '.' : 'We now use nothing about you.';
    if (off.length) msg += ' Deleted: your ' + off.join(', ') + '.';
    return msg;
  }

  async function change(body) {
    const before = state;
    try {
      const view = await candor.api('PUT', '/v1/me/consent', token, body);
      render(view);
      candor.say($('status'), summary(before, state));
      await loadHistory();
    } catch (e) {
      candor.say($('status'), 'Not saved: ' + e.message, false);
      await load();
    }
  }

  async function loadHistory() {
    const h = await candor.api('GET', '/v1/me/consent/history', token);
    $('chain').textContent = h.chain_valid ? 'This history is tamper-evident: each entry is chained to the one before, and the chain checks out.' : 'Warning: this history failed its integrity check.';
    const rows = h.entries.slice().reverse().map((e) => candor.el('tr', {},
      candor.el('td', { 'data-label': 'When', text: candor.when(e.time) }), candor.el('td', { 'data-label': 'What', text: names[e.scope] || e.scope }),
      candor.el('td', { 'data-label': 'Choice', text: e.state === 'granted' ? 'allowed' : 'not allowed' }),
      candor.el('td', { 'data-label': 'By', text: sources[e.source] || e.source.replaceAll('_', ' ') })));
    $('history').replaceChildren(...rows);
  }

  async function load() {
    render(await candor.api('GET', '/v1/me/consent', token));
    await loadHistory();
  }

  async function exportData() {
    try {
      const doc = await candor.api('GET', '/v1/me/export', token);
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = candor.el('a', { href: url, download: 'candor-export.json' });
      document.body.append(a);
      a.click();
      a.remove();
      candor.say($('data-status'), 'Your data is downloading as candor-export.json.');
    } catch (e) {
      candor.say($('data-status'), 'Export failed: ' + e.message, false);
    }
  }

  async function erase() {
    try {
      const receipt = await candor.api('DELETE', '/v1/me', token);
      sessionStorage.removeItem('candor.token');
      $('centre').hidden = true;
      const models = receipt && receipt.models_by ? ' It leaves every recommendation model by ' + candor.when(receipt.models_by) + '.' : '';
      candor.say($('status'), 'Erased. Everything we held about you is deleted; we keep only a receipt that it was done.' + models);
    } catch (e) {
      candor.say($('data-status'), 'Erasure failed: ' + e.message, false);
    }
  }

  function wire() {
    for (const r of document.querySelectorAll('input[name=level]')) r.addEventListener('change', () => change({ preset: r.value }));
    for (const box of document.querySelectorAll('input[data-scope]')) {
      box.addEventListener('change', () => change({ scopes: { [box.dataset.scope]: box.checked ? 'granted' : 'denied' } }));
    }
    for (const f of document.querySelectorAll('form:not([method=dialog])')) f.addEventListener('submit', (e) => e.preventDefault());
    $('export').addEventListener('click', exportData);
    $('erase').addEventListener('click', () => $('erase-dialog').showModal());
    $('erase-dialog').addEventListener('close', () => { if ($('erase-dialog').returnValue === 'erase') erase(); });
  }

  async function demoLogin() {
    const s = await candor.demoSession();
    if (!s) return;
    $('demo-login').hidden = false;
    $('demo-customer').replaceChildren(...s.customers.map((c) => candor.el('option', { value: c.id, text: c.id + ' (' + c.preset + ')' })));
    $('demo-login').addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = await candor.demoSession($('demo-customer').value);
      sessionStorage.setItem('candor.token', d.token);
      await signIn(d.token);
    });
  }

  // signIn shows the centre for the token's customer, or the sign-in
  // section when the token does not work.
  async function signIn(tok) {
    token = tok;
    try {
      await load();
      $('login').hidden = true;
      $('centre').hidden = false;
      return true;
    } catch (e) {
      $('login').hidden = false;
      candor.say($('status'), 'Could not load your choices: ' + e.message, false);
      return false;
    }
  }

  async function start() {
    wire();
    if (sessionStorage.getItem('candor.demo')) $('shop-link').hidden = false;
    const tok = candor.takeSecret('token');
    if (!tok || !(await signIn(tok))) {
      $('login').hidden = false;
      await demoLogin();
    }
  }

  start();
})();
