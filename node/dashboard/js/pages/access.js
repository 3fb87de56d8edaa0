// Access — #/access[?member=<slug>]: the right of access to information (law 31-13) and the
// right to petition councils (organic laws 111-14 for regions, 112-14 for prefectures and
// provinces, 113-14 for communes), nationally: each member's latest value of the national
// catalog's indicators for requests and petitions (from /api/v1/benchmarks/<code>), against the
// law's deadline where the law sets one (an answer within 20 working days, law 31-13). A member
// that did not report a value is shown as such, never as zero. The member page shows its own
// row (accessSection).

import { getJSON, seg, ApiError } from '../api.js';
import { t, num, pick, period } from '../i18n.js';
import { h, cards, state, section, badge, loading, errorState, clear } from '../dom.js';
import { directory, memberLink, kindLabel } from './common.js';

// The catalog codes, in the order of the law's process. deadline: the value the law allows.
export const ACCESS = [
	{ code: 'AI-04', law: 'ai' },
	{ code: 'AI-05', law: 'ai' },
	{ code: 'AI-02', law: 'ai' },
	{ code: 'AI-06', law: 'ai' },
	{ code: 'AI-03', law: 'ai' },
	{ code: 'AI-01', law: 'ai', deadline: 20 },
	{ code: 'PE-01', law: 'pe' },
	{ code: 'PE-02', law: 'pe' },
	{ code: 'CP-02', law: 'pe' },
	{ code: 'PE-03', law: 'pe' },
];

// The organic law on petitions that applies to a member, by its kind.
export function petitionLaw(kind) {
	return { region: '111-14', prefecture: '112-14', province: '112-14', commune: '113-14' }[kind] || null;
}

// The catalog codes the registry holds (a registry with an older catalog lacks some).
async function catalogCodes(dir, signal) {
	const codes = new Set();
	const reg = [...dir.logs.values()].find((l) => l.slug === 'registry');
	for (let start = 0; reg && start < reg.size && start < 20000; start += 1000) {
		const page = await getJSON(`/api/v1/logs/registry/entries?start=${start}&limit=1000`, { signal });
		for (const e of (page && page.entries) || []) {
			const ci = e.entry && e.entry.catalogIndicator;
			if (ci && ci.code) codes.add(ci.code);
		}
	}
	return codes;
}

// {codes: [{code, title, unit, higherIsBetter, period, deadline}], rows: Map member → Map code → row}
// have: the codes to ask for (those of the catalog, or those a member adopted).
async function load(have, signal) {
	const got = await Promise.all(ACCESS.map((a) => (have.has(a.code)
		? getJSON(`/api/v1/benchmarks/${seg(a.code)}?group=all`, { signal }).catch((e) => {
			if (e instanceof ApiError && e.status === 404) return null;   // withdrawn meanwhile
			throw e;
		})
		: null)));
	const codes = [];
	const rows = new Map();
	got.forEach((b, i) => {
		if (!b) return;
		codes.push({ ...ACCESS[i], title: b.indicator.title, unit: b.indicator.unit, higherIsBetter: b.indicator.higherIsBetter, period: b.period });
		for (const g of b.groups || []) {
			for (const r of g.rows || []) {
				if (!rows.has(r.member)) rows.set(r.member, new Map());
				rows.get(r.member).set(b.code, r);
			}
		}
	});
	return { codes, rows };
}

// One value: missing, within the law's deadline, or beyond it (in words, not colour alone).
function cell(c, r) {
	// What the member published (rawValue), not the benchmark's value per 10,000 inhabitants.
	const x = r && (r.rawValue !== null && r.rawValue !== undefined ? r.rawValue : r.value);
	if (!r || r.missing || x === null || x === undefined) return h('span', { class: 'muted', 'data-missing': '' }, t('acc.missing'));
	const v = h('span', { 'data-value': String(x) }, num(x), c.unit === 'percent' ? ' %' : '');
	if (c.deadline === undefined) return v;
	const late = x > c.deadline;
	return [v, ' ', late
		? badge('danger', t('acc.beyond', { d: num(c.deadline) }), { 'data-deadline': 'beyond' })
		: badge('ok', t('acc.within', { d: num(c.deadline) }), { 'data-deadline': 'within' })];
}

function lawsIntro() {
	return h('ul', { class: 'plain laws' },
		h('li', null, h('strong', null, t('acc.law.ai')), ' — ', t('acc.law.ai.detail')),
		h('li', null, h('strong', null, t('acc.law.pe')), ' — ', t('acc.law.pe.detail')));
}

export default async function access(ctx) {
	const { main, signal, query } = ctx;
	ctx.setTitle(t('acc.title'));
	main.append(h('h1', null, t('acc.title')), h('p', { class: 'lead' }, t('acc.intro')), lawsIntro());
	const body = h('div', null, loading());
	main.append(body);
	let dir, data;
	try {
		dir = await directory(signal);
		data = await load(await catalogCodes(dir, signal), signal);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	if (!data.codes.length) {
		body.append(state('empty', t('bm.nocatalog'), t('bm.nocatalog.detail')));
		return;
	}
	const want = query.get('member');
	for (const [law, title] of [['ai', t('acc.ai')], ['pe', t('acc.pe')]]) {
		const codes = data.codes.filter((c) => c.law === law);
		if (!codes.length) continue;
		const head = [t('col.member'), ...codes.map((c) => `${pick(c.title).s} (${c.code})`), law === 'pe' ? t('acc.lawCol') : null].filter(Boolean);
		const tbl = cards(h('table', { class: 'data', 'data-access': law },
			h('caption', { class: 'sr-only' }, title),
			h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', null, dir.list.map((m) => h('tr', { 'data-member': m.member, class: m.member === want ? 'own' : null },
				h('th', { scope: 'row' }, memberLink(dir, m.member), h('div', { class: 'muted' }, kindLabel(m.kind))),
				codes.map((c) => h('td', null, cell(c, (data.rows.get(m.member) || new Map()).get(c.code)))),
				law === 'pe' ? h('td', null, petitionLaw(m.kind) ? t('acc.lawOf', { l: petitionLaw(m.kind) }) : t('none')) : null)))));
		const periods = [...new Set(codes.map((c) => c.period).filter(Boolean))].map(period).join(', ');
		body.append(section(title, periods ? h('p', { class: 'muted' }, t('acc.period', { p: periods })) : null,
			h('div', { class: 'table-wrap' }, tbl)));
	}
}

// The member page's section: its own values of the codes it adopted (its indicators carry
// them), and a link to the national page; null when it adopted none.
export async function accessSection(slug, kind, inds, signal) {
	const adopted = new Set(inds.map((i) => i.catalogCode).filter((c) => ACCESS.some((a) => a.code === c)));
	if (!adopted.size) return null;
	let data;
	try {
		data = await load(adopted, signal);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		return null;
	}
	if (!data.codes.length) return null;
	const mine = data.rows.get(slug) || new Map();
	const law = petitionLaw(kind);
	return section(t('acc.title'), h('dl', { class: 'facts', 'data-access-member': slug },
		data.codes.map((c) => [h('dt', null, `${pick(c.title).s} (${c.code})`), h('dd', null, cell(c, mine.get(c.code)))])),
	h('p', { class: 'muted' }, t('acc.law.ai'), law ? ` · ${t('acc.lawOf', { l: law })}` : ''),
	h('p', null, h('a', { href: `#/access?member=${seg(slug)}` }, t('acc.national'))));
}
