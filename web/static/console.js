// The marketer console: rules built with forms (candorRules turns them
// into the ruleset JSON), a visual preview against live, publish, version
// history with one-click rollback; model versions with metrics in words
// and the privacy/utility chart of the live model; the Trust panel (daily
// feedback, withdrawals and customers per consent level from GET
// /v1/trust); the live action catalog with observed response rates, its
// simulation, and its JSON draft.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = candor.el;
  const R = candorRules;
  let key = '';
  let rules = [];          // the draft's rules
  let editing = -1;        // index of the rule in the form; -1 for a new one
  let conds = [];          // the form's simple conditions, each {kind, values|min|max, node}
  let facets = { categories: [], brands: [] };
  const titles = {};       // item id → title, for words instead of IDs

  const call = (method, path, body) => candor.api(method, path, key, body);
  const rs = () => '/v1/rulesets/' + encodeURIComponent($('ruleset').value.trim() || 'default');
  const sample = () => $('sample').value.split(',').map((s) => s.trim()).filter(Boolean);

  async function run(fn) {
    try {
      await fn();
    } catch (e) {
      candor.say($('status'), e.message, false);
    }
  }

  // learnTitles looks up the titles of item IDs not seen yet.
  async function learnTitles(ids) {
    const missing = [...new Set(ids)].filter((id) => id && !titles[id]);
    for (let i = 0; i < missing.length; i += 200) {
      const r = await call('GET', '/v1/catalog/items?ids=' + encodeURIComponent(missing.slice(i, i + 200).join(',')));
      for (const it of r.items) titles[it.id] = it.title;
    }
  }

  const ruleItems = (rs) => rs.flatMap((r) => [r.action.item_id, ...((R.parseWhen(r.when) || []).filter((c) => c.kind === 'item').flatMap((c) => c.values))]);

  // ---- pickers: a search box, suggestions, chosen values as chips ----

  // picker lets the marketer find and choose values. search(q) resolves to
  // [{value, text}]; text(value) names a chosen value.
  function picker(id, labelText, search, text, values, onchange) {
    const input = el('input', { type: 'search', id, autocomplete: 'off', placeholder: 'Type to search' });
    const results = el('ul', { class: 'suggestions', hidden: true, 'aria-label': 'Suggestions for ' + labelText });
    const chosen = el('ul', { class: 'picked', 'aria-label': 'Chosen' });
    const draw = () => {
      chosen.replaceChildren(...values.map((v) => el('li', { class: 'chip' }, text(v),
        el('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove ' + text(v), text: '×', onclick: () => { values.splice(values.indexOf(v), 1); draw(); onchange(); } }))));
    };
    let timer = 0;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => run(async () => {
        const q = input.value.trim();
        const found = q ? await search(q) : [];
        results.hidden = !found.length;
        results.replaceChildren(...found.slice(0, 12).map((f) => el('li', {}, el('button', {
          type: 'button', 'data-value': f.value, text: f.text,
          onclick: () => { if (!values.includes(f.value)) values.push(f.value); input.value = ''; results.hidden = true; onchange(); draw(); },
        }))));
      }), 150);
    });
    draw();
    return el('div', { class: 'picker' }, el('label', { for: id, text: labelText }), input, results, chosen);
  }

  const categoryName = (v) => v.split('/').map(candor.capital).join(' › ');

  function searchCategories(q) {
    const out = [];
    const m = (s) => s.toLowerCase().includes(q.toLowerCase());
    for (const c of facets.categories) {
      if (m(c.name)) out.push({ value: c.name, text: categoryName(c.name) + ' (' + c.items + ' items)' });
      for (const s of c.subcategories || []) if (m(s.name) || m(c.name)) out.push({ value: c.name + '/' + s.name, text: categoryName(c.name + '/' + s.name) + ' (' + s.items + ')' });
    }
    return out;
  }

  const searchBrands = (q) => facets.brands.filter((b) => b.name.toLowerCase().includes(q.toLowerCase())).map((b) => ({ value: b.name, text: b.name + ' (' + b.items + ' items)' }));

  async function searchItems(q) {
    const r = await call('GET', '/v1/catalog/items?limit=12&q=' + encodeURIComponent(q));
    for (const it of r.items) titles[it.id] = it.title;
    return r.items.map((it) => ({ value: it.id, text: it.title + ' — ' + it.category.map(candor.capital).join(' › ') }));
  }

  const countries = ['AT', 'BE', 'CH', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'IE', 'IT', 'NL', 'NO', 'PL', 'PT', 'SE', 'US'];
  const searchCountries = (q) => countries.filter((c) => c.toLowerCase().startsWith(q.toLowerCase())).map((c) => ({ value: c, text: c }));
  const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

  // ---- the condition builder ----

  // condControl is the input part of one condition row.
  function condControl(c, n) {
    const changed = () => showSummary();
    switch (c.kind) {
      case 'category': return picker('cond-' + n, 'Categories (any of them)', async (q) => searchCategories(q), categoryName, c.values, changed);
      case 'brand': return picker('cond-' + n, 'Brands (any of them)', async (q) => searchBrands(q), (v) => v, c.values, changed);
      case 'item': return picker('cond-' + n, 'Items (any of them)', searchItems, (v) => titles[v] || v, c.values, changed);
      case 'country': return picker('cond-' + n, 'Countries (any of them)', async (q) => searchCountries(q), (v) => v, c.values, changed);
      case 'price': return priceControl(c, n);
      case 'weekday': return weekdayControl(c, n);
    }
    return el('p', { class: 'muted', text: 'Only customers who told us their favourite categories match.' });
  }

  function priceControl(c, n) {
    const box = (which, text) => {
      const input = el('input', { type: 'number', id: 'cond-' + n + '-' + which, min: 0, step: '0.01', value: c[which] || '' });
      input.addEventListener('input', () => { c[which] = input.value; showSummary(); });
      return el('div', {}, el('label', { for: input.id, text }), input);
    };
    return el('div', { class: 'two' }, box('min', 'From (price)'), box('max', 'To (price)'));
  }

  function weekdayControl(c, n) {
    return el('fieldset', {}, el('legend', { text: 'Days' }), ...weekdays.map((d) => {
      const box = el('input', { type: 'checkbox', id: 'cond-' + n + '-' + d, checked: c.values.includes(d) });
      box.addEventListener('change', () => {
        c.values = weekdays.filter((w) => document.getElementById('cond-' + n + '-' + w).checked);
        showSummary();
      });
      return el('div', { class: 'choice' }, box, el('label', { for: box.id, text: candor.capital(d) }));
    }));
  }

  let condSeq = 0;

  function drawConds() {
    $('cond-none').hidden = conds.length > 0;
    $('conds').replaceChildren(...conds.map((c) => {
      c.n = c.n || ++condSeq;
      return el('div', { class: 'cond-row', 'data-kind': c.kind },
        el('strong', { text: R.kinds[c.kind].label }), condControl(c, c.n),
        el('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove the condition “' + R.kinds[c.kind].label + '”', text: 'Remove',
          onclick: () => { conds.splice(conds.indexOf(c), 1); drawConds(); showSummary(); } }));
    }));
  }

  function addCond(kind) {
    if (!kind) return;
    const c = { kind, values: [] };
    conds.push(c);
    drawConds();
    showSummary();
    const first = $('conds').lastElementChild.querySelector('input');
    if (first) first.focus();
  }

  // ---- the rule form ----

  function showTypeFields() {
    const t = $('rule-type').value;
    for (const d of document.querySelectorAll('#rule-form [data-for]')) d.hidden = d.dataset.for !== t;
  }

  const pinItem = [];

  // readForm builds the rule the form describes.
  function readForm() {
    const t = $('rule-type').value;
    const a = { type: t };
    if (t === 'boost') a.factor = Number($('boost-factor').value);
    if (t === 'bury') a.factor = Number($('bury-factor').value);
    if (t === 'pin') { a.slot = Number($('pin-slot').value) || 1; if (pinItem[0]) a.item_id = pinItem[0]; }
    if (t === 'exclude_purchased' && $('lookback').value) a.lookback = $('lookback').value;
    if (t === 'diversity') { a.max = Number($('div-max').value) || 1; a.field = $('div-field').value; }
    if (t === 'limit') a.max = Number($('limit-max').value) || 1;
    const rule = { id: $('rule-id').value.trim(), action: a };
    const when = $('rule-when').value.trim() || R.toWhen(conds);
    if (when) rule.when = when;
    if ($('rule-desc').value.trim()) rule.description = $('rule-desc').value.trim();
    const places = [...document.querySelectorAll('[data-place]:checked')].map((b) => b.value);
    if (places.length) rule.placements = places;
    if ($('rule-from').value) rule.from = $('rule-from').value + 'T00:00:00Z';
    if ($('rule-until').value) rule.until = $('rule-until').value + 'T00:00:00Z';
    return rule;
  }

  let idTouched = false;

  function showSummary() {
    const rule = readForm();
    const taken = rules.filter((_, i) => i !== editing).map((r) => r.id);
    if (!idTouched) $('rule-id').value = R.suggestId(rule, taken);
    rule.id = $('rule-id').value;
    $('rule-summary').textContent = 'This rule: ' + R.describe(rule, titles);
  }

  // fillForm shows rule (or a new one) in the form.
  function fillForm(rule) {
    const a = rule ? rule.action : { type: 'boost' };
    $('rule-type').value = a.type;
    if (a.type === 'boost' && a.factor) $('boost-factor').value = String(a.factor);
    if (a.type === 'bury' && a.factor) $('bury-factor').value = String(a.factor);
    $('pin-slot').value = a.slot || 1;
    pinItem.splice(0, pinItem.length, ...(a.item_id ? [a.item_id] : []));
    $('lookback').value = a.lookback || '';
    $('div-max').value = a.type === 'diversity' ? a.max : 2;
    $('div-field').value = a.field || 'category';
    $('limit-max').value = a.type === 'limit' ? a.max : 2;
    const parsed = rule ? R.parseWhen(rule.when) : [];
    conds = (parsed || []).map((c) => Object.assign({ values: [] }, c));
    $('rule-when').value = parsed ? '' : rule.when;
    $('advanced').open = !parsed;
    $('rule-desc').value = (rule && rule.description) || '';
    for (const b of document.querySelectorAll('[data-place]')) b.checked = !!(rule && rule.placements && rule.placements.includes(b.value));
    $('rule-from').value = rule && rule.from ? rule.from.slice(0, 10) : '';
    $('rule-until').value = rule && rule.until ? rule.until.slice(0, 10) : '';
    $('rule-id').value = rule ? rule.id : '';
    idTouched = !!rule;
    $('pin-item').replaceChildren(picker('pin-item-search', 'Item to pin (leave empty to pin the best matching item)', searchItems, (v) => titles[v] || v, pinItem, () => {
      pinItem.splice(0, pinItem.length - 1); // one item at most: the last chosen
      showSummary();
    }));
    drawConds();
    showTypeFields();
    showSummary();
  }

  function openForm(index) {
    editing = index;
    $('rule-form-h').textContent = index < 0 ? 'New rule' : 'Change rule ' + rules[index].id;
    $('rule-save').textContent = index < 0 ? 'Add to the draft' : 'Save the change';
    fillForm(index < 0 ? null : rules[index]);
    $('rule-form').hidden = false;
    $('rule-type').focus();
  }

  async function submitForm() {
    const rule = readForm();
    const next = rules.slice();
    if (editing < 0) next.push(rule); else next[editing] = rule;
    const verb = editing < 0 ? 'added to' : 'changed in';
    rules = next;
    const ok = await saveDraft();
    drawRules();
    if (!ok) {
      candor.say($('status'), 'Rule ' + rule.id + ' ' + verb + ' the draft, but the draft has problems; see the list under the rules.', false);
      return;
    }
    $('rule-form').hidden = true;
    candor.say($('status'), 'Rule ' + rule.id + ' ' + verb + ' the draft: ' + R.describe(rule, titles) + ' Preview it or publish it.');
  }

  // ---- the draft ----

  function drawRules() {
    $('draft').value = JSON.stringify({ rules }, null, 2);
    $('draft-state').textContent = rules.length ? rules.length + (rules.length === 1 ? ' rule' : ' rules') + ', applied in this order.' : 'No rules yet: shoppers see the model’s ranking as it is.';
    $('rules').replaceChildren(...rules.map((r, i) => el('li', { class: 'rule-card', 'data-rule': r.id },
      el('div', { class: 'rule-what', text: R.describe(r, titles) }),
      el('div', { class: 'muted', text: r.id + (r.description ? ' — ' + r.description : '') }),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'secondary', 'aria-label': 'Change rule ' + r.id, text: 'Change', onclick: () => openForm(i) }),
        el('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove rule ' + r.id, text: 'Remove', onclick: () => run(() => removeRule(i)) })))));
  }

  async function removeRule(i) {
    const [gone] = rules.splice(i, 1);
    await saveDraft();
    drawRules();
    candor.say($('status'), 'Rule ' + gone.id + ' removed from the draft.');
  }

  function showProblems(list) {
    $('problems-h').hidden = list.length === 0;
    for (const li of document.querySelectorAll('.rule-card')) li.classList.toggle('bad', list.some((p) => p.rule_id === li.dataset.rule));
    $('problems').replaceChildren(...list.map((p) => el('li', {
      text: (p.rule_id ? 'Rule ' + p.rule_id : 'Ruleset') + (p.field ? ', ' + p.field : '') +
        (p.pos && p.pos.line ? ' (line ' + p.pos.line + ', column ' + p.pos.column + ')' : '') + ': ' + p.message,
    })));
  }

  // saveDraft stores the draft and validates it; problems show inline and
  // it resolves false when there are any.
  async function saveDraft() {
    try {
      await call('PUT', rs() + '/draft', { rules });
      const v = await call('POST', rs() + '/validate');
      showProblems((v.warnings || []).map((w) => ({ rule_id: w.rule_id, message: 'warning: ' + w.message })));
      return true;
    } catch (e) {
      const problems = e.data && e.data.error && e.data.error.problems;
      showProblems(problems && problems.length ? problems : [{ message: e.message }]);
      return false;
    }
  }

  async function loadDraft() {
    try {
      rules = (await call('GET', rs() + '/draft')).rules || [];
    } catch (e) {
      if (e.status !== 404) throw e;
      rules = [];
    }
    await learnTitles(ruleItems(rules));
    showProblems([]);
    drawRules();
  }

  async function applyJSON() {
    let body;
    try {
      body = JSON.parse($('draft').value);
    } catch (e) {
      showProblems([{ message: 'The JSON is not valid: ' + e.message }]);
      return;
    }
    rules = body.rules || [];
    const ok = await saveDraft();
    drawRules();
    candor.say($('status'), ok ? 'Draft replaced by the JSON.' : 'The JSON draft has problems; see the list.', ok);
  }

  // ---- preview, publish, versions ----

  async function preview() {
    if (!(await saveDraft())) {
      candor.say($('status'), 'Not previewed: the draft has problems.', false);
      return;
    }
    const d = await call('POST', rs() + '/preview', { customers: sample(), n: 10 });
    await learnTitles(d.changes.flatMap((c) => [...c.entered, ...c.left, ...c.moved.map((m) => m.item_id)]));
    const cards = d.changes.map((c) => el('div', { class: 'diff-customer', 'data-customer': c.customer_id },
      el('h4', { text: 'Customer ' + c.customer_id }), ...customerDiff(c)));
    const live = d.live_version ? 'live version ' + d.live_version : 'no rules (nothing published yet)';
    $('preview-out').replaceChildren(
      el('p', { class: 'panel', text: d.affected + ' of ' + d.customers + ' sample customers would see a different top 10 than with ' + live + '.' }),
      ...(d.warnings || []).map((w) => el('p', { class: 'warning', text: w.message })), ...cards);
    candor.say($('status'), 'Preview ready: ' + d.affected + ' of ' + d.customers + ' sample customers would see a change.');
  }

  // customerDiff shows what one customer would see change: items
  // entering, moving up, leaving, and (folded when many) moving down.
  function customerDiff(c) {
    const name = (id) => titles[id] || id;
    const move = (m) => el('li', { class: m.to < m.from ? 'up' : 'down',
      text: (m.to < m.from ? '↑ Moves up: ' : '↓ Moves down: ') + name(m.item_id) + ' (from ' + m.from + ' to ' + m.to + ')' });
    const up = c.moved.filter((m) => m.to < m.from), down = c.moved.filter((m) => m.to > m.from);
    const out = [el('ul', { class: 'diff-list' },
      ...c.entered.map((id) => el('li', { class: 'enter', text: '+ New in the top 10: ' + name(id) })),
      ...up.map(move), ...c.left.map((id) => el('li', { class: 'leave', text: '− Drops out: ' + name(id) })),
      ...(down.length <= 3 ? down.map(move) : []))];
    if (down.length > 3) out.push(el('details', {}, el('summary', { text: '↓ ' + down.length + ' others move down' }), el('ul', { class: 'diff-list' }, ...down.map(move))));
    return out;
  }

  async function publish() {
    if (!(await saveDraft())) {
      candor.say($('status'), 'Not published: the draft has problems.', false);
      return;
    }
    const p = await call('POST', rs() + '/publish');
    candor.say($('status'), 'Published version ' + p.ruleset.version + '; it is live now.');
    await loadHistory();
  }

  async function rollback(version) {
    const r = await call('POST', rs() + '/rollback', { version });
    candor.say($('status'), 'Rolled back: version ' + version + ' is live again (as version ' + r.version + ').');
    await loadDraft();
    await loadHistory();
  }

  function diffText(d) {
    if (!d) return '';
    const parts = [];
    if (d.added && d.added.length) parts.push('added ' + d.added.join(', '));
    if (d.removed && d.removed.length) parts.push('removed ' + d.removed.join(', '));
    for (const c of d.changed || []) parts.push('changed ' + c.id + ' (' + c.fields.join(', ') + ')');
    return parts.join('; ') || 'no rule changes';
  }

  function versionCard(v, entry) {
    const how = entry && entry.action === 'rollback' ? 'Rolled back to the rules of version ' + entry.restored_from : 'Published';
    return el('div', { class: 'version' + (v.live ? ' live' : ''), 'data-version': v.version },
      el('h3', {}, 'Version ' + v.version + ' ', v.live ? el('span', { class: 'live-badge', text: 'Live' }) : null),
      el('p', { text: how + ' ' + candor.when(v.created_at) + ' by ' + (v.author || 'someone') + '; ' + v.rules + (v.rules === 1 ? ' rule.' : ' rules.') }),
      entry ? el('p', { class: 'muted', text: 'Changes from version ' + (entry.previous || 'none') + ': ' + diffText(entry.diff) + '.' }) : null,
      v.live ? null : el('div', { class: 'buttons' }, el('button', { type: 'button', class: 'secondary', 'aria-label': 'Roll back to version ' + v.version,
        text: 'Make version ' + v.version + ' live again', onclick: () => run(() => rollback(v.version)) })));
  }

  function auditRow(e) {
    return el('tr', {},
      el('td', { 'data-label': 'When', text: candor.when(e.time) }), el('td', { 'data-label': 'Who', text: e.who }),
      el('td', { 'data-label': 'What', text: e.action + ' ' + e.ruleset + ' v' + e.version + (e.previous ? ' (was v' + e.previous + ')' : '') }),
      el('td', { 'data-label': 'Change', text: diffText(e.diff) }));
  }

  async function loadHistory() {
    let versions = [];
    try {
      versions = (await call('GET', rs() + '/versions')).versions || [];
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    const name = $('ruleset').value.trim() || 'default';
    const entries = ((await call('GET', '/v1/audit')).entries || []).filter((e) => e.ruleset === name);
    const byVersion = Object.fromEntries(entries.map((e) => [e.version, e]));
    $('versions').replaceChildren(...(versions.length
      ? versions.slice().reverse().map((v) => versionCard(v, byVersion[v.version]))
      : [el('p', { text: 'No version published yet.' })]));
    $('audit').replaceChildren(...(entries.length ? entries.slice().reverse().map(auditRow)
      : [el('tr', {}, el('td', { colspan: 4, text: 'Nothing published or rolled back yet.' }))]));
  }

  // ---- models ----

  // Model metrics for people: name, what it means, how to show the value.
  const metricWords = {
    ndcg_at_10: ['nDCG@10', 'ranking quality on held-out data (1 is perfect)'],
    precision_at_10: ['Precision@10', 'share of the top 10 the customer went on to choose'],
    recall_at_10: ['Recall@10', 'share of what customers chose that was in their top 10'],
    map_at_10: ['MAP@10', 'how high the right items ranked, on average'],
    coverage: ['Coverage', 'share of the catalog that gets suggested', (v) => (100 * v).toFixed(1) + '%'],
    users_evaluated: ['Customers measured', 'whose held-out purchases were checked', (v) => Math.round(v).toLocaleString()],
  };

  function metricLines(m) {
    const keys = Object.keys(m || {}).filter((k) => !k.startsWith('scenario.'));
    if (!keys.length) return [el('p', { class: 'muted', text: 'Not measured: this model was published without a hold-out test.' })];
    const order = Object.keys(metricWords);
    keys.sort((a, b) => ((order.indexOf(a) + 1) || 99) - ((order.indexOf(b) + 1) || 99) || a.localeCompare(b));
    return keys.map((k) => {
      const [name, meaning, fmt] = metricWords[k] || [k, ''];
      return el('p', { class: 'metric', 'data-metric': k }, el('strong', { text: name + ' ' + (fmt || ((v) => Number(v).toFixed(3)))(m[k]) }), meaning ? ' — ' + meaning : '');
    });
  }

  function modelCard(m) {
    return el('div', { class: 'version' + (m.live ? ' live' : ''), 'data-model': m.version },
      el('h3', {}, (m.kind || 'model') + ' model ', m.live ? el('span', { class: 'live-badge', text: 'Live' }) : null),
      el('p', { text: 'Trained ' + candor.when(m.trained_at) + ' on ' + m.interactions.toLocaleString() + ' interactions of ' +
        m.users.toLocaleString() + ' customers with ' + m.items.toLocaleString() + ' items' +
        (m.data_read_at ? ', as the store held them ' + candor.when(m.data_read_at) : '') + '.' }),
      ...metricLines(m.metrics),
      el('p', { class: 'muted', text: 'Version ' + m.version }));
  }

  async function loadModels() {
    const ms = (await call('GET', '/v1/models')).models || [];
    $('models').replaceChildren(...(ms.length ? ms.map(modelCard) : [el('p', { text: 'No model yet.' })]));
    const live = ms.find((m) => m.live);
    $('chart').replaceChildren(...privacyUtility(live ? live.metrics || {} : {}));
  }

  // Consent scenarios the live model is measured under, most private first.
  const scenarios = [
    ['none', 'None', 'nothing personal: the page only'], ['basic', 'Basic', 'stated preferences'],
    ['partial', 'Own mix', 'some sources, as each customer chose'], ['full', 'Full', 'browsing and purchases too'],
  ];

  // privacyUtility draws nDCG@10 per consent scenario from the model's
  // scenario.<name>.ndcg_at_10 metrics, with the numbers in a table.
  function privacyUtility(m) {
    const rows = scenarios.filter(([s]) => m['scenario.' + s + '.ndcg_at_10'] !== undefined);
    if (!rows.length) return [el('p', { class: 'panel', id: 'chart-none', text: 'Not measured for this model: it was trained without per-consent-level figures. Train a new model to see them here.' })];
    const val = (s, k) => m['scenario.' + s + '.' + k];
    const maxV = Math.max(...rows.map(([s]) => val(s, 'ndcg_at_10')), 1e-9);
    const ns = 'http://www.w3.org/2000/svg', W = 340, rowH = 34, left = 92, H = rows.length * rowH + 28;
    const svg = document.createElementNS(ns, 'svg');
    const mk = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text) n.textContent = text; svg.append(n); return n; };
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Ranking quality (nDCG@10) at each consent level, most private first; the table below has the numbers.');
    rows.forEach(([s, name], i) => {
      const y = 8 + i * rowH, w = Math.max(2, val(s, 'ndcg_at_10') / maxV * (W - left - 56));
      mk('text', { x: 0, y: y + 17 }, name);
      mk('rect', { x: left, y, width: w, height: 22, fill: '#0a56c2', 'data-scenario': s });
      mk('text', { x: left + w + 6, y: y + 17 }, val(s, 'ndcg_at_10').toFixed(3));
    });
    mk('text', { x: left, y: H - 4 }, 'nDCG@10, longer is better');
    const fmt = (v) => (v === undefined ? '—' : v.toFixed(3));
    const table = el('div', { class: 'table-wrap' }, el('table', { id: 'privacy-table', class: 'stack' },
      el('caption', { text: 'Ranking quality by consent level' }),
      el('thead', {}, el('tr', {}, ...['Consent level', 'What we may use', 'nDCG@10', 'Precision@10'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows.map(([s, name, what]) => el('tr', {}, el('th', { scope: 'row', text: name }), el('td', { 'data-label': 'What we may use', text: what }),
        el('td', { 'data-label': 'nDCG@10', text: fmt(val(s, 'ndcg_at_10')) }), el('td', { 'data-label': 'Precision@10', text: fmt(val(s, 'precision_at_10')) }))))));
    return [svg, table];
  }

  // ---- trust ----

  const feedbackKinds = [['not_interested', 'Not interested'], ['wrong_reason', 'Wrong reason'], ['hide_category', 'Hide category'], ['remove_from_history', 'Remove from history']];
  const perK = (n, d) => (d ? 1000 * n / d : null);
  const fmtK = (v) => (v === null ? '—' : v.toFixed(1));

  const levels = ['full', 'partial', 'none'];

  // trustDays sums GET /v1/trust's hours into days (24 hours each, the
  // last ending now) and works out each day's ratios. Fields starting
  // "snapshot:" are counts of customers as read in that hour: a day takes
  // its latest; today takes the counts of now (customers).
  function trustDays(hours, customers) {
    const days = [];
    for (let end = hours.length; end > 0; end -= 24) {
      const c = {}, snap = {};
      for (const h of hours.slice(Math.max(0, end - 24), end)) {
        for (const [k, n] of Object.entries(h.counts)) {
          if (k.startsWith('snapshot:')) snap[k.slice(9)] = n; else c[k] = (c[k] || 0) + n;
        }
      }
      if (end === hours.length && customers) {
        snap.customers_shown = customers.shown_personalized;
        for (const l of levels) snap['customers:' + l] = (customers.levels || {})[l] || 0;
      }
      const get = (k) => c[k] || 0;
      const personal = get('rec:full') + get('rec:partial');
      const recs = personal + get('rec:none') + get('rec:fallback');
      const d = { start: hours[Math.max(0, end - 24)].start, recs, personal, withdrawals: get('withdrawal:shown') + get('withdrawal:other') };
      for (const [k] of feedbackKinds) d[k] = perK(get('feedback:' + k), recs);
      d.withdrawn = snap.customers_shown === undefined ? null : perK(get('withdrawal:shown'), snap.customers_shown);
      d.share = recs - get('rec:fallback') ? personal / (recs - get('rec:fallback')) : null;
      const counted = levels.reduce((a, l) => a + (snap['customers:' + l] || 0), 0);
      d.levels = counted ? levels.map((l) => (snap['customers:' + l] || 0) / counted) : null;
      days.unshift(d);
    }
    return days;
  }

  // customersNow says how many customers are at each consent level and
  // were shown personalized suggestions in the last 7 days.
  function customersNow(cs) {
    if (!cs) return el('p', { text: 'No counts of customers.' });
    const lv = cs.levels || {}, counted = levels.reduce((a, l) => a + (lv[l] || 0), 0);
    const pct = (n) => (counted ? ' (' + (100 * n / counted).toFixed(0) + '%)' : '');
    return el('p', { id: 'trust-customers', text: 'Customers with a consent record now: ' + counted.toLocaleString() + ' — full ' + (lv.full || 0).toLocaleString() + pct(lv.full || 0) +
      ', partial ' + (lv.partial || 0).toLocaleString() + pct(lv.partial || 0) + ', none ' + (lv.none || 0).toLocaleString() + pct(lv.none || 0) +
      '. Shown personalized suggestions in the last 7 days: ' + (cs.shown_personalized || 0).toLocaleString() + ' customers.' });
  }

  // trustVersions totals recommendations and feedback per model and
  // ruleset version over the hours (fields rec@<model>@<ruleset> and
  // feedback:<kind>@<model>@<ruleset>).
  function trustVersions(hours) {
    const v = {};
    for (const h of hours) {
      for (const [k, n] of Object.entries(h.counts)) {
        const at = k.indexOf('@');
        if (at < 0) continue;
        const what = k.slice(0, at), ver = k.slice(at + 1);
        const row = v[ver] || (v[ver] = { recs: 0 });
        if (what === 'rec') row.recs += n; else row[what.replace('feedback:', '')] = (row[what.replace('feedback:', '')] || 0) + n;
      }
    }
    return Object.entries(v).sort(([a], [b]) => b.localeCompare(a));
  }

  const series = [
    ['not_interested', 'Not interested', '#0a56c2', ''],
    ['wrong_reason', 'Wrong reason', '#a3321a', '6 3'],
    ['withdrawn', 'Withdrawals per 1,000 customers shown personalized', '#1d6b2f', '2 3'],
  ];

  // trustChart draws the daily ratios per 1,000 as lines; the table
  // beside it has every number.
  function trustChart(days) {
    const ns = 'http://www.w3.org/2000/svg', W = 340, H = 190, left = 34, bottom = 24, top = 8;
    const svg = document.createElementNS(ns, 'svg');
    const mk = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text) n.textContent = text; svg.append(n); return n; };
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + 18 * series.length));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Feedback per 1,000 suggestions and withdrawals per 1,000 customers shown personalized suggestions in the 7 days before, per day over the last two weeks; the table below has the numbers.');
    const maxV = Math.max(1, ...days.flatMap((d) => series.map(([k]) => d[k] || 0)));
    const x = (i) => left + (days.length > 1 ? i * (W - left - 8) / (days.length - 1) : 0);
    const y = (v) => top + (H - top - bottom) * (1 - v / maxV);
    mk('line', { x1: left, y1: y(0), x2: W - 8, y2: y(0), stroke: '#555' });
    mk('text', { x: 0, y: y(maxV) + 10 }, maxV.toFixed(1));
    mk('text', { x: 0, y: y(0) }, '0');
    mk('text', { x: left, y: H - 4 }, days.length + ' days, today on the right; per 1,000');
    series.forEach(([k, name, color, dash], s) => {
      const pts = days.map((d, i) => (d[k] === null ? null : x(i) + ',' + y(d[k]))).filter(Boolean);
      if (pts.length) mk('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash, 'data-series': k });
      const ly = H + 12 + 18 * s;
      mk('line', { x1: 0, y1: ly - 4, x2: 24, y2: ly - 4, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash });
      mk('text', { x: 30, y: ly }, name);
    });
    return svg;
  }

  function trustTable(days) {
    const heads = ['Day', 'Suggestions', 'Personalized', 'Customers full · partial · none', ...feedbackKinds.map(([, n]) => n + ' per 1,000'),
      'Withdrawals after personalized per 1,000 customers shown', 'Withdrawals'];
    return el('div', { class: 'table-wrap' }, el('table', { id: 'trust-table', class: 'stack' },
      el('caption', { text: 'Trust per day' }),
      el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...days.map((d) => el('tr', {}, el('th', { scope: 'row', text: new Date(d.start).toLocaleDateString() }),
        el('td', { 'data-label': heads[1], text: d.recs.toLocaleString() }),
        el('td', { 'data-label': heads[2], text: d.share === null ? '—' : (100 * d.share).toFixed(0) + '%' }),
        el('td', { 'data-label': heads[3], text: d.levels === null ? '—' : d.levels.map((v) => (100 * v).toFixed(0) + '%').join(' · ') }),
        ...feedbackKinds.map(([k], i) => el('td', { 'data-label': heads[4 + i], text: fmtK(d[k]) })),
        el('td', { 'data-label': heads[8], text: fmtK(d.withdrawn) }),
        el('td', { 'data-label': heads[9], text: String(d.withdrawals) }))))));
  }

  function versionsTable(rows) {
    if (!rows.length) return el('p', { text: 'No suggestions or feedback counted in the last two weeks.' });
    const heads = ['Model', 'Ruleset', 'Suggestions', ...feedbackKinds.map(([, n]) => n + ' per 1,000')];
    return el('div', { class: 'table-wrap' }, el('table', { id: 'trust-versions-table', class: 'stack' },
      el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows.map(([ver, r]) => {
        const at = ver.lastIndexOf('@');
        return el('tr', {}, el('th', { scope: 'row', text: ver.slice(0, at) || '—' }), el('td', { 'data-label': heads[1], text: ver.slice(at + 1) }),
          el('td', { 'data-label': heads[2], text: r.recs.toLocaleString() }),
          ...feedbackKinds.map(([k], i) => el('td', { 'data-label': heads[3 + i], text: fmtK(perK(r[k] || 0, r.recs)) })));
      }))));
  }

  async function loadTrust() {
    const t = await call('GET', '/v1/trust?hours=336');
    const hours = t.hours || [];
    const days = trustDays(hours, t.customers);
    $('trust-now').replaceChildren(customersNow(t.customers));
    $('trust-chart').replaceChildren(trustChart(days));
    $('trust-days').replaceChildren(trustTable(days));
    $('trust-versions').replaceChildren(versionsTable(trustVersions(hours)));
  }

  // ---- actions (JSON) ----

  async function loadActions() {
    try {
      const c = await call('GET', '/v1/actions');
      $('actions').value = JSON.stringify({ actions: c.actions || [] }, null, 2);
    } catch (e) {
      if (e.status !== 404) throw e;
      $('actions').value = JSON.stringify({ actions: [] }, null, 2);
    }
  }

  async function saveActions() {
    await call('PUT', '/v1/actions', $('actions').value);
    candor.say($('status'), 'Action catalog draft saved.');
  }

  // The words of the API's reasons, for the simulation.
  const why = {
    no_channel_consent: 'the channel is not allowed', gpc: 'Global Privacy Control', no_sale_share_consent: 'sharing not allowed',
    no_feature_set_consent: 'its data not allowed', condition_false: 'not eligible', capped: 'its limit reached', dismissed_cooldown: 'dismissed',
    contact_policy: 'channel limit reached', below_threshold: 'score too low', outranked: 'another action scored higher', not_valid_now: 'not running now',
    budget: 'condition not evaluated (budget)', no_actions: 'no action for this channel', none_eligible: 'none eligible', fallback: 'store unavailable',
  };
  const counts = (m) => Object.entries(m || {}).map(([k, n]) => (why[k] || k.replaceAll('_', ' ')) + ': ' + n).join(', ');
  const pct = (x) => (x * 100).toFixed(2).replace(/\.?0+$/, '') + '%';
  let liveActions = [];

  // loadLiveActions shows the live catalog with each action's observed
  // responses and the response rate arbitration uses.
  async function loadLiveActions() {
    const vs = (await call('GET', '/v1/actions/versions')).versions;
    const live = vs.find((v) => v.live);
    if (!live) {
      liveActions = [];
      $('live-actions-state').textContent = 'Nothing published yet: no customer gets an action.';
      $('live-actions').tBodies[0].replaceChildren();
      return;
    }
    const [cat, resp] = await Promise.all([call('GET', '/v1/actions/versions/' + live.version), call('GET', '/v1/actions/responses')]);
    liveActions = cat.actions;
    $('live-actions-state').textContent = 'Version ' + live.version + ', published ' + candor.when(live.created_at) + ' by ' + live.author + ': ' + cat.actions.length + ' actions.';
    const rows = cat.actions.map((a) => {
      const o = resp.actions[a.id] || { impressions: 0, clicks: 0, response_rate: resp.unobserved_rate };
      const caps = a.caps || {};
      const limits = [caps.max_per ? caps.max_per + ' per ' + caps.period : '', caps.cooldown_after_dismiss ? 'not for ' + caps.cooldown_after_dismiss + ' after a dismissal' : ''].filter(Boolean).join('; ') || 'none';
      return el('tr', { 'data-action': a.id },
        el('th', { scope: 'row', 'data-label': 'Action' }, el('span', { text: a.name }), el('span', { class: 'muted', text: ' (' + a.id + ', ' + a.type + ')' })),
        el('td', { 'data-label': 'Channels', text: a.channels.join(', ') }),
        el('td', { 'data-label': 'For whom', text: (a.when || 'everyone who allows the channel') + (a.shares_data ? '; shares data: needs sale_share, never under GPC' : '') }),
        el('td', { 'data-label': 'Value', text: String(a.value) + (a.weight && a.weight !== 1 ? ' × ' + a.weight : '') }),
        el('td', { 'data-label': 'Limits', text: limits }),
        el('td', { 'data-label': 'Shown', class: 'impressions', text: String(o.impressions) }),
        el('td', { 'data-label': 'Taken up', class: 'clicks', text: String(o.clicks) }),
        el('td', { 'data-label': 'Response rate used', class: 'rate', 'data-value': String(o.response_rate), text: pct(o.response_rate) }));
    });
    $('live-actions').tBodies[0].replaceChildren(...rows);
  }

  async function simulate() {
    const customers = $('sim-customers').value.split(',').map((s) => s.trim()).filter(Boolean);
    const s = await call('POST', '/v1/actions/simulate', { customers, channel: $('channel').value, draft: $('sim-draft').checked });
    const names = Object.fromEntries(liveActions.map((a) => [a.id, a.name]));
    const ids = [...new Set([...Object.keys(s.per_action || {}), ...Object.keys(s.suppressed || {})])].sort();
    const rows = ids.map((id) => el('tr', { 'data-action': id }, el('th', { scope: 'row', 'data-label': 'Action', text: names[id] ? names[id] + ' (' + id + ')' : id }),
      el('td', { 'data-label': 'Would get it', class: 'gets', text: String((s.per_action || {})[id] || 0) }),
      el('td', { 'data-label': 'Held back, and why', text: counts((s.suppressed || {})[id]) || '—' })));
    const version = s.catalog_version ? 'version ' + s.catalog_version : 'the draft';
    $('simulation').replaceChildren(
      el('p', { class: 'panel', id: 'simulation-summary', text: 'Of ' + s.customers + ' customers on ' + s.channel + ' with ' + version + ', ' + (s.customers - s.none) + ' would get an action and ' + s.none + ' none' + (s.none ? ' (' + counts(s.none_why) + ')' : '') + '.' }),
      el('div', { class: 'table-wrap' }, el('table', { id: 'simulation-table', class: 'stack' }, el('thead', {}, el('tr', {}, ...['Action', 'Would get it', 'Held back, and why'].map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, ...rows))));
    candor.say($('status'), 'Simulated ' + s.customers + ' customers on ' + s.channel + '.');
  }

  // ---- start ----

  async function useKey(k) {
    key = k;
    const who = await call('GET', '/v1/whoami');
    sessionStorage.setItem('candor.key', k);
    $('whoami').textContent = 'Signed in with key “' + who.name + '” (' + who.role + '). The key stays in this browser tab only.';
    $('console').hidden = false;
    const demo = await candor.demoSession();
    if (demo && !$('sample').value) $('sample').value = demo.customers.map((c) => c.id).join(', ');
    if (demo && !$('sim-customers').value) $('sim-customers').value = demo.customers.map((c) => c.id).join(', ');
    facets = await call('GET', '/v1/catalog/facets');
    await Promise.all([loadDraft(), loadHistory(), loadActions(), loadLiveActions(), loadModels(), loadTrust()]);
  }

  function wire() {
    $('key-form').addEventListener('submit', (e) => { e.preventDefault(); run(() => useKey($('key').value.trim())); });
    $('actions-form').addEventListener('submit', (e) => e.preventDefault());
    $('simulate-form').addEventListener('submit', (e) => { e.preventDefault(); run(simulate); });
    $('rule-type').replaceChildren(...Object.entries(R.types).map(([v, t]) => el('option', { value: v, text: t })));
    $('cond-add').append(...Object.entries(R.kinds).map(([v, k]) => el('option', { value: v, text: k.label })));
    $('cond-add').addEventListener('change', () => { addCond($('cond-add').value); $('cond-add').value = ''; });
    $('rule-type').addEventListener('change', () => { showTypeFields(); showSummary(); });
    $('rule-form').addEventListener('input', (e) => { if (e.target.id === 'rule-id') idTouched = true; if (e.target.type !== 'search') showSummary(); });
    $('rule-form').addEventListener('change', () => showSummary());
    $('rule-form').addEventListener('submit', (e) => { e.preventDefault(); run(submitForm); });
    $('rule-cancel').addEventListener('click', () => { $('rule-form').hidden = true; });
    $('ruleset').addEventListener('change', () => run(async () => { await loadDraft(); await loadHistory(); }));
    const on = (id, fn) => $(id).addEventListener('click', () => run(fn));
    on('add-rule', async () => openForm(-1));
    on('apply-json', applyJSON);
    on('publish', publish);
    on('preview', preview);
    on('load-actions', loadActions);
    on('save-actions', saveActions);
    on('publish-actions', async () => { await call('POST', '/v1/actions/publish'); await loadLiveActions(); candor.say($('status'), 'Action catalog published; it is live now.'); });
    on('reload-live-actions', loadLiveActions);
    on('simulate', simulate);
  }

  wire();
  const k = candor.takeSecret('key');
  if (k) {
    $('key').value = k;
    run(() => useKey(k));
  }
})();
