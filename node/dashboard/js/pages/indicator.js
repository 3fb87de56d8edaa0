// Indicator — #/indicator/<slug>/<id>: the story of an indicator's targets against its
// measurements. The chart shows what was measured, the baseline, the targets in force and every
// target value a later entry replaced; the table below it (also the chart's text alternative)
// gives one row per value a target ever had (GET /api/v1/indicators/<member>/<id>,
// targetHistory): which entry set it, and whether an amendment declared the change, with its
// reason, or the change was hidden — marked in red, linking to the integrity finding.

import { getJSON, getAll, seg, ApiError } from '../api.js';
import { t, num, pick, period, periodEnd } from '../i18n.js';
import { h, cards, txt, state, section, badge, loading, errorState, clear } from '../dom.js';
import { directory, memberLink } from './common.js';
import { feedLink, storyTable } from './story.js';
import * as charts from '../charts.js';

export default async function indicator(ctx) {
	const { main, signal, params } = ctx;
	const [slug, id] = params;
	const body = h('div', null, loading());
	main.append(body);
	let ind, meas, dir;
	try {
		[ind, meas, dir] = await Promise.all([
			getJSON(`/api/v1/indicators/${seg(slug)}/${seg(id)}`, { signal }),
			getAll(`/api/v1/measurements?indicator=${seg(id)}&member=${seg(slug)}`, 'measurements', { signal }).catch((e) => {
				// No member holds a measurement of it yet: the node answers 400 for the id.
				if (e instanceof ApiError && e.status === 400) return [];
				throw e;
			}),
			directory(signal).catch(() => null),
		]);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		if (e instanceof ApiError && e.status === 404) {
			ctx.setTitle(id);
			clear(body).append(h('h1', null, id), state('empty', t('i.none'), e.reason));
			return;
		}
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	const title = pick(ind.title).s || id;
	ctx.setTitle(title);
	const history = ind.targetHistory || [];
	const hidden = history.filter((r) => r.hidden);

	body.append(h('div', { class: 'page-head' },
		h('p', { class: 'crumbs' }, memberLink(dir, slug), ind.commitmentId ? [' / ', h('a', { href: `#/commitment/${seg(slug)}/${seg(ind.commitmentId)}` }, h('code', null, ind.commitmentId))] : null,
			' / ', h('code', null, ind.id)),
		txt(ind.title, 'h1'),
		h('p', { class: 'subtitle' }, [ind.catalogCode ? t('i.code', { c: ind.catalogCode }) : null, ind.unit || null,
			t(ind.ascending === true ? 'i.higher' : 'i.lower')].filter(Boolean).join(' · ')),
		h('div', { class: 'badges' }, hidden.length
			? badge('danger', t('i.hiddenCount', { n: num(hidden.length) }), { 'data-hidden-count': String(hidden.length) })
			: badge('ok', t('i.noHidden'), { 'data-hidden-count': '0' })),
		h('p', { class: 'links' },
			ind.catalogCode ? h('a', { href: `#/benchmark?code=${seg(ind.catalogCode)}&member=${seg(slug)}` }, t('m.seeBenchmark')) : null,
			ind.commitmentId ? feedLink(`/feeds/${seg(slug)}/${seg(ind.commitmentId)}.atom`) : null)));

	body.append(section(t('i.chart'), chart(ind, meas, history)));
	body.append(section(t('i.history'), h('p', { class: 'muted' }, t('i.history.intro')),
		storyTable(slug, history, { id: ind.id, caption: t('i.history'), what: t('col.period'), empty: t('i.notargets'),
			name: (r) => period(r.period), value: (x) => num(x) })));
}

// The chart and, as its text alternative, the table of its data.
function chart(ind, meas, history) {
	const series = new Map();
	for (const m of meas) {
		const key = (m.dimensions || []).map((d) => `${d.name}=${d.value}`).join(', ');
		if (!series.has(key)) series.set(key, []);
		series.get(key).push(m);
	}
	const periods = new Set(meas.map((m) => m.period));
	if (ind.baselinePeriod) periods.add(ind.baselinePeriod);
	for (const r of history) if (r.period) periods.add(r.period);
	const labels = [...periods].sort((a, b) => periodEnd(a).localeCompare(periodEnd(b)) || a.localeCompare(b));
	const at = (list) => labels.map((p) => {
		const hit = list.filter((x) => x.period === p && x.value !== null && x.value !== undefined);
		return hit.length ? hit[hit.length - 1].value : null;
	});
	// Every value a later entry replaced: declared ones, and hidden ones on their own so that
	// they show in red.
	const replaced = (wantHidden) => labels.map((p) => {
		const rows = history.filter((r) => r.period === p);
		const out = [];
		for (let i = 0; i + 1 < rows.length; i++) if (!!rows[i + 1].hidden === wantHidden && rows[i].value !== null) out.push(rows[i].value);
		return out.length ? out[out.length - 1] : null;
	});
	const datasets = [];
	const palette = [charts.COLORS.main, charts.COLORS.accent, '#6d28d9', '#0e7490'];
	let i = 0;
	for (const [key, list] of series) datasets.push({ label: key ? `${t('m.measured')} (${key})` : t('m.measured'), data: at(list), color: palette[i++ % palette.length] });
	if (ind.baselinePeriod && ind.baselineValue !== undefined) {
		datasets.push({ label: t('m.baseline'), data: labels.map((p) => (p === ind.baselinePeriod ? ind.baselineValue : null)), color: charts.COLORS.baseline, points: true, pointStyle: 'rectRot' });
	}
	if ((ind.targets || []).length) datasets.push({ label: t('m.target'), data: at(ind.targets), color: charts.COLORS.target, points: true, pointStyle: 'triangle' });
	const before = replaced(false), hid = replaced(true);
	if (before.some((v) => v !== null)) datasets.push({ label: t('i.replaced'), data: before, color: charts.COLORS.other, points: true, pointStyle: 'crossRot' });
	if (hid.some((v) => v !== null)) datasets.push({ label: t('i.replacedHidden'), data: hid, color: '#b42318', points: true, pointStyle: 'crossRot' });

	const title = pick(ind.title).s;
	const { fig, canvas } = charts.figure(null, `${title}: ${datasets.map((d) => d.label).join(', ')}`);
	canvas.dataset.indicator = ind.id;
	queueMicrotask(() => charts.lines(canvas, labels.map(period), datasets, { yTitle: ind.unit }));
	return [fig, meas.length ? null : h('p', { class: 'muted' }, t('m.nomeasure')),
		h('details', null, h('summary', null, t('m.datatable')), h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data compact' },
			h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('col.period')), datasets.map((d) => h('th', { scope: 'col' }, d.label)))),
			h('tbody', null, labels.map((p, k) => h('tr', null, h('th', { scope: 'row' }, period(p)),
				datasets.map((d) => h('td', { class: 'num', 'data-label': d.label }, d.data[k] === null ? '' : num(d.data[k]))))))))))];
}
