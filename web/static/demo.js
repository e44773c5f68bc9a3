// The demo shop: a storefront that calls the public API as a site would.
// The demo-only /demo/session endpoint supplies the site key and a
// short-lived token for the chosen demo customer.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  let session = null;
  let customer = '';
  let token = '';

  async function choose(id) {
    const s = await candor.demoSession(id);
    customer = id;
    token = s.token;
    sessionStorage.setItem('candor.token', token);
    sessionStorage.setItem('candor.customer', id);
    const view = await candor.api('GET', '/v1/me/consent', token);
    const on = {};
    for (const sc of view.scopes) on[sc.scope] = sc.effective === 'granted';
    const level = on.browsing && on.purchases ? 'full' : on.declared ? 'basic' : 'none';
    $('level-' + level).checked = true;
  }

  function card(resp, it) {
    const sets = [...new Set(it.reasons.map((r) => r.feature_set))];
    const promoted = it.reasons.some((r) => r.kind === 'promoted');
    const main = it.reasons.find((r) => r.kind !== 'promoted') || it.reasons[0];
    const href = '/me/why/' + encodeURIComponent(resp.decision_id) + '/' + encodeURIComponent(it.item_id);
    return candor.el('li', { class: 'card', 'data-item': it.item_id, 'data-category': it.category.join(' '), 'data-sets': sets.join(' ') },
      candor.el('span', { class: 'title', text: it.title }),
      candor.el('span', { class: 'cat', text: it.category.join(' › ') }),
      promoted ? candor.el('span', {}, candor.el('span', { class: 'badge', text: 'Promoted' })) : null,
      candor.el('span', { class: 'reason', text: main ? main.text : '' }),
      candor.el('a', { href, class: 'why', 'aria-label': 'Why am I seeing ' + it.title + '?', text: 'why?' }),
      candor.el('button', { type: 'button', class: 'secondary view', 'aria-label': 'View ' + it.title, onclick: () => run(() => view(it)), text: 'View' }));
  }

  // view sends a view event as the shop would; the consent gate decides
  // whether it is stored.
  async function view(it) {
    const r = await candor.api('POST', '/v1/events', session.site_key, [{ customer_id: customer, type: 'view', item_id: it.item_id }]);
    const o = r.outcomes[0];
    await refresh();
    candor.say($('status'), o.status === 'stored'
      ? 'Viewed “' + it.title + '”: stored in ' + customer + "'s browsing history; the suggestions below already use it."
      : 'Viewed “' + it.title + '”: not stored (' + o.set + ' is ' + (o.reason || o.status) + ' for ' + customer + ').');
  }

  async function widget(list, params) {
    const q = new URLSearchParams(Object.assign({ customer_id: customer }, params));
    const resp = await candor.api('GET', '/v1/recommendations?' + q, session.site_key);
    list.replaceChildren(...resp.items.map((it) => card(resp, it)));
    return resp;
  }

  async function refresh() {
    const main = await widget($('recs'), { n: 8, placement: 'home' });
    const p = main.personalization;
    $('used').textContent = 'Personalization: ' + p.level + (p.used_sets.length ? ' — uses ' + p.used_sets.join(', ') : ' — uses nothing personal') + '. Ruleset version ' + main.ruleset_version + '.';
    const top = main.items[0];
    if (!top) { $('similar').replaceChildren(); return; }
    $('similar-to').textContent = top.title;
    await widget($('similar'), { n: 4, placement: 'product', item_id: top.item_id });
  }

  async function run(fn) {
    try {
      await fn();
    } catch (e) {
      candor.say($('status'), e.message, false);
    }
  }

  function wire() {
    $('who-form').addEventListener('submit', (e) => e.preventDefault());
    $('customer').addEventListener('change', () => run(async () => {
      await choose($('customer').value);
      await refresh();
      candor.say($('status'), 'Now shopping as ' + customer + '.');
    }));
    for (const r of document.querySelectorAll('input[name=level]')) {
      r.addEventListener('change', () => run(async () => {
        await candor.api('PUT', '/v1/me/consent', token, { preset: r.value });
        await refresh();
        candor.say($('status'), customer + ' now has personalization level “' + r.value + '”; the suggestions below already follow it.');
      }));
    }
  }

  async function start() {
    wire();
    session = await candor.demoSession();
    if (!session) {
      candor.say($('status'), 'The demo shop is only available when Candor runs in demo mode (go run ./cmd/candor without REDIS_URL).', false);
      return;
    }
    sessionStorage.setItem('candor.demo', '1');
    $('console-link').href = '/console#key=' + encodeURIComponent(session.marketer_key);
    $('customer').replaceChildren(...session.customers.map((c) => candor.el('option', { value: c.id, text: c.id + ' (joined with “' + c.preset + '”)' })));
    const wanted = new URLSearchParams(location.search).get('customer') || sessionStorage.getItem('candor.customer');
    if (wanted && session.customers.some((c) => c.id === wanted)) $('customer').value = wanted;
    await choose($('customer').value);
    await refresh();
  }

  run(start);
})();
