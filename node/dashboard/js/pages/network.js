// Network — every member by region and kind with its log size, last witness, compliance and
// this node's replication of its log; search and filters; national counts and the trend.
// Log sizes follow the live updates; the last witness is read only for rows on screen.

import { getJSON, seg } from '../api.js';
import { t, num, date, ago, pick } from '../i18n.js';
import { h, cards, state, section, table, tableCSV, download, field, select, statusBadge, announce, loading, errorState, clear } from '../dom.js';
import { directory, regionLabel, kindLabel, replState, replBadge, suspendedBadge, suspensionState, pageBody, loadInto, norm } from './common.js';
import { observers, observersSection } from './observer.js';
import * as charts from '../charts.js';

const filters = { q: '', region: '', kind: '', status: '', repl: '' };
const witnessed = new Map();   // slug → {size, time}

export default async function network(ctx) {
	const { signal } = ctx;
	const body = pageBody(ctx, 'net');
	const dir = await loadInto(ctx, body, directory);
	if (!dir) return;
	clear(body);
	const rows = dir.list;
	const ov = dir.overview;

	// ---- national figures ----
	const held = rows.filter((r) => r.log);
	const entries = () => rows.reduce((a, r) => a + (r.size || 0), 0);
	const entriesEl = h('span', { class: 'stat-value', 'data-stat': 'entries' }, num(entries()));
	const counts = (ov && ov.counts) || { members: rows.length, compliant: 0, atRisk: 0, nonCompliant: 0 };
	const stat = (label, value, key, cls) => h('div', { class: `stat ${cls || ''}` }, value instanceof Node ? value : h('span', { class: 'stat-value', 'data-stat': key }, value), h('span', { class: 'stat-label' }, label));
	body.append(h('div', { class: 'stats', role: 'list' },
		[stat(t('net.members'), num(counts.members), 'members'),
			stat(t('net.logs'), num(held.length), 'logs'),
			stat(t('net.entries'), entriesEl, 'entries'),
			stat(t('status.compliant'), num(counts.compliant), 'compliant', 'stat-ok'),
			stat(t('status.at_risk'), num(counts.atRisk), 'at_risk', 'stat-warn'),
			stat(t('status.non_compliant'), num(counts.nonCompliant), 'non_compliant', 'stat-bad'),
			stat(t('net.forked'), num(dir.forked.size), 'forked', dir.forked.size ? 'stat-bad' : ''),
			counts.suspended ? stat(t('net.suspended'), num(counts.suspended), 'suspended', 'stat-bad') : null,
		].filter(Boolean).map((s) => { s.setAttribute('role', 'listitem'); return s; })));
	// This node's own member suspended: say it first, it is why publishing is refused here.
	const ownSuspended = rows.find((r) => r.own && r.suspended);
	if (ownSuspended) body.append(suspensionState(ownSuspended));
	if (ov && ov.asOf) body.append(h('p', { class: 'muted' }, t('net.asOf', { date: date(ov.asOf) })));
	if (dir.forked.size) {
		body.append(state('error', t('state.forked'), t('state.forked.detail'),
			h('ul', null, [...dir.forked].map((o) => h('li', null, o)))));
	}

	if (!rows.length) {
		body.append(state('empty', t('state.nomembers'), t('state.nomembers.detail')));
		return;
	}

	// ---- trend and breakdowns ----
	const trend = (ov && ov.trend) || [];
	const grid = h('div', { class: 'grid-2' });
	if (trend.length) {
		const { fig, canvas } = charts.figure(t('net.trend'));
		grid.append(section(t('net.trend'), fig, trendTable(trend)));
		queueMicrotask(() => charts.lines(canvas, trend.map((p) => date(p.date)),
			[{ label: t('net.meanScore'), data: trend.map((p) => (p.members ? p.meanScore : null)), color: charts.COLORS.main }],
			{ min: 0, yTitle: t('net.meanScore') }));
	}
	const byRegion = (ov && ov.byRegion) || [];
	if (byRegion.length) {
		const { fig, canvas } = charts.figure(t('net.byRegion'));
		const labels = byRegion.map((r) => regionLabel(dir, r.region, r.regionName));
		grid.append(section(t('net.byRegion'), fig, tallyTable(byRegion, (r) => regionLabel(dir, r.region, r.regionName), t('col.region')),
			tallyTable((ov && ov.byKind) || [], (r) => kindLabel(r.kind), t('col.kind'))));
		queueMicrotask(() => charts.stackedBars(canvas, labels, [
			{ label: t('status.compliant'), data: byRegion.map((r) => r.compliant), color: '#1b7f4b' },
			{ label: t('status.at_risk'), data: byRegion.map((r) => r.atRisk), color: '#c27c0e' },
			{ label: t('status.non_compliant'), data: byRegion.map((r) => r.nonCompliant), color: '#b42318' },
		]));
	}
	body.append(grid);

	// ---- the member list ----
	const regionOpts = [...new Set(rows.map((r) => r.region).filter(Boolean))].sort().map((c) => [c, regionLabel(dir, c)]);
	const kindOpts = [...new Set(rows.map((r) => r.kind).filter(Boolean))].sort().map((k) => [k, kindLabel(k)]);
	const all = ['', t('f.all')];
	const search = h('input', { type: 'search', value: filters.q, placeholder: t('f.search.ph'), autocomplete: 'off', 'data-filter': 'q' });
	const controls = h('div', { class: 'filters', role: 'search' },
		field(t('f.search'), search),
		field(t('f.region'), select([all, ...regionOpts], filters.region, (v) => { filters.region = v; apply(); })),
		field(t('f.kind'), select([all, ...kindOpts], filters.kind, (v) => { filters.kind = v; apply(); })),
		field(t('f.status'), select([all, ...['compliant', 'at_risk', 'non_compliant'].map((s) => [s, t(`status.${s}`)])], filters.status, (v) => { filters.status = v; apply(); })),
		field(t('f.repl'), select([all, ...['own', 'replica', 'absent', 'forked'].map((s) => [s, t(`repl.${s}`)])], filters.repl, (v) => { filters.repl = v; apply(); })));
	let searchTimer = 0;
	search.addEventListener('input', () => {
		clearTimeout(searchTimer);
		searchTimer = setTimeout(() => { filters.q = search.value; apply(); }, 120);
	});

	const sizeCells = new Map();
	const witnessCells = new Map();
	const io = 'IntersectionObserver' in window ? new IntersectionObserver(onVisible, { rootMargin: '800px' }) : null;
	signal.addEventListener('abort', () => io && io.disconnect());

	const cols = [
		{ key: 'name', label: t('col.name'), header: true, value: (r) => pick(r.name).s || r.member, csv: (r) => pick(r.name).s || r.member, csvName: 'name',
			cell: (r) => { const p = pick(r.name); return h('a', { href: `#/member/${seg(r.member)}`, lang: p.lang || null }, p.s || r.member); } },
		{ key: 'member', label: t('col.slug'), value: (r) => r.member, cell: (r) => h('code', null, r.member) },
		{ key: 'kind', label: t('col.kind'), value: (r) => kindLabel(r.kind), csv: (r) => r.kind, cell: (r) => kindLabel(r.kind) },
		{ key: 'region', label: t('col.region'), value: (r) => regionLabel(dir, r.region, r.regionName), csv: (r) => r.region, cell: (r) => regionLabel(dir, r.region, r.regionName) },
		{ key: 'size', label: t('col.size'), num: true, value: (r) => r.size, csv: (r) => (r.size === null ? '' : r.size),
			cell: (r) => { const el = h('span', { 'data-size': r.origin }, r.size === null ? t('none') : num(r.size)); sizeCells.set(r.origin, el); return el; } },
		{ key: 'witnessed', label: t('col.witnessed'), value: (r) => (witnessed.get(r.member) || {}).time || '', csv: (r) => (witnessed.get(r.member) || {}).time || '',
			cell: (r) => witnessCell(r) },
		{ key: 'status', label: t('col.status'), value: (r) => r.status, csv: (r) => r.status, cell: (r) => (r.suspended ? h('span', null, statusBadge(r.status), ' ', suspendedBadge(r)) : statusBadge(r.status)) },
		{ key: 'score', label: t('col.score'), num: true, value: (r) => r.score },
		{ key: 'repl', label: t('col.repl'), value: (r) => t(`repl.${replState(r)}`), csv: (r) => replState(r), cell: (r) => replBadge(r) },
	];

	function witnessCell(r) {
		const el = h('span', { 'data-witnessed': r.member }, r.log ? '…' : t('none'));
		if (r.log) {
			witnessCells.set(r.member, { el, row: r });
			const w = witnessed.get(r.member);
			if (w && w.size === r.size) fillWitness(el, w);
			else if (io) io.observe(el);
		}
		return el;
	}

	function fillWitness(el, w) {
		el.textContent = w.time ? ago(w.time) : t('never');
		if (w.time) el.title = w.time;
	}

	let inflight = 0;
	const queue = [];
	function onVisible(entriesSeen) {
		for (const e of entriesSeen) {
			if (!e.isIntersecting) continue;
			io.unobserve(e.target);
			queue.push(e.target.dataset.witnessed);
		}
		pump();
	}
	function pump() {
		while (inflight < 4 && queue.length && !signal.aborted) {
			const slug = queue.shift();
			const c = witnessCells.get(slug);
			if (!c) continue;
			inflight++;
			getJSON(`/api/v1/logs/${seg(slug)}/witnesses`, { signal })
				.then((w) => {
					const times = ((w && w.witnesses) || []).map((x) => x.time).filter(Boolean).sort();
					const v = { size: c.row.size, time: times.length ? times[times.length - 1] : null };
					witnessed.set(slug, v);
					fillWitness(c.el, v);
				})
				.catch(() => { c.el.textContent = t('none'); })
				.finally(() => { inflight--; pump(); });
		}
	}

	const tbl = table(cols, {
		caption: t('net.list'),
		rows: [],
		sortKey: 'name',
		pageSize: 100,
		rowAttrs: (r) => ({ 'data-member': r.member }),
	});
	const csvBtn = h('button', { type: 'button', class: 'btn', onclick: () => download('remacto-network.csv', tableCSV(cols, tbl.rows())) }, t('f.csv'));
	body.append(section(t('net.list'), controls, h('div', { class: 'actions' }, csvBtn), tbl.el));
	const obs = observersSection(dir, await observers(signal));
	if (obs) body.append(obs);

	function apply() {
		const q = norm(filters.q);
		sizeCells.clear();
		witnessCells.clear();
		tbl.setRows(rows.filter((r) => {
			if (filters.region && r.region !== filters.region) return false;
			if (filters.kind && r.kind !== filters.kind) return false;
			if (filters.status && r.status !== filters.status) return false;
			if (filters.repl && replState(r) !== filters.repl) return false;
			if (q) {
				const hay = norm([r.member, r.origin, r.name && r.name.fr, r.name && r.name.ar, r.name && r.name.en].join(' '));
				if (!hay.includes(q)) return false;
			}
			return true;
		}));
	}
	apply();

	// ---- live updates: sizes change in place ----
	ctx.onLive((m) => {
		if (m.resync) { ctx.rerender(); return; }
		const r = rows.find((x) => x.origin === m.origin);
		if (!r || (r.size !== null && m.size <= r.size)) return;
		r.size = m.size;
		const el = sizeCells.get(m.origin);
		if (el && el.isConnected) {
			el.textContent = num(m.size);
			el.classList.remove('flash');
			void el.offsetWidth;
			el.classList.add('flash');
		}
		entriesEl.textContent = num(entries());
		announce(t('live.size', { name: pick(r.name).s || r.member, n: num(m.size) }));
	});
}

function trendTable(trend) {
	return h('details', null, h('summary', null, t('m.datatable')),
		h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data' },
			h('thead', null, h('tr', null, [t('col.updated'), t('col.members'), t('status.compliant'), t('status.at_risk'), t('status.non_compliant'), t('net.meanScore')].map((c) => h('th', { scope: 'col' }, c)))),
			h('tbody', null, trend.map((p) => h('tr', null,
				h('th', { scope: 'row' }, date(p.date)), h('td', { class: 'num' }, num(p.members)), h('td', { class: 'num' }, num(p.compliant)),
				h('td', { class: 'num' }, num(p.atRisk)), h('td', { class: 'num' }, num(p.nonCompliant)), h('td', { class: 'num' }, num(p.meanScore, 1)))))))));
}

function tallyTable(list, label, colLabel) {
	if (!list.length) return null;
	return h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data compact' },
		h('thead', null, h('tr', null, [colLabel, t('col.members'), t('status.compliant'), t('status.at_risk'), t('status.non_compliant')].map((c) => h('th', { scope: 'col' }, c)))),
		h('tbody', null, list.map((r) => h('tr', null, h('th', { scope: 'row' }, label(r)), h('td', { class: 'num' }, num(r.members)),
			h('td', { class: 'num' }, num(r.compliant)), h('td', { class: 'num' }, num(r.atRisk)), h('td', { class: 'num' }, num(r.nonCompliant))))))));
}
