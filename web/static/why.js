// "Why am I seeing this?": one decision's explanation for one item, in a
// shopper's words, with one-tap controls that call the API the
// explanation names and then say what they did.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = candor.el;
  // What each kind of reason says about its evidence items; kinds this
  // page does not know fall back to the reason's own text.
  const verbs = {
    bought_together: 'you bought it', viewed_recently: 'you looked at it', rated: 'you rated it',
    sensitive_history: 'you looked at it (sensitive interests you allowed us to use)', similar_to_current: 'you were looking at it',
  };
  const other = {
    none: 'It is popular with other shoppers right now.', context: 'It goes with the page you were on.',
  };
  let token = '';
  let why = null;

  // evidence lists each item once, saying every way it counted ("you
  // bought it and looked at it"), then the other data: preferences,
  // popularity, the page you were on.
  function evidence(w) {
    const items = new Map();
    const lines = [];
    w.data_used.forEach((d, i) => {
      const kind = (w.reasons[i] || {}).kind;
      if (kind === 'promoted' || kind === 'demoted') return;
      if (d.items && d.items.length) {
        for (const it of d.items) {
          const e = items.get(it.id) || { title: it.title, how: [] };
          const how = verbs[kind] || 'it is part of ' + (candor.sources[d.feature_set] || 'your activity');
          if (!e.how.includes(how)) e.how.push(how);
          items.set(it.id, e);
        }
      } else if (d.preference && kind === 'declared_preference') {
        lines.push('You told us you like ' + candor.capital(d.preference) + '.');
      } else if (d.preference) {
        lines.push('It is popular in ' + candor.capital(d.preference) + ' with other shoppers.');
      } else {
        lines.push(other[d.feature_set] || d.text);
      }
    });
    const out = [...items.values()].map((e) => el('li', {}, el('strong', { text: e.title }), el('span', { class: 'how', text: 'Because ' + join(e.how) + '.' })));
    return out.concat([...new Set(lines)].map((t) => el('li', { text: t })));
  }

  const join = (xs) => (xs.length < 2 ? xs.join('') : xs.slice(0, -1).join(', ') + ' and ' + xs[xs.length - 1]);

  // label is a control's button text in the shopper's words.
  function label(c) {
    const body = c.body || {};
    switch (c.kind) {
      case 'stop_using': {
        const scope = Object.keys(body.scopes || {})[0];
        return 'Stop using ' + (candor.sources[scope] || scope);
      }
      case 'not_interested': return 'Not interested in this';
      case 'hide_category': return 'Show me less from ' + candor.capital(body.category);
      case 'remove_from_history': return 'Forget that I looked at this';
    }
    return c.label;
  }

  // done says what a control did, for the status line and its button.
  function done(c) {
    const body = c.body || {};
    switch (c.kind) {
      case 'not_interested': return 'Done: we will not show you “' + why.title + '” again.';
      case 'hide_category': return 'Done: you will not see ' + candor.capital(body.category) + ' items in your suggestions any more.';
      case 'remove_from_history': return 'Done: that item is removed from your history.';
      case 'stop_using': {
        const scope = Object.keys(body.scopes || {})[0];
        return 'Done: we no longer use ' + (candor.sources[scope] || scope) + ', and what we stored for it is deleted.';
      }
    }
    return 'Done: ' + c.label + '.';
  }

  async function act(c, button) {
    try {
      // feedback names the decision it is about, so that it is credited
      // to the model and ruleset that made it
      const body = c.path === '/v1/me/feedback' ? Object.assign({}, c.body, { decision_id: why.decision_id }) : c.body;
      await candor.api(c.method, c.path, token, body);
      button.disabled = true;
      button.classList.add('done');
      button.textContent = '✓ ' + label(c);
      candor.say($('status'), done(c) + ' This applies from your next page.');
    } catch (e) {
      candor.say($('status'), 'That did not work: ' + e.message, false);
    }
  }

  function summary(w) {
    const main = w.reasons.find((r) => r.kind !== 'promoted' && r.kind !== 'demoted') || w.reasons[0];
    if (!main) return 'We picked this for you.';
    if (main.feature_set === 'none') return 'It is popular with other shoppers.';
    return main.text.replace(/ and (\d+) more$/, (_, n) => ' and ' + n + (n === '1' ? ' other item' : ' other items')) + '.';
  }

  function render(w) {
    why = w;
    document.title = 'Why am I seeing ' + w.title + '?';
    $('title').textContent = w.title;
    $('summary').textContent = summary(w);
    $('promoted').textContent = w.promoted ? 'The shop also promoted this item.' : '';
    $('data-used').replaceChildren(...evidence(w));
    $('controls').replaceChildren(...w.controls.map((c) => {
      const b = el('button', { type: 'button', 'data-kind': c.kind, text: label(c) });
      const scope = Object.keys((c.body && c.body.scopes) || {})[0];
      if (scope) b.dataset.scope = scope;
      if (c.kind !== 'stop_using') b.classList.add('secondary');
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
