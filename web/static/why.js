// "Why am I seeing this?": one decision's explanation for one item, or
// for one next-best action (its score parts, contact-policy state and
// controls, exactly as the decision answered them), in a shopper's words,
// with one-tap controls that call the API the explanation names and then
// say what they did.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = candor.el;
  // What each kind of reason says about its evidence items; kinds this
  // page does not know fall back to the reason's own text.
  const verbs = {
    bought_together: 'you bought it', viewed_recently: 'you looked at it', rated: 'you rated it',
    sensitive_history: 'you looked at it (sensitive interests you allowed us to use)', similar_to_current: 'you were looking at it',
    goes_with_cart: 'it was in your cart',
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
      if (candor.shopKinds.includes(kind)) return;
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
      case 'remove_from_history': return 'Done: that item is removed from your history. We no longer know you bought or saw it, so it may be suggested to you like any other item; choose “Not interested” on it if you would rather not see it.';
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
    const main = candor.mainReason(w.reasons);
    if (!main) return 'We picked this for you.';
    if (main.feature_set === 'none') return 'It is popular with other shoppers.';
    return main.text.replace(/ and (\d+) more$/, (_, n) => ' and ' + n + (n === '1' ? ' other item' : ' other items')) + '.';
  }

  function render(w) {
    why = w;
    document.title = 'Why am I seeing ' + w.title + '?';
    $('title').textContent = w.title;
    $('summary').textContent = summary(w);
    const pinned = w.reasons.some((r) => r.kind === 'pinned');
    $('promoted').textContent = pinned ? 'The shop placed this item in this position.' : w.promoted ? 'The shop also promoted this item.' : '';
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

  // ---- next-best actions ----

  const channelWords = { onsite: 'on the site', email: 'by email', sms: 'by text message', push: 'by push notification' };
  const typeWords = { offer: 'offer', content: 'content', service: 'message', recommendation: 'suggestion' };

  // period says "7d" or "24h" in words: "7 days", "day".
  function period(p) {
    const m = /^(\d+)d$/.exec(p || '');
    if (m) return m[1] === '1' ? 'day' : m[1] + ' days';
    const h = /^(\d+)h0m0s$/.exec(p || '');
    if (h) return h[1] === '24' ? 'day' : h[1] + ' hours';
    return p;
  }

  const times = (n) => (n === 1 ? 'once' : n === 2 ? 'twice' : n + ' times');
  const pct = (x) => (x * 100).toFixed(2).replace(/\.?0+$/, '') + '%';
  const num = (x) => String(Math.round(x * 10000) / 10000);

  // actionLabel is a control's button text in the shopper's words.
  function actionLabel(c, w) {
    const scope = Object.keys((c.body && c.body.scopes) || {})[0];
    switch (c.kind) {
      case 'dismiss': return 'Not interested in this ' + (typeWords[w.type] || 'offer'); // holds back this action, for its cooldown
      case 'unsubscribe': return w.channel === 'onsite' ? 'Don’t show me offers on the site' : 'Don’t contact me ' + channelWords[w.channel];
      case 'stop_using': return 'Stop using ' + (candor.sources[scope] || scope);
      case 'stop_sharing': return 'Don’t share my data with partners';
    }
    return c.label;
  }

  function actionDone(c, w) {
    const scope = Object.keys((c.body && c.body.scopes) || {})[0];
    switch (c.kind) {
      case 'dismiss': return 'Done: we will not show you “' + w.name + '” for ' + period(w.contacts.cooldown_after_dismiss) + '.';
      case 'unsubscribe': return 'Done: the shop will not contact you ' + channelWords[w.channel] + ' any more.';
      case 'stop_using': return 'Done: we no longer use ' + (candor.sources[scope] || scope) + ', and what we stored for it is deleted.';
      case 'stop_sharing': return 'Done: the shop will not share your data with partners.';
    }
    return 'Done: ' + c.label + '.';
  }

  // scoreParts shows the factors of the score exactly as the API gave them.
  function scoreParts(w) {
    const p = w.score_parts;
    const rows = [
      ['Value to the shop', num(p.value) + (p.weight !== 1 ? ' × weight ' + num(p.weight) : ''), p.value],
      ['Response rate', pct(p.response_rate) + (p.impressions ? ' (' + p.clicks + ' of ' + p.impressions + ' times shown it was taken up, counted with a cautious start)' : ' (not shown to anyone yet: a cautious starting guess)'), p.response_rate],
      ['How well it suits you', p.affinity_from === 'history' ? num(p.affinity) + ', from what you bought or looked at'
        : p.affinity_from === 'category' ? num(p.affinity) + ', from how popular ' + candor.capital(w.category) + ' is with other shoppers' : '0: nothing about it matched you', p.affinity],
      ['Chance you take it up', num(p.propensity) + ' = response rate + ' + num(p.affinity_weight) + ' × suitability × (1 − response rate)', p.propensity],
      ['Score', num(w.score) + ' = chance × value' + (p.weight !== 1 ? ' × weight' : ''), w.score],
    ];
    return rows.flatMap(([k, v, raw]) => [el('dt', { text: k }), el('dd', { 'data-value': String(raw), text: v })]);
  }

  function contactLines(w) {
    const c = w.contacts;
    const noun = typeWords[w.type] || 'offer';
    const out = [];
    if (c.cap) out.push((c.shown ? 'Before this, you had seen this ' + noun + ' ' + times(c.shown) : 'You had not seen this ' + noun) + ' in the last ' + period(c.cap.period) + '; the limit is ' + c.cap.max + '.');
    else out.push('This ' + noun + ' has no limit of its own.');
    if (c.channel_limit) out.push((c.channel_shown ? 'The shop had contacted you ' + channelWords[w.channel] + ' ' + times(c.channel_shown) : 'The shop had not contacted you ' + channelWords[w.channel]) + ' in the last ' + period(c.channel_limit.period) + '; the limit is ' + c.channel_limit.max + '.');
    if (c.cooldown_after_dismiss) out.push('If you are not interested, we will not show it again for ' + period(c.cooldown_after_dismiss) + '.');
    return out.map((t) => el('li', { text: t }));
  }

  function renderAction(w) {
    why = w;
    document.title = 'Why am I seeing ' + w.name + '?';
    $('title').textContent = w.name;
    const main = w.reasons.find((r) => r.kind !== 'eligibility' && r.kind !== 'response_rate') || w.reasons[0];
    $('summary').textContent = 'Chosen for you ' + channelWords[w.channel] + (w.shown_at ? ' on ' + candor.when(w.shown_at) : '') + '. ' + (main ? main.text + '.' : '');
    $('promoted').textContent = '';
    $('score-parts').replaceChildren(...scoreParts(w));
    $('contacts').replaceChildren(...contactLines(w));
    const used = w.used_sets.map((s) => candor.sources[s] || s);
    $('data-used').replaceChildren(...w.reasons.map((r) => el('li', { 'data-set': r.feature_set }, el('strong', { text: r.text }),
      el('span', { class: 'how', text: r.feature_set === 'none' ? 'Nothing about you.' : 'From ' + (candor.sources[r.feature_set] || r.feature_set) + '.' }))),
    el('li', { text: used.length ? 'In all we used ' + used.join(', ') + '.' : 'We used nothing about you.' }));
    $('controls').replaceChildren(...w.controls.map((c) => {
      const b = el('button', { type: 'button', 'data-kind': c.kind, text: actionLabel(c, w) });
      const scope = Object.keys((c.body && c.body.scopes) || {})[0];
      if (scope) b.dataset.scope = scope;
      if (c.kind === 'dismiss') b.classList.add('secondary');
      b.addEventListener('click', () => actOn(c, b, actionLabel(c, w), actionDone(c, w)));
      return b;
    }));
    $('action-why').hidden = false;
    $('why').hidden = false;
  }

  async function actOn(c, button, label, said) {
    try {
      await candor.api(c.method, c.path, token, c.body);
      button.disabled = true;
      button.classList.add('done');
      button.textContent = '✓ ' + label;
      candor.say($('status'), said + ' This applies from your next page.');
    } catch (e) {
      candor.say($('status'), 'That did not work: ' + e.message, false);
    }
  }

  async function start() {
    token = candor.takeSecret('token');
    if (sessionStorage.getItem('candor.demo')) $('shop-link').hidden = false;
    const parts = location.pathname.split('/');
    const decision = decodeURIComponent(parts[3] || ''), item = decodeURIComponent(parts[4] || '');
    const action = parts[4] === 'actions' ? decodeURIComponent(parts[5] || '') : '';
    if (!token) {
      $('title').textContent = 'Please sign in';
      candor.say($('status'), 'Open this page from the “why?” link in your shop.', false);
      return;
    }
    try {
      if (action) {
        renderAction(await candor.api('GET', '/v1/me/decisions/' + encodeURIComponent(decision) + '/actions/' + encodeURIComponent(action) + '/why', token));
        return;
      }
      render(await candor.api('GET', '/v1/me/decisions/' + encodeURIComponent(decision) + '/items/' + encodeURIComponent(item) + '/why', token));
    } catch (e) {
      $('title').textContent = 'We could not load this explanation';
      candor.say($('status'), e.message, false);
    }
  }

  start();
})();
