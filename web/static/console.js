// The marketer console: ruleset drafts with inline validation, preview
// against live, publish, rollback and audit; the action catalog and its
// simulation; model versions and the privacy/utility chart.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = candor.el;
  let key = '';

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

  function showProblems(list) {
    $('problems-h').hidden = list.length === 0;
    $('draft').setAttribute('aria-invalid', list.length ? 'true' : 'false');
    $('problems').replaceChildren(...list.map((p) => el('li', {
      text: (p.rule_id ? 'Rule ' + p.rule_id : 'Ruleset') + (p.field ? ', ' + p.field : '') +
        (p.pos && p.pos.line ? ' (line ' + p.pos.line + ', column ' + p.pos.column + ')' : '') + ': ' + p.message,
    })));
  }

  // saveDraft parses and stores the draft; it reports problems inline and
  // resolves false when there are any.
  async function saveDraft() {
    let body;
    try {
      body = JSON.parse($('draft').value);
    } catch (e) {
      showProblems([{ message: 'The draft is not valid JSON: ' + e.message }]);
      return false;
    }
    try {
      await call('PUT', rs() + '/draft', body);
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
      const d = await call('GET', rs() + '/draft');
      $('draft').value = JSON.stringify({ rules: d.rules }, null, 2);
    } catch (e) {
      if (e.status !== 404) throw e;
      $('draft').value = JSON.stringify({ rules: [] }, null, 2);
    }
    showProblems([]);
  }

  async function validate() {
    if (await saveDraft()) candor.say($('status'), 'Draft saved; it is valid.');
    else candor.say($('status'), 'The draft has problems; see the list under it.', false);
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

  async function preview() {
    if (!(await saveDraft())) return;
    const d = await call('POST', rs() + '/preview', { customers: sample(), n: 10 });
    const rows = d.changes.map((c) => el('tr', {}, el('td', { text: c.customer_id }),
      el('td', { text: (c.entered || []).join(', ') || '—' }), el('td', { text: (c.left || []).join(', ') || '—' }),
      el('td', { text: (c.moved || []).map((m) => m.item_id + ' ' + m.from + '→' + m.to).join(', ') || '—' })));
    $('preview-out').replaceChildren(
      el('p', { text: d.affected + ' of ' + d.customers + ' sample customers would see a different top 10 than with live version ' + d.live_version + '.' }),
      el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, ...['Customer', 'Entering', 'Leaving', 'Moving'].map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, ...rows))));
  }

  async function rollback(version) {
    await call('POST', rs() + '/rollback', { version });
    candor.say($('status'), 'Rolled back: version ' + version + ' is live again (as a new version).');
    await loadHistory();
  }

  // rowsOr returns the rows, or one row saying there are none.
  const rowsOr = (rows, cols, empty) => (rows.length ? rows : [el('tr', {}, el('td', { colspan: cols, text: empty }))]);

  function versionRow(v) {
    return el('tr', {},
      el('td', { text: String(v.version) }), el('td', { text: candor.when(v.created_at) }), el('td', { text: v.author || '' }),
      el('td', { text: v.rules + (v.live ? ' (live)' : '') }),
      el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => run(() => rollback(v.version)), 'aria-label': 'Roll back to version ' + v.version, text: 'Roll back' })));
  }

  function auditRow(e) {
    return el('tr', {},
      el('td', { text: candor.when(e.time) }), el('td', { text: e.who }),
      el('td', { text: e.action + ' ' + e.ruleset + ' v' + e.version + (e.previous ? ' (was v' + e.previous + ')' : '') }),
      el('td', { text: diffText(e.diff) }));
  }

  async function loadHistory() {
    let versions = [];
    try {
      versions = (await call('GET', rs() + '/versions')).versions || [];
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    $('versions').replaceChildren(...rowsOr(versions.slice().reverse().map(versionRow), 5, 'No version published yet.'));
    const entries = (await call('GET', '/v1/audit')).entries || [];
    $('audit').replaceChildren(...rowsOr(entries.slice().reverse().map(auditRow), 4, 'Nothing published or rolled back yet.'));
  }

  function diffText(d) {
    if (!d) return '';
    const parts = [];
    if (d.added && d.added.length) parts.push('added ' + d.added.join(', '));
    if (d.removed && d.removed.length) parts.push('removed ' + d.removed.join(', '));
    for (const c of d.changed || []) parts.push('changed ' + c.id + ' (' + c.fields.join(', ') + ')');
    return parts.join('; ') || 'no rule changes';
  }

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

  const counts = (m) => Object.entries(m || {}).map(([k, n]) => k.replaceAll('_', ' ') + ' ' + n).join(', ');

  async function simulate() {
    const s = await call('POST', '/v1/actions/simulate', { customers: sample(), channel: $('channel').value, draft: true });
    const ids = [...new Set([...Object.keys(s.per_action || {}), ...Object.keys(s.suppressed || {})])].sort();
    const rows = ids.map((id) => el('tr', {}, el('th', { scope: 'row', text: id }), el('td', { text: String((s.per_action || {})[id] || 0) }),
      el('td', { text: counts((s.suppressed || {})[id]) || '—' })));
    $('simulation').replaceChildren(
      el('p', { text: 'Of ' + s.customers + ' sample customers on ' + s.channel + ', ' + s.none + ' would get no action' + (s.none ? ' (' + counts(s.none_why) + ')' : '') + '.' }),
      el('div', { class: 'table-wrap' }, el('table', { id: 'simulation-table' }, el('thead', {}, el('tr', {}, ...['Action', 'Would get it', 'Held back, and why'].map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, ...rows))));
  }

  function metricsText(m) {
    const ks = Object.keys(m || {}).sort();
    return ks.length ? ks.map((k) => k + ' ' + Number(m[k]).toFixed(3)).join(', ') : 'not evaluated';
  }

  async function loadModels() {
    const r = await call('GET', '/v1/models');
    const ms = r.models || [];
    $('models').replaceChildren(...ms.map((m) => el('tr', {}, el('td', { text: m.version }), el('td', { text: candor.when(m.trained_at) }),
      el('td', { text: m.users + ' customers, ' + m.items + ' items, ' + m.interactions + ' interactions' }),
      el('td', { text: metricsText(m.metrics) }), el('td', { text: m.live ? 'live' : '' }))));
  }

  // Consent scenarios of `candor eval`, from most private to least.
  const scenarios = ['none', 'declared-only', 'purchases-only', 'full'];

  // loadEval reads `candor eval --json --consent-scenario all` output (one
  // result per line) and draws nDCG against consent level per model.
  async function loadEval(file) {
    const results = (await file.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const byModel = {};
    for (const r of results) if (scenarios.includes(r.scenario)) (byModel[r.model] ||= {})[r.scenario] = r.ndcg_at_k;
    const models = Object.keys(byModel).sort();
    if (!models.length) throw new Error('No per-scenario results in that file; run candor eval --json --consent-scenario all.');
    $('chart').replaceChildren(privacyChart(byModel, models), evalTable(byModel, models));
  }

  function evalTable(byModel, models) {
    const fmt = (v) => (v === undefined ? '—' : v.toFixed(4));
    return el('div', { class: 'table-wrap' }, el('table', { id: 'eval-table' },
      el('caption', { text: 'nDCG by consent level' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Model' }), ...scenarios.map((s) => el('th', { scope: 'col', text: s })))),
      el('tbody', {}, ...models.map((m) => el('tr', {}, el('th', { scope: 'row', text: m }), ...scenarios.map((s) => el('td', { text: fmt(byModel[m][s]) })))))));
  }

  function privacyChart(byModel, models) {
    const ns = 'http://www.w3.org/2000/svg', W = 340, H = 210, pad = 40;
    const svg = document.createElementNS(ns, 'svg');
    const mk = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text) n.textContent = text; svg.append(n); return n; };
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Utility (nDCG) against consent level, from most private to least; the table below has the numbers.');
    const max = Math.max(...models.flatMap((m) => scenarios.map((s) => byModel[m][s] || 0)), 1e-9);
    const x = (i) => pad + i * (W - 2 * pad) / (scenarios.length - 1), y = (v) => H - pad - v / max * (H - 2 * pad - 10);
    mk('line', { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, stroke: '#1b1b1f' });
    mk('line', { x1: pad, y1: H - pad, x2: pad, y2: 20, stroke: '#1b1b1f' });
    scenarios.forEach((s, i) => mk('text', { x: x(i), y: H - pad + 14 + (i % 2) * 12, 'text-anchor': 'middle' }, s));
    mk('text', { x: 4, y: 12 }, 'nDCG (max ' + max.toFixed(3) + '); more private to the left');
    const colours = ['#0a56c2', '#a4001c', '#116329', '#6d3a00'];
    models.forEach((m, j) => {
      const pts = scenarios.map((s, i) => [s, i]).filter(([s]) => byModel[m][s] !== undefined);
      mk('polyline', { fill: 'none', stroke: colours[j % 4], 'stroke-width': 2, 'data-model': m, points: pts.map(([s, i]) => x(i) + ',' + y(byModel[m][s])).join(' ') });
      mk('text', { x: W - pad + 2, y: y(byModel[m].full || 0), fill: colours[j % 4] }, m);
    });
    return svg;
  }

  async function useKey(k) {
    key = k;
    const who = await call('GET', '/v1/whoami');
    sessionStorage.setItem('candor.key', k);
    $('whoami').textContent = 'Signed in with key “' + who.name + '” (' + who.role + '). The key stays in this browser tab only.';
    $('console').hidden = false;
    const demo = await candor.demoSession();
    if (demo && !$('sample').value) $('sample').value = demo.customers.map((c) => c.id).join(', ');
    await Promise.all([loadDraft(), loadHistory(), loadActions(), loadModels()]);
  }

  function wire() {
    $('key-form').addEventListener('submit', (e) => { e.preventDefault(); run(() => useKey($('key').value.trim())); });
    for (const f of ['rules-form', 'actions-form']) $(f).addEventListener('submit', (e) => e.preventDefault());
    const on = (id, fn) => $(id).addEventListener('click', () => run(fn));
    on('load-draft', loadDraft);
    on('validate', validate);
    on('publish', publish);
    on('preview', preview);
    on('load-actions', loadActions);
    on('save-actions', saveActions);
    on('publish-actions', async () => { await call('POST', '/v1/actions/publish'); candor.say($('status'), 'Action catalog published; it is live now.'); });
    on('simulate', simulate);
    $('eval-file').addEventListener('change', () => run(() => loadEval($('eval-file').files[0])));
  }

  wire();
  const k = candor.takeSecret('key');
  if (k) {
    $('key').value = k;
    run(() => useKey(k));
  }
})();
