// Rules in words and back: the console's rule form builds a rule's `when`
// condition from simple conditions, reads one back into them, and
// describes any rule in a sentence. Pure functions, no page access.
'use strict';

const candorRules = (() => {
  const quote = (s) => JSON.stringify(String(s));
  const list = (xs) => '[' + xs.map(quote).join(', ') + ']';
  const words = (xs) => (xs.length < 2 ? xs.join('') : xs.slice(0, -1).join(', ') + ' or ' + xs[xs.length - 1]);
  const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replaceAll('-', ' ') : s);

  // The rule types, in the order the form offers them.
  const types = {
    boost: 'Show matching items higher (boost)',
    bury: 'Show matching items lower (bury)',
    pin: 'Put an item at a fixed position (pin)',
    filter: 'Hide matching items (filter)',
    exclude_purchased: 'Hide what the customer already bought (exclude)',
    diversity: 'Mix the list: at most a few per category or brand (diversity)',
    limit: 'Show at most a few matching items (limit)',
  };

  // The simple conditions the builder offers: how each becomes expr and
  // how it reads.
  const kinds = {
    category: { label: 'Item is in category', values: true },
    brand: { label: 'Item is of brand', values: true },
    item: { label: 'Item is one of', values: true },
    price: { label: 'Item price is between' },
    favourite: { label: "Item is in one of the customer's favourite categories (needs their stated preferences)" },
    country: { label: "Customer's country is (needs their location)", values: true },
    weekday: { label: 'Day of the week is', values: true },
  };

  function categoryExpr(values) {
    const tops = values.filter((v) => !v.includes('/'));
    const parts = [];
    if (tops.length === 1) parts.push('item.category == ' + quote(tops[0]));
    if (tops.length > 1) parts.push('item.category in ' + list(tops));
    for (const v of values.filter((x) => x.includes('/'))) {
      const [top, sub] = v.split('/');
      parts.push('(item.category == ' + quote(top) + ' && ' + quote(sub) + ' in item.category_path)');
    }
    return parts.length > 1 ? '(' + parts.join(' || ') + ')' : parts[0];
  }

  const oneOrIn = (field, values) => (values.length === 1 ? field + ' == ' + quote(values[0]) : field + ' in ' + list(values));

  // exprOf turns one simple condition into expr; '' when it is incomplete.
  function exprOf(c) {
    const v = c.values || [];
    switch (c.kind) {
      case 'category': return v.length ? categoryExpr(v) : '';
      case 'brand': return v.length ? oneOrIn('item.brand', v) : '';
      case 'item': return v.length ? oneOrIn('item.id', v) : '';
      case 'country': return v.length ? oneOrIn('customer.location.country', v.map((x) => x.toUpperCase())) : '';
      case 'weekday': return v.length ? 'context.weekday in ' + list(v) : '';
      case 'favourite': return 'item.category in customer.declared.favourite_categories';
      case 'price': {
        const parts = [];
        if (c.min !== undefined && c.min !== '') parts.push('item.price >= ' + Number(c.min));
        if (c.max !== undefined && c.max !== '') parts.push('item.price <= ' + Number(c.max));
        return parts.join(' && ');
      }
    }
    return '';
  }

  // toWhen joins the simple conditions with "and".
  const toWhen = (conds) => conds.map(exprOf).filter(Boolean).join(' && ');

  // splitAnd splits expr at its top-level && (outside brackets and strings).
  function splitAnd(expr) {
    const out = [];
    let depth = 0, str = false, start = 0;
    for (let i = 0; i < expr.length; i++) {
      const ch = expr[i];
      if (str) { if (ch === '\\') i++; else if (ch === '"') str = false; continue; }
      if (ch === '"') str = true;
      else if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
      else if (depth === 0 && expr.startsWith('&&', i)) { out.push(expr.slice(start, i).trim()); start = i + 2; i++; }
    }
    out.push(expr.slice(start).trim());
    return out.filter(Boolean);
  }

  const strings = (s) => { try { const v = JSON.parse(s); return Array.isArray(v) ? v.map(String) : [String(v)]; } catch (_) { return null; } };
  const sub = /^\(item\.category == ("(?:[^"\\]|\\.)*") && ("(?:[^"\\]|\\.)*") in item\.category_path\)$/;

  // parseCategory reads what categoryExpr wrote, or null.
  function parseCategory(p) {
    const inner = p.startsWith('(') && p.endsWith(')') && !sub.test(p) ? p.slice(1, -1) : p;
    const values = [];
    for (const part of inner.split(' || ').map((x) => x.trim())) {
      let m;
      if ((m = /^item\.category == (".*")$/.exec(part))) values.push(...strings(m[1]));
      else if ((m = /^item\.category in (\[.*\])$/.exec(part))) values.push(...strings(m[1]));
      else if ((m = sub.exec(part))) values.push(JSON.parse(m[1]) + '/' + JSON.parse(m[2]));
      else return null;
    }
    return { kind: 'category', values };
  }

  // parseOne reads one conjunct back into a simple condition, or null.
  function parseOne(p) {
    let m;
    const fields = { 'item.brand': 'brand', 'item.id': 'item', 'customer.location.country': 'country' };
    if ((m = /^(item\.brand|item\.id|customer\.location\.country) (?:==|in) ((?:".*")|(?:\[.*\]))$/.exec(p)) && strings(m[2])) return { kind: fields[m[1]], values: strings(m[2]) };
    if ((m = /^context\.weekday in (\[.*\])$/.exec(p)) && strings(m[1])) return { kind: 'weekday', values: strings(m[1]) };
    if (p === 'item.category in customer.declared.favourite_categories') return { kind: 'favourite' };
    if ((m = /^item\.price (>=|<=) (-?[\d.]+)$/.exec(p))) return { kind: 'price', [m[1] === '>=' ? 'min' : 'max']: m[2] };
    if (p.includes('item.category')) return parseCategory(p);
    return null;
  }

  // parseWhen reads a condition the builder could have written into simple
  // conditions; null when it needs the expression editor.
  function parseWhen(expr) {
    if (!expr || !expr.trim()) return [];
    const out = [];
    for (const p of splitAnd(expr.trim())) {
      const c = parseOne(p);
      if (!c) return null;
      const prev = out.find((x) => x.kind === 'price' && c.kind === 'price');
      if (prev) Object.assign(prev, c); else out.push(c);
    }
    return out;
  }

  // whatText says which items simple conditions pick, e.g. "items in
  // Kitchen or Home of brand Oak".
  function whatText(conds, titles) {
    const item = conds.find((c) => c.kind === 'item');
    let s = item ? words(item.values.map((id) => '“' + (titles[id] || id) + '”')) : 'items';
    for (const c of conds) {
      const v = c.values || [];
      if (c.kind === 'category') s += ' in ' + words(v.map((x) => x.split('/').map(capital).join(' › ')));
      if (c.kind === 'brand') s += ' of brand ' + words(v);
      if (c.kind === 'price') s += priceText(c);
      if (c.kind === 'favourite') s += " in the customer's favourite categories";
    }
    return s;
  }

  function priceText(c) {
    const has = (x) => x !== undefined && x !== '';
    if (has(c.min) && has(c.max)) return ' priced ' + c.min + '–' + c.max;
    if (has(c.min)) return ' priced ' + c.min + ' or more';
    if (has(c.max)) return ' priced up to ' + c.max;
    return '';
  }

  // whenText says for whom and when simple conditions apply.
  function whenText(conds) {
    let s = '';
    for (const c of conds) {
      if (c.kind === 'country') s += ' for customers in ' + words(c.values.map((x) => x.toUpperCase()));
      if (c.kind === 'weekday') s += ' on ' + words(c.values.map(capital));
    }
    return s;
  }

  const factorText = (f) => '×' + Number(f);

  // describe says what a rule does in one sentence.
  function describe(rule, titles) {
    const a = rule.action || {};
    const conds = parseWhen(rule.when);
    const what = conds ? whatText(conds, titles || {}) : 'items where ' + rule.when;
    let s;
    switch (a.type) {
      case 'boost': s = 'Show ' + what + ' higher' + (a.factor ? ' (' + factorText(a.factor) + ')' : '') + (a.add ? ' (+' + a.add + ')' : ''); break;
      case 'bury': s = 'Show ' + what + ' lower' + (a.factor ? ' (' + factorText(a.factor) + ')' : '') + (a.add ? ' (' + a.add + ')' : ''); break;
      case 'pin': s = 'Put ' + (a.item_id ? '“' + ((titles || {})[a.item_id] || a.item_id) + '”' : 'the best-ranked of ' + what) + ' at position ' + a.slot; break;
      case 'filter': s = 'Hide ' + what; break;
      case 'exclude_purchased': s = 'Hide ' + (what === 'items' ? 'items' : what) + ' the customer already bought' + (a.lookback ? ' within ' + a.lookback.replace(/d$/, ' days') : ''); break;
      case 'diversity': s = 'Show at most ' + a.max + ' ' + (what === 'items' ? 'items' : what) + ' per ' + a.field; break;
      case 'limit': s = 'Show at most ' + a.max + ' ' + what; break;
      default: s = (a.type || 'Unknown action') + ' ' + what;
    }
    s += conds ? whenText(conds) : '';
    if (rule.placements && rule.placements.length) s += ' (' + words(rule.placements.map((p) => p + ' page')) + ' only)';
    if (rule.from) s += ', from ' + rule.from.slice(0, 10);
    if (rule.until) s += ', until ' + rule.until.slice(0, 10);
    return s + '.';
  }

  // slug makes a rule ID part from a value: "Home › Lighting" → "home-lighting".
  const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'rule';

  // suggestId names a new rule after its type and first value, unique in taken.
  function suggestId(rule, taken) {
    const conds = parseWhen(rule.when) || [];
    const first = conds.find((c) => c.values && c.values.length);
    const base = rule.action.type.replace('_purchased', '') + (first ? '-' + slug(first.values[0]) : '');
    let id = base;
    for (let n = 2; taken.includes(id); n++) id = base + '-' + n;
    return id;
  }

  return { types, kinds, exprOf, toWhen, parseWhen, splitAnd, describe, suggestId };
})();
