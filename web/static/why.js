// "Why am I seeing this?": one decision's explanation for one item, with
// one-tap controls that call the API the explanation names.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const setNames = {
    browsing: 'your browsing history', purchases: 'your purchase history', declared: 'the preferences you told us',
    location: 'your country', demographics: 'your age band', sensitive: 'your sensitive interests',
    context: 'the page you were on', none: 'nothing about you (what is popular)',
  };
  let token = '';
  let why = null;

  function dataItem(d) {
    const li = candor.el('li', {}, candor.el('strong', { text: (setNames[d.feature_set] || d.feature_set) + ': ' }), d.text);
    if (d.items && d.items.length) li.append(candor.el('ul', {}, ...d.items.map((it) => candor.el('li', { text: it.title + ' (' + it.id + ')' }))));
    if (d.preference && !d.text.includes(d.preference)) li.append(candor.el('div', { text: 'Your stated preference: ' + d.preference }));
    return li;
  }

  function confirmation(c) {
    const body = c.body || {};
    switch (c.kind) {
      case 'not_interested': return 'Done: we will not show you “' + why.title + '” again.';
      case 'hide_category': return 'Done: we will not show you anything in ' + body.category + ' any more.';
      case 'remove_from_history': return 'Done: that item is removed from your history.';
      case 'stop_using': {
        const scope = Object.keys(body.scopes || {})[0];
        return 'Done: we no longer use ' + (setNames[scope] || scope) + ', and what we stored for it is deleted.';
      }
    }
    return 'Done: ' + c.label + '.';
  }

  async function act(c, button) {
    try {
      await candor.api(c.method, c.path, token, c.body);
      button.disabled = true;
      candor.say($('status'), confirmation(c) + ' This applies from your next page view.');
    } catch (e) {
      candor.say($('status'), 'That did not work: ' + e.message, false);
    }
  }

  function render(w) {
    why = w;
    document.title = 'Why am I seeing ' + w.title + '?';
    $('title').textContent = w.title;
    $('summary').textContent = w.summary;
    $('promoted').textContent = w.promoted ? 'The shop also promoted this item.' : 'The shop did not promote this item.';
    $('data-used').replaceChildren(...w.data_used.map(dataItem));
    $('controls').replaceChildren(...w.controls.map((c) => {
      const b = candor.el('button', { type: 'button', 'data-kind': c.kind, text: c.label });
      b.addEventListener('click', () => act(c, b));
      return b;
    }));
    $('why').hidden = false;
  }

  async function start() {
    token = candor.takeSecret('token');
    if (sessionStorage.getItem('candor.demo')) $('shop-link').hidden = false;
    const parts = location.pathname.split('/');
    const decision = decodeURIComponent(parts[3] || ''), item = decodeURIComponent(parts[4] || '');
    if (!token) {
      $('title').textContent = 'Please sign in';
      candor.say($('status'), 'Open this page from the “why?” link in your shop.', false);
      return;
    }
    try {
      render(await candor.api('GET', '/v1/me/decisions/' + encodeURIComponent(decision) + '/items/' + encodeURIComponent(item) + '/why', token));
    } catch (e) {
      $('title').textContent = 'We could not load this explanation';
      candor.say($('status'), e.message, false);
    }
  }

  start();
})();
