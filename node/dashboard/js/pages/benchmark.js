// Benchmark — for councils: one national catalog indicator across a peer group, as a ranked
// bar chart with the group's median and the chosen member highlighted, the table behind it
// (missing reports listed as missing), the member's time series against its group's median,
// and CSV downloads.

import { getJSON, getAll, seg, ApiError } from '../api.js';
import { t, num, pick, period, periodEnd, has } from '../i18n.js';
import { h, cards, txt, state, section, table, tableCSV, download, field, select, loading, errorState, clear, badge, printButton } from '../dom.js';
import { directory, regionLabel, kindLabel } from './common.js';
import * as charts from '../charts.js';

const GROUPS = ['all', 'kind', 'population', 'region'];

// The national catalog, from the registry log (benchmarks exist only for its codes: a node
// without the registry has none).
async function catalog(dir, signal) {
	const out = new Map();
	const reg = [...dir.logs.values()].find((l) => l.slug === 'registry');
	if (reg) {
		for (let start = 0; start < reg.size && start < 10000; start += 1000) {
			const page = await getJSON(`/api/v1/logs/registry/entries?start=${start}&limit=1000`, { signal });
			for (const e of (page && page.entries) || []) {
				const ci = e.entry && e.entry.catalogIndicator;
				if (ci && ci.code) out.set(ci.code, ci);
			}
		}
	}
	if (!out.size) return [];
	// The codes members adopted (their indicators carry them), the node's own member's first.
	const inds = await getAll('/api/v1/indicators', 'indicators', { signal }, 5000);
	const adopted = [];
	for (const i of inds) {
		if (!i.catalogCode) continue;
		if (i.member === (dir.list.find((m) => m.own) || {}).member) adopted.unshift(i.catalogCode);
		else adopted.push(i.catalogCode);
	}
	const list = [...out.values()].sort((a, b) => a.code.localeCompare(b.code));
	list.preferred = adopted.find((c) => out.has(c)) || (list[0] && list[0].code);
	return list;
}

function reason(r) {
	return r && has(`bm.reason.${r}`) ? t(`bm.reason.${r}`) : r || t('bm.missing');
}

export default async function benchmark(ctx) {
	const { main, signal, query } = ctx;
	ctx.setTitle(t('bm.title'));
	main.append(h('div', { class: 'page-head' }, h('h1', null, t('bm.title')), printButton()), h('p', { class: 'lead' }, t('bm.intro')));
	const body = h('div', null, loading());
	main.append(body);
	let dir, cat;
	try {
		dir = await directory(signal);
		cat = await catalog(dir, signal);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	if (!cat.length) {
		body.append(state('empty', t('bm.nocatalog'), t('bm.nocatalog.detail')));
		return;
	}
	const own = dir.list.find((m) => m.own);
	const code = cat.some((c) => c.code === query.get('code')) ? query.get('code') : cat.preferred;
	const group = GROUPS.includes(query.get('group')) ? query.get('group') : 'all';
	const memberQ = query.get('member');
	const member = memberQ !== null ? (dir.members.has(memberQ) ? memberQ : '') : own ? own.member : '';

	const go = (c, g, m) => ctx.go(`#/benchmark?code=${seg(c)}&group=${seg(g)}${m ? `&member=${seg(m)}` : '&member='}`);
	const memberOpts = dir.list.map((m) => [m.member, pick(m.name).s || m.member]).sort((a, b) => a[1].localeCompare(b[1]));
	body.append(h('div', { class: 'filters' },
		field(t('bm.indicator'), select(cat.map((c) => [c.code, `${c.code} — ${pick(c.title).s}`]), code, (v) => go(v, group, member))),
		field(t('bm.group'), select(GROUPS.map((g) => [g, t(`group.${g}`)]), group, (v) => go(code, v, member))),
		field(t('bm.member'), select([['', t('bm.none')], ...memberOpts], member, (v) => go(code, group, v)))));
	const out = h('div', null, loading());
	body.append(out);

	const qs = `group=${seg(group)}${member ? `&member=${seg(member)}` : ''}`;
	let r;
	try {
		r = await getJSON(`/api/v1/benchmarks/${seg(code)}?${qs}`, { signal });
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		if (e instanceof ApiError && e.status === 404) {
			clear(out).append(state('empty', t('bm.nocatalog'), e.reason));
			return;
		}
		clear(out).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(out);
	const ind = r.indicator || {};
	const unit = ind.normalisation === 'per_10000_inhabitants' || ind.normalisation === 'NORMALISATION_PER_10000_INHABITANTS' ? `${ind.unit || ''} ${t('bm.per10k')}` : ind.unit || '';
	out.append(h('div', { class: 'page-head' },
		txt(ind.title && pick(ind.title).s ? ind.title : (cat.find((c) => c.code === code) || {}).title, 'h2'),
		h('p', { class: 'muted' }, h('code', null, code), unit ? ` · ${unit}` : '', ` · ${ind.higherIsBetter === false ? t('bm.lower') : t('bm.higher')}`),
		h('p', null, r.period ? t('bm.period', { p: period(r.period) }) : t('bm.noperiod')),
		h('p', { class: 'actions' }, h('a', { class: 'btn', href: `/api/v1/benchmarks/${seg(code)}.csv?${qs}`, download: `benchmark-${code}.csv` }, t('f.csv.full')))));

	const pos = r.position;
	if (pos && !pos.missing && pos.rank) {
		out.append(h('p', { class: 'position', 'data-position': pos.member },
			t('bm.position', { name: memberLabel(dir, pos.member), rank: num(pos.rank), of: num(pos.of), p: num(pos.percentile, 1) })));
	} else if (pos && pos.missing) {
		const mine = (r.groups || []).flatMap((g) => g.rows || []).find((x) => x.member === pos.member);
		out.append(state('warning', t('bm.ownMissing', { name: memberLabel(dir, pos.member), r: reason(mine && mine.reason) })));
	} else if (!member) {
		out.append(h('p', { class: 'muted' }, t('bm.pickMember')));
	}

	for (const g of r.groups || []) out.append(groupSection(dir, code, g, member, unit, r.group || group));
	if (member) out.append(seriesSection(dir, r, member, unit));
}

function memberLabel(dir, slug) {
	const m = dir.members.get(slug);
	return m ? pick(m.name).s || slug : slug;
}

function groupLabel(dir, group, key) {
	if (group === 'kind') return kindLabel(key);
	if (group === 'region') return regionLabel(dir, key);
	if (key === 'all') return t('group.all');
	return key;
}

function groupSection(dir, code, g, member, unit, group) {
	const title = t('bm.ranking', { g: groupLabel(dir, group, g.key) });
	const stats = h('p', { 'data-group-stats': g.key }, t('bm.stats', { r: num(g.reported), m: num(g.members), mean: num(g.mean), median: num(g.median) }),
		g.single ? h('span', { class: 'muted' }, ` — ${t('bm.single')}`) : null);
	const rows = g.rows || [];
	const { fig, canvas } = charts.figure(null, `${title}. ${t('bm.stats', { r: g.reported, m: g.members, mean: num(g.mean), median: num(g.median) })}`);
	canvas.dataset.group = g.key;
	const chartRows = rows.map((x) => ({ key: x.member, label: `${memberLabel(dir, x.member)}${x.missing ? ` (${t('bm.missing')})` : ''}`, value: x.missing ? null : x.value }));
	if (g.reported) queueMicrotask(() => charts.rankedBars(canvas, chartRows, { own: member, median: g.median, valueLabel: unit || t('col.value'), medianLabel: t('bm.median') }));
	const cols = [
		{ key: 'rank', label: t('col.rank'), num: true, value: (x) => (x.missing ? null : x.rank), cell: (x) => (x.missing ? '' : num(x.rank)) },
		{ key: 'member', label: t('col.name'), header: true, value: (x) => memberLabel(dir, x.member), csv: (x) => x.member,
			cell: (x) => h('a', { href: `#/member/${seg(x.member)}` }, memberLabel(dir, x.member), x.member === member ? h('span', { class: 'sr-only' }, ' *') : null) },
		{ key: 'value', label: t('col.value'), num: true, value: (x) => (x.missing ? null : x.value),
			cell: (x) => (x.missing ? badge('muted', t('bm.missingReason', { r: reason(x.reason) }), { 'data-missing': 'true' }) : num(x.value)) },
		{ key: 'raw', label: t('col.raw'), num: true, value: (x) => x.rawValue, cell: (x) => (x.rawValue === null || x.rawValue === undefined ? '' : num(x.rawValue)) },
		{ key: 'percentile', label: t('col.percentile'), num: true, value: (x) => x.percentile, cell: (x) => (x.percentile === null || x.percentile === undefined ? '' : num(x.percentile, 1)) },
		{ key: 'entry', label: t('col.entry'), sortable: false, value: (x) => x.logIndex,
			cell: (x) => (x.logIndex === null || x.logIndex === undefined ? '' : h('a', { href: `#/entry/${seg(x.member)}/${x.logIndex}` }, `#${num(x.logIndex)}`)) },
	];
	const tbl = table(cols, { caption: title, rows, rowAttrs: (x) => ({ 'data-member': x.member, class: x.member === member ? 'own' : null, 'data-missing': x.missing ? 'true' : null,
		'data-rank': x.missing ? '' : String(x.rank), 'data-value': x.missing ? '' : String(x.value) }) });
	return section(title, stats, g.reported ? fig : state('empty', t('bm.noneReported')), tbl.el,
		h('p', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => download(`benchmark-${code}-${g.key}.csv`, tableCSV(cols, tbl.rows())) }, t('f.csv'))));
}

function seriesSection(dir, r, member, unit) {
	const name = memberLabel(dir, member);
	const title = t('bm.series', { name });
	const s = (r.series || []).slice().sort((a, b) => periodEnd(a.period).localeCompare(periodEnd(b.period)));
	if (!s.length) return section(title, h('p', { class: 'muted', 'data-series': '0' }, t('bm.noseries')));
	const { fig, canvas } = charts.figure(null, title);
	canvas.dataset.series = member;
	queueMicrotask(() => charts.lines(canvas, s.map((p) => period(p.period)), [
		{ label: name, data: s.map((p) => p.value), color: charts.COLORS.accent },
		{ label: t('bm.median'), data: s.map((p) => (p.group && p.group.reported ? p.group.median : null)), color: charts.COLORS.median, dashed: true },
	], { yTitle: unit }));
	return section(title, fig, h('details', null, h('summary', null, t('m.datatable')), h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data compact' },
		h('thead', null, h('tr', null, [t('col.period'), name, t('bm.median'), t('col.members')].map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, s.map((p) => h('tr', null, h('th', { scope: 'row' }, period(p.period)), h('td', { class: 'num' }, num(p.value)),
			h('td', { class: 'num' }, p.group ? num(p.group.median) : ''), h('td', { class: 'num' }, p.group ? `${num(p.group.reported)}/${num(p.group.members)}` : '')))))))));
}
