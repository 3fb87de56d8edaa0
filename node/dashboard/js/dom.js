// dom — small helpers to build the pages: elements (text only, never HTML from data), the
// loading / error / empty states, badges, a sortable and filterable table, CSV downloads.

import { t, pick, num } from './i18n.js';

// h('a', {href, class, onclick, 'aria-label'}, child, [children], 'text')
// style is an object set through the CSSOM ({ inlineSize: '40%' }): the node's
// Content-Security-Policy (node/daemon/live.h) blocks style attributes.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false) continue;
			if (k === 'class') el.className = v;
			else if (k === 'text') el.textContent = v;
			else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
			else if (k === 'dataset') Object.assign(el.dataset, v);
			else if (k === 'style') Object.assign(el.style, v);
			else el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild) el.removeChild(el.firstChild);
	return el;
}

// A {fr, ar, en} text as a span marked with the language it is really in.
export function txt(text, tag = 'span') {
	const p = pick(text);
	const el = document.createElement(tag);
	el.textContent = p.s;
	if (p.lang) {
		el.lang = p.lang;
		el.dir = p.lang === 'ar' ? 'rtl' : 'ltr';
	}
	return el;
}

// States. kind: loading | error | empty | warning | ok
export function state(kind, title, detail, action) {
	const role = kind === 'error' ? 'alert' : 'status';
	return h('div', { class: `state state-${kind}`, role, 'data-state': kind },
		h('p', { class: 'state-title' }, title),
		detail ? h('p', { class: 'state-detail' }, detail) : null,
		action || null);
}

export function loading() {
	return state('loading', t('state.loading'));
}

// The state for an ApiError (or anything thrown), with a retry button when given.
export function errorState(err, retry) {
	const btn = retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, t('state.retry')) : null;
	if (err && err.kind === 'unreachable')
		return state('error', t('state.unreachable'), t('state.unreachable.detail'), btn);
	if (err && err.kind === 'http')
		return state('error', t('state.http'), `${err.status} — ${err.reason} (${err.path})`, btn);
	if (err && err.kind === 'parse')
		return state('error', t('state.badjson'), err.path, btn);
	return state('error', t('app.error'), String(err && err.message || err), btn);
}

export function badge(kind, label, extra) {
	return h('span', { class: `badge badge-${kind}`, ...extra }, label);
}

export function statusBadge(status) {
	const s = ['compliant', 'at_risk', 'non_compliant'].includes(status) ? status : 'unknown';
	return badge(s, t(`status.${s}`), { 'data-status': s });
}

export function progressBar(pct, label) {
	const v = Math.max(0, Math.min(100, Number(pct) || 0));
	return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(v), 'aria-label': label || t('m.progress') },
		h('div', { class: 'progress-bar', style: { inlineSize: `${v}%` } }),
		h('span', { class: 'progress-text' }, `${num(v, 0)} %`));
}

export function section(title, ...children) {
	const id = `s-${Math.random().toString(36).slice(2, 9)}`;
	return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

// Screen-reader announcement (aria-live region in index.html).
let announceTimer = 0;
export function announce(msg) {
	const el = document.getElementById('announcer');
	if (!el) return;
	clearTimeout(announceTimer);
	announceTimer = setTimeout(() => { el.textContent = msg; }, 100);
}

// ---- CSV ----

function csvCell(v) {
	const s = v === null || v === undefined ? '' : String(v);
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCSV(header, rows) {
	return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function download(filename, text, type = 'text/csv;charset=utf-8') {
	// A BOM so that spreadsheet programs read the Arabic and accented names as UTF-8.
	const blob = new Blob(['\ufeff', text], { type });
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: filename, hidden: true });
	document.body.appendChild(a);
	a.click();
	setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}

// ---- table ----
//
// columns: [{key, label, value: row => sortable value, cell: row => Node|string, num: bool,
//            csv: row => string (default value), sortable: true}]
// opts: {caption, rows, sortKey, sortDir, pageSize, rowAttrs: row => attrs, empty}
export function table(columns, opts) {
	let rows = opts.rows || [];
	let sortKey = opts.sortKey || null;
	let sortDir = opts.sortDir || 1;
	let limit = opts.pageSize || Infinity;
	const tbody = h('tbody');
	const heads = columns.map((c) => {
		if (c.sortable === false) return h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label);
		const btn = h('button', { type: 'button', class: 'sort', 'aria-label': t('f.sort', { col: c.label }) }, c.label, h('span', { class: 'sort-icon', 'aria-hidden': 'true' }));
		const th = h('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': 'none', 'data-key': c.key }, btn);
		btn.addEventListener('click', () => {
			if (sortKey === c.key) sortDir = -sortDir;
			else { sortKey = c.key; sortDir = c.num ? -1 : 1; }
			render();
		});
		return th;
	});
	const caption = opts.caption ? h('caption', { class: opts.captionVisible ? null : 'sr-only' }, opts.caption) : null;
	// At phone width (app.css) the rows become cards, each cell named by its column (data-label).
	const tbl = h('table', { class: 'data cards-narrow' }, caption, h('thead', null, h('tr', null, heads)), tbody);
	const foot = h('div', { class: 'table-foot' });
	const wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.caption || '' }, tbl);
	const root = h('div', { class: 'table-block' }, wrap, foot);

	function sorted() {
		if (!sortKey) return rows;
		const col = columns.find((c) => c.key === sortKey);
		const val = col.value || ((r) => r[col.key]);
		const coll = new Intl.Collator(document.documentElement.lang || 'fr', { numeric: true, sensitivity: 'base' });
		return rows.slice().sort((a, b) => {
			const x = val(a), y = val(b);
			const xn = x === null || x === undefined || x === '', yn = y === null || y === undefined || y === '';
			if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;   // missing values last, both ways
			const c = typeof x === 'number' && typeof y === 'number' ? x - y : coll.compare(String(x), String(y));
			return c * sortDir;
		});
	}

	function render() {
		for (const th of heads) {
			const k = th.dataset.key;
			if (k) th.setAttribute('aria-sort', k === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
		}
		const list = sorted();
		const frag = document.createDocumentFragment();
		const n = Math.min(list.length, limit);
		for (let i = 0; i < n; i++) {
			const r = list[i];
			const tr = h('tr', opts.rowAttrs ? opts.rowAttrs(r) : null);
			for (const c of columns) {
				// what the column shows: its cell, else its value (a row's own field only
				// when the column says neither)
				const v = c.cell ? c.cell(r) : c.value ? c.value(r) : r[c.key];
				const td = c.header ? h('th', { scope: 'row' }) : h('td', { 'data-label': typeof c.label === 'string' ? c.label : null });
				if (c.num) td.className = 'num';
				if (v instanceof Node) td.appendChild(v);
				else td.textContent = v === null || v === undefined ? '' : String(v);
				tr.appendChild(td);
			}
			frag.appendChild(tr);
		}
		clear(tbody).appendChild(frag);
		clear(foot);
		if (!list.length) foot.appendChild(state('empty', opts.empty || t('state.nomatch')));
		else foot.appendChild(h('p', { class: 'muted', 'data-shown': String(n) }, t('f.shown', { n: num(n), total: num(list.length) })));
		if (n < list.length) {
			const step = opts.pageSize || 100;
			foot.appendChild(h('button', { type: 'button', class: 'btn', onclick: () => { limit += step; render(); } }, t('f.more', { n: num(Math.min(step, list.length - n)) })));
		}
	}

	render();
	return {
		el: root,
		table: tbl,
		setRows(r) { rows = r; limit = opts.pageSize || Infinity; render(); },
		rows() { return sorted(); },
		render,
	};
}

// A table that becomes cards at phone width (app.css): each body cell named by its column's
// heading (data-label). Returns the table.
export function cards(tbl) {
	const heads = tbl.tHead ? [...tbl.tHead.rows[0].cells].map((c) => c.textContent.trim()) : [];
	for (const body of tbl.tBodies) {
		for (const tr of body.rows) {
			[...tr.cells].forEach((c, i) => { if (c.tagName === 'TD' && heads[i] && !c.dataset.label) c.dataset.label = heads[i]; });
		}
	}
	tbl.classList.add('cards-narrow');
	return tbl;
}

// The CSV of what a table shows (all filtered rows, in its order).
export function tableCSV(columns, rows) {
	const cols = columns.filter((c) => c.csv !== false);
	return toCSV(cols.map((c) => c.csvName || c.key), rows.map((r) => cols.map((c) => (c.csv ? c.csv(r) : c.value ? c.value(r) : r[c.key]))));
}

// A button that prints the page (app.css's print stylesheet leaves out the navigation, the
// filters and the buttons).
export function printButton() {
	return h('button', { type: 'button', class: 'btn no-print', 'data-action': 'print', onclick: () => window.print() }, t('f.print'));
}

export function field(label, control) {
	const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
	control.id = id;
	return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

export function select(options, value, onchange) {
	const s = h('select', { onchange: (e) => onchange(e.target.value) },
		options.map(([v, label]) => h('option', { value: v, selected: v === value ? true : null }, label)));
	return s;
}

export function short(s, n = 12) {
	const str = String(s || '');
	return str.length > n ? `${str.slice(0, n)}…` : str;
}
