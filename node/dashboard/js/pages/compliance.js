// Compliance — for the directorate: every member's status and score under the registry's
// policy, sortable and filterable, with each member's findings linking to the log entries that
// prove them; CSV of the view, and the node's own CSV exports.

import { getJSON, seg } from '../api.js';
import { t, num, date, pick, lang } from '../i18n.js';
import { h, cards, state, section, table, tableCSV, download, field, select, statusBadge, badge, loading, errorState, clear, printButton } from '../dom.js';
import { directory, regionLabel, kindLabel, suspendedBadge, suspensionState, loadInto, norm } from './common.js';

const filters = { q: '', status: '', kind: '', region: '' };
const SEV = ['critical', 'major', 'minor', 'info'];

export default async function compliance(ctx) {
	const { main, signal, query } = ctx;
	ctx.setTitle(t('comp.title'));
	main.append(h('div', { class: 'page-head' }, h('h1', null, t('comp.title')), printButton()), h('p', { class: 'lead' }, t('comp.intro')));
	const body = h('div', null, loading());
	main.append(body);
	const dir = await loadInto(ctx, body, directory);
	if (!dir) return;
	clear(body);
	const ov = dir.overview;
	if (!ov || !dir.list.length) {
		body.append(state('empty', t('state.nomembers'), t('state.nomembers.detail')));
		return;
	}
	const rows = dir.list;
	body.append(h('p', { class: 'muted' }, t('net.asOf', { date: date(ov.asOf) })));
	const c = ov.counts || {};
	body.append(h('div', { class: 'stats' },
		h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, num(c.members)), h('span', { class: 'stat-label' }, t('net.members'))),
		h('div', { class: 'stat stat-ok' }, h('span', { class: 'stat-value' }, num(c.compliant)), h('span', { class: 'stat-label' }, t('status.compliant'))),
		h('div', { class: 'stat stat-warn' }, h('span', { class: 'stat-value' }, num(c.atRisk)), h('span', { class: 'stat-label' }, t('status.at_risk'))),
		h('div', { class: 'stat stat-bad' }, h('span', { class: 'stat-value' }, num(c.nonCompliant)), h('span', { class: 'stat-label' }, t('status.non_compliant'))),
		c.suspended ? h('div', { class: 'stat stat-bad', 'data-stat': 'suspended' }, h('span', { class: 'stat-value' }, num(c.suspended)), h('span', { class: 'stat-label' }, t('net.suspended'))) : null));

	const report = h('div', { class: 'report', id: 'report', tabindex: '-1' });
	const all = ['', t('f.all')];
	const search = h('input', { type: 'search', value: filters.q, placeholder: t('f.search.ph'), autocomplete: 'off' });
	const controls = h('div', { class: 'filters', role: 'search' },
		field(t('f.search'), search),
		field(t('f.status'), select([all, ...['compliant', 'at_risk', 'non_compliant'].map((s) => [s, t(`status.${s}`)])], filters.status, (v) => { filters.status = v; apply(); })),
		field(t('f.kind'), select([all, ...[...new Set(rows.map((r) => r.kind))].sort().map((k) => [k, kindLabel(k)])], filters.kind, (v) => { filters.kind = v; apply(); })),
		field(t('f.region'), select([all, ...[...new Set(rows.map((r) => r.region).filter(Boolean))].sort().map((k) => [k, regionLabel(dir, k)])], filters.region, (v) => { filters.region = v; apply(); })));
	let timer = 0;
	search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { filters.q = search.value; apply(); }, 120); });

	const f = (r, k) => (r.findings ? r.findings[k] || 0 : 0);
	const cols = [
		{ key: 'name', label: t('col.name'), header: true, value: (r) => pick(r.name).s || r.member, csv: (r) => r.member, csvName: 'member',
			cell: (r) => { const p = pick(r.name); return h('a', { href: `#/member/${seg(r.member)}`, lang: p.lang || null }, p.s || r.member); } },
		{ key: 'kind', label: t('col.kind'), value: (r) => kindLabel(r.kind), csv: (r) => r.kind, cell: (r) => kindLabel(r.kind) },
		{ key: 'region', label: t('col.region'), value: (r) => regionLabel(dir, r.region, r.regionName), csv: (r) => r.region, cell: (r) => regionLabel(dir, r.region, r.regionName) },
		{ key: 'status', label: t('col.status'), value: (r) => ['non_compliant', 'at_risk', 'compliant'].indexOf(r.status), csv: (r) => r.status, cell: (r) => (r.suspended ? h('span', null, statusBadge(r.status), ' ', suspendedBadge(r)) : statusBadge(r.status)) },
		{ key: 'score', label: t('col.score'), num: true, value: (r) => r.score },
		...SEV.map((k) => ({ key: k, label: t(`col.${k}`), num: true, value: (r) => f(r, k) })),
		{ key: 'findings', label: t('col.findings'), sortable: false, csv: false,
			cell: (r) => h('button', { type: 'button', class: 'btn btn-small', 'data-findings': r.member, 'aria-controls': 'report', onclick: () => showReport(r.member, true) }, t('comp.show')) },
	];
	const tbl = table(cols, { caption: t('comp.title'), rows: [], sortKey: 'score', sortDir: 1, pageSize: 200, rowAttrs: (r) => ({ 'data-member': r.member, 'data-status': r.status, 'data-score': String(r.score) }) });
	body.append(section(t('comp.title'), controls,
		h('div', { class: 'actions' },
			h('button', { type: 'button', class: 'btn', 'data-action': 'csv', onclick: () => download('remacto-compliance.csv', tableCSV(cols, tbl.rows())) }, t('f.csv')),
			h('a', { class: 'btn', href: '/api/v1/compliance.csv', download: 'compliance.csv' }, t('f.csv.full'))),
		tbl.el), report);

	function apply() {
		const q = norm(filters.q);
		tbl.setRows(rows.filter((r) => {
			if (filters.status && r.status !== filters.status) return false;
			if (filters.kind && r.kind !== filters.kind) return false;
			if (filters.region && r.region !== filters.region) return false;
			if (q && !norm([r.member, r.name && r.name.fr, r.name && r.name.ar, r.name && r.name.en].join(' ')).includes(q)) return false;
			return true;
		}));
	}
	apply();

	async function showReport(slug, focus) {
		clear(report).append(loading());
		let r;
		try {
			r = await getJSON(`/api/v1/compliance/${seg(slug)}`, { signal });
		} catch (e) {
			if (e.kind === 'aborted') return;
			clear(report).append(errorState(e, () => showReport(slug, focus)));
			return;
		}
		const m = dir.members.get(slug);
		const name = m ? pick(m.name).s || slug : slug;
		clear(report).append(section(t('comp.findingsOf', { name }),
			h('div', { class: 'badges' }, statusBadge(r.status), ' ', h('strong', null, `${t('col.score')} ${num(r.score)}/100`)),
			h('p', { class: 'muted' }, t('net.asOf', { date: date(r.asOf) }), r.lastWitnessed ? ` · ${t('col.witnessed')}${t('colon')}${date(r.lastWitnessed)}` : ''),
			r.suspended ? suspensionState({ ...(m || {}), ...r, own: !!(m && m.own) }) : null,
			rulesTable(r.rules || []),
			findingsTable(slug, r.findings || []),
			h('p', null, h('a', { class: 'btn', href: `/api/v1/compliance/${seg(slug)}.csv`, download: `compliance-${slug}.csv` }, t('f.csv.full')))));
		report.dataset.member = slug;
		if (focus) report.focus();
	}
	const want = query.get('member');
	if (want && dir.members.has(want)) {
		await showReport(want, false);
		// A link to one finding (the indicator page's hidden changes): that row, shown and marked.
		const subject = query.get('finding');
		const row = subject ? [...report.querySelectorAll('tr[data-subject]')].find((tr) => tr.dataset.subject === subject) : null;
		if (row) {
			row.classList.add('target');
			row.setAttribute('aria-current', 'true');
			row.tabIndex = -1;
			row.scrollIntoView({ block: 'center' });
			row.focus({ preventScroll: true });
		}
	}
}

function rulesTable(rules) {
	if (!rules.length) return null;
	return h('details', null, h('summary', null, t('comp.rules')), h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data compact' },
		h('thead', null, h('tr', null, [t('comp.rule'), '%', t('col.findings')].map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, rules.map((r) => h('tr', null, h('th', { scope: 'row' }, h('code', null, r.id)),
			h('td', { class: 'num' }, num(r.weight)),
			h('td', null, r.applicable ? t('comp.passed', { p: num(r.passed), c: num(r.checked) }) : t('comp.na')))))))));
}

function findingsTable(slug, findings) {
	if (!findings.length) return state('ok', t('comp.nofindings'));
	const cls = { critical: 'danger', major: 'danger', minor: 'warn', info: 'info' };
	return h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data findings' },
		h('caption', null, t('col.findings')),
		h('thead', null, h('tr', null, [t('comp.severity'), t('comp.rule'), t('col.findings'), t('comp.action'), t('comp.entries')].map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, findings.map((f) => {
			// in the reader's language, else French (a node older than the Arabic texts)
			const l = f[lang()] ? lang() : 'fr';
			const a = f.action || {};
			const al = a[lang()] ? lang() : 'fr';
			return h('tr', { 'data-code': f.code, 'data-subject': f.subject || null },
				h('td', null, badge(cls[f.severity] || 'muted', t(`comp.sev.${f.severity}`))),
				h('td', null, h('code', null, f.code)),
				h('td', { lang: l, dir: l === 'ar' ? 'rtl' : 'ltr', 'data-text': '' }, f[l] || f.en),
				h('td', { 'data-action-text': '' }, a[al] ? h('span', { lang: al, dir: al === 'ar' ? 'rtl' : 'ltr' }, a[al]) : null,
					a.command ? h('pre', { class: 'command', dir: 'ltr' }, h('code', null, a.command)) : null),
				h('td', null, (f.logIndexes || []).map((i, k) => [k ? ' ' : '', h('a', { href: `#/entry/${seg(slug)}/${i}`, 'data-entry-link': String(i) }, `#${num(i)}`)])));
		})))));
}
