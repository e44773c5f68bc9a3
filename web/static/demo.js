// The demo shop: a storefront that calls the public API as a site would.
// The demo-only /demo/session endpoint supplies the site key and a
// short-lived token for the chosen demo customer. What a shopper sees is
// in shopper language; the API's own words go to the developer view.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = candor.el;
  let session = null;
  let customer = '';
  let token = '';
  let consentOn = {};
  const cart = [];
  const channels = ['onsite', 'email', 'push'];
  let nbas = []; // the last next-best-action answers, one per channel
  const dev = { customer: '', level: '', used: '', withheld: '', model: '', ruleset: '', decision: '', event: '—' };

  // choose signs in as a demo customer and reads their consent.
  async function choose(id) {
    const s = await candor.demoSession(id);
    customer = id;
    token = s.token;
    sessionStorage.setItem('candor.token', token);
    sessionStorage.setItem('candor.customer', id);
    cart.length = 0;
    showCart();
    if ($('gpc').checked) await sendGPC();
    await readConsent();
  }

  // sendGPC passes the browser's Global Privacy Control on, as the shop's
  // back end forwards the Sec-GPC header (a page's script cannot send it).
  async function sendGPC() {
    return candor.api('POST', '/demo/gpc', '', { customer_id: customer });
  }

  // What a slot says when there is no action, in shopper language.
  const noneText = {
    onsite: { no_channel_consent: 'You have not allowed offers on the site.' },
    email: { no_channel_consent: 'You have not allowed the shop to email you, so there is no email.' },
    push: { no_channel_consent: 'You have not allowed push notifications, so there is none.' },
  };

  function emptyText(ch, resp) {
    if (resp.fallback && resp.fallback.active) return 'Nothing right now: the shop could not check your choices in time, so it sends nothing.';
    return (noneText[ch] || {})[resp.no_action] || 'Nothing for you right now.';
  }

  // slot shows one channel's next-best action. The onsite banner is
  // really shown, so the shop records its delivery first (the caps and
  // the contact policy count it); email and push are only previews.
  async function slot(ch) {
    const q = new URLSearchParams({ channel: ch, n: '1' });
    const resp = await candor.api('GET', '/v1/customers/' + encodeURIComponent(customer) + '/next-best-actions?' + q, session.site_key);
    let a = resp.actions[0];
    if (a && ch === 'onsite') {
      const d = await candor.api('POST', '/v1/customers/' + encodeURIComponent(customer) + '/actions/' + encodeURIComponent(a.action_id) + '/deliver', session.site_key, { channel: ch });
      if (!d.delivered) a = null;
    }
    const node = $('slot-' + ch);
    node.dataset.action = a ? a.action_id : '';
    node.dataset.noAction = a ? '' : resp.no_action || '';
    const body = node.querySelector('.slot-body');
    if (!a) {
      body.replaceChildren(el('p', { class: 'empty', text: emptyText(ch, resp) }));
      return { ch, resp, a: null };
    }
    const main = a.reasons.find((r) => r.kind !== 'eligibility' && r.kind !== 'response_rate') || a.reasons[0]; // the reason about the shopper first
    const href = '/me/why/' + encodeURIComponent(resp.decision_id) + '/actions/' + encodeURIComponent(a.action_id);
    body.replaceChildren(
      el('p', { class: 'offer', text: a.name }),
      el('p', { class: 'reason', text: main ? main.text : '' }),
      el('div', { class: 'buttons' },
        ch === 'onsite' ? el('button', { type: 'button', class: 'take', 'aria-label': 'Take the offer: ' + a.name, onclick: () => run(() => take(a)), text: 'Take the offer' }) : null,
        el('a', { href, class: 'why', 'aria-label': 'Why am I seeing “' + a.name + '”?', text: 'Why?' })));
    return { ch, resp, a };
  }

  // take reports a click on the banner, as the shop would: the action's
  // observed response rate counts it.
  async function take(a) {
    await candor.api('POST', '/v1/events', session.site_key, [{ customer_id: customer, type: 'click', action_id: a.action_id, channel: 'onsite' }]);
    candor.say($('status'), 'Thanks! The shop counts that you took “' + a.name + '”.');
  }

  async function actions() {
    nbas = [];
    for (const ch of channels) nbas.push(await slot(ch));
    showActions();
  }

  // readConsent shows the level and what is used, both from one consent view.
  async function readConsent() {
    consentOn = candor.effective(await candor.api('GET', '/v1/me/consent', token));
    const level = candor.levelOf(consentOn);
    for (const r of document.querySelectorAll('input[name=level]')) r.checked = r.value === level;
    const used = candor.usedText(consentOn);
    $('level-note').textContent = level === 'custom'
      ? 'Your own mix, chosen in your privacy choices: we use ' + used + '.'
      : (level === 'none' ? 'We use nothing about you.' : 'We use ' + used + '.');
    $('level-note').dataset.level = level;
  }

  // details fetches price and picture of items, as a shop reads its own catalog.
  async function details(ids) {
    if (!ids.length) return {};
    const r = await candor.api('GET', '/v1/catalog/items?ids=' + encodeURIComponent(ids.join(',')), session.site_key);
    return Object.fromEntries(r.items.map((it) => [it.id, it]));
  }

  function card(resp, it, info) {
    const sets = [...new Set(it.reasons.map((r) => r.feature_set))];
    const promoted = it.reasons.some((r) => r.kind === 'promoted' || r.kind === 'pinned');
    const main = candor.mainReason(it.reasons);
    const href = '/me/why/' + encodeURIComponent(resp.decision_id) + '/' + encodeURIComponent(it.item_id);
    const img = info && info.image_url ? el('img', { src: info.image_url, alt: '', width: 200, height: 200 }) : el('div', { class: 'noimg' });
    return el('li', { class: 'card product', 'data-item': it.item_id, 'data-category': it.category.join(' '), 'data-sets': sets.join(' ') },
      img,
      el('h3', { class: 'title', text: it.title }),
      el('span', { class: 'cat', text: it.category.map(candor.capital).join(' › ') }),
      info ? el('span', { class: 'price', text: candor.money(info.price, info.currency) }) : null,
      promoted ? el('span', {}, el('span', { class: 'badge', text: 'Promoted' })) : null,
      el('p', { class: 'reason', text: main ? main.text : '' }),
      el('a', { href, class: 'why', 'aria-label': 'Why am I seeing ' + it.title + '?', text: 'Why am I seeing this?' }),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'secondary view', 'aria-label': 'View ' + it.title, onclick: () => run(() => send('view', it)), text: 'View' }),
        el('button', { type: 'button', class: 'add', 'aria-label': 'Add ' + it.title + ' to cart', onclick: () => run(() => send('add_to_cart', it)), text: 'Add to cart' })));
  }

  // send sends a shop event (view, add_to_cart) as the shop would; the
  // consent gate decides whether Candor keeps it.
  async function send(type, it) {
    const r = await candor.api('POST', '/v1/events', session.site_key, [{ customer_id: customer, type, item_id: it.item_id }]);
    const o = r.outcomes[0];
    dev.event = type + ' ' + it.item_id + ' → ' + o.status + (o.set ? ' (' + o.set + (o.reason ? ': ' + o.reason : '') + ')' : '');
    if (type === 'add_to_cart') {
      cart.push(it.title);
      showCart();
    }
    await refresh();
    const did = type === 'view' ? 'You looked at “' + it.title + '”.' : 'Added “' + it.title + '” to your cart.';
    candor.say($('status'), did + (o.status === 'stored'
      ? ' Your suggestions below already take it into account.'
      : ' It is not remembered for your suggestions: you chose not to share ' + (candor.sources[o.set] || 'that') + '.'));
  }

  function showCart() {
    $('cart').textContent = cart.length ? 'Cart: ' + cart.length + (cart.length === 1 ? ' item' : ' items') : 'Cart: empty';
  }

  async function widget(list, params) {
    const q = new URLSearchParams(Object.assign({ customer_id: customer }, params));
    const resp = await candor.api('GET', '/v1/recommendations?' + q, session.site_key);
    const info = await details(resp.items.map((it) => it.item_id));
    list.replaceChildren(...resp.items.map((it) => card(resp, it, info[it.item_id])));
    return resp;
  }

  async function refresh() {
    const main = await widget($('recs'), { n: 8, placement: 'home' });
    const top = main.items[0];
    let similar = null;
    if (top) {
      $('similar-to').textContent = top.title;
      similar = await widget($('similar'), { n: 4, placement: 'product', item_id: top.item_id });
    } else {
      $('similar').replaceChildren();
    }
    showDeveloper(main, similar);
  }

  // showDeveloper fills the developer view: the API's own words.
  function showDeveloper(main, similar) {
    const p = main.personalization;
    Object.assign(dev, {
      customer, level: p.level, used: p.used_sets.join(', ') || 'none',
      withheld: p.withheld_sets.map((w) => w.set + ' (' + w.reason + ')').join(', ') || 'none',
      model: main.model_version || 'none', ruleset: String(main.ruleset_version), decision: main.decision_id,
      fallback: main.fallback && main.fallback.active ? 'active: ' + main.fallback.reason : 'not active',
    });
    const labels = { customer: 'Customer', level: 'personalization.level', used: 'Used feature sets', withheld: 'Withheld feature sets',
      model: 'Model version', ruleset: 'Ruleset version', decision: 'Decision ID', fallback: 'Fallback', event: 'Last event' };
    $('dev-info').replaceChildren(...Object.entries(labels).flatMap(([k, label]) => [el('dt', { text: label }), el('dd', { text: dev[k] || '—' })]));
    const rows = [];
    for (const resp of [main, similar]) {
      for (const it of resp ? resp.items : []) {
        for (const r of it.reasons) {
          rows.push(el('tr', {}, el('td', { text: it.item_id }), el('td', { text: r.kind + (r.rule_id ? ' (rule ' + r.rule_id + ')' : '') }),
            el('td', { text: r.feature_set }), el('td', { text: r.contribution.toFixed(4) })));
        }
      }
    }
    $('dev-reasons').tBodies[0].replaceChildren(...rows);
  }

  // showActions fills the developer view's table of the chosen actions
  // with the score parts exactly as the API answered them.
  function showActions() {
    const rows = nbas.filter((n) => n.a).map(({ ch, a }) => {
      const p = a.score_parts;
      return el('tr', { 'data-action': a.action_id }, el('td', { text: ch }), el('td', { text: a.action_id }),
        el('td', { text: p.value + ' × ' + p.weight }), el('td', { text: String(p.response_rate) }),
        el('td', { text: p.affinity + (p.affinity_from ? ' (' + p.affinity_from + ')' : '') }), el('td', { text: String(a.score) }));
    });
    $('dev-actions').tBodies[0].replaceChildren(...rows);
  }

  async function run(fn) {
    try {
      await fn();
    } catch (e) {
      candor.say($('status'), 'Something went wrong: ' + e.message, false);
    }
  }

  function wire() {
    $('who-form').addEventListener('submit', (e) => e.preventDefault());
    $('customer').addEventListener('change', () => run(async () => {
      await choose($('customer').value);
      await actions();
      await refresh();
      candor.say($('status'), 'Now shopping as ' + customer + '.');
    }));
    for (const r of document.querySelectorAll('input[name=level]')) {
      r.addEventListener('change', () => run(async () => {
        await candor.api('PUT', '/v1/me/consent', token, { preset: r.value });
        await readConsent();
        await actions();
        await refresh();
        candor.say($('status'), 'Saved: ' + (r.value === 'none' ? 'we now use nothing about you and show what is popular.'
          : 'we now use ' + candor.usedText(consentOn) + '.') + ' The suggestions below already follow it.');
      }));
    }
  }

  async function toggleGPC() {
    sessionStorage.setItem('candor.gpc', $('gpc').checked ? '1' : '');
    if ($('gpc').checked) {
      await sendGPC();
      await readConsent();
      await actions();
      candor.say($('status'), 'Your browser now sends Global Privacy Control: the shop passed it on, and offers that share your data with partners are gone.');
      return;
    }
    candor.say($('status'), 'Your browser no longer sends Global Privacy Control. The no to sharing it recorded stays until you say yes in your privacy choices.');
  }

  async function start() {
    wire();
    $('gpc').checked = sessionStorage.getItem('candor.gpc') === '1';
    $('gpc').addEventListener('change', () => run(toggleGPC));
    session = await candor.demoSession();
    if (!session) {
      candor.say($('status'), 'The demo shop is only available when Candor runs in demo mode (go run ./cmd/candor without REDIS_URL).', false);
      return;
    }
    sessionStorage.setItem('candor.demo', '1');
    $('console-link').href = '/console#key=' + encodeURIComponent(session.marketer_key);
    $('customer').replaceChildren(...session.customers.map((c) => el('option', { value: c.id, text: c.id + ' (joined with “' + c.preset + '”)' })));
    const wanted = new URLSearchParams(location.search).get('customer') || sessionStorage.getItem('candor.customer');
    if (wanted && session.customers.some((c) => c.id === wanted)) $('customer').value = wanted;
    await choose($('customer').value);
    await actions();
    await refresh();
  }

  run(start);
})();
