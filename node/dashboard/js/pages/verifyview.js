// verifyview — the "verify" panel shared by the Commitment and Entry pages: a button that runs
// verify.js over the given entries and shows each step, the checkpoint and its witnesses, or a
// failure that cannot be missed; and the "Download proof" links to an entry's C2SP tlog-proof
// file, which anyone can check offline (remacto proof verify, or any C2SP tool).

import { seg } from '../api.js';
import { t, num, dateTime } from '../i18n.js';
import { h, clear, state, announce } from '../dom.js';
import { verifyEntries, available, loadAnchor } from '../verify.js';

// A link that saves entry `index` of log `slug` as <slug>-<index>.tlog-proof.
export function proofLink(slug, index, { small } = {}) {
	return h('a', {
		class: small ? 'proof-link' : 'btn',
		href: `/api/v1/logs/${seg(slug)}/tlog-proof?index=${Number(index)}`,
		download: `${slug}-${Number(index)}.tlog-proof`,
		'data-proof': String(index),
		title: t('v.downloadHint'),
	}, small ? t('v.downloadShort') : t('v.download'));
}

export function verifyPanel(ctx, slug, items, { all } = {}) {
	const out = h('div', { class: 'verify-out', 'aria-live': 'polite' });
	const btn = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'verify' }, all ? t('v.buttonAll') : t('v.button'));
	btn.addEventListener('click', async () => {
		btn.disabled = true;
		clear(out).append(state('loading', t('v.running')));
		out.dataset.verify = 'running';
		let r;
		try {
			r = await verifyEntries(slug, items(), { signal: ctx.signal });
		} catch (e) {
			if (e && e.kind === 'aborted') return;
			r = { ok: false, steps: [], witnesses: [], error: { code: 'v.e.fetch', vars: { e: String(e && e.message || e) } } };
		}
		btn.disabled = false;
		render(out, r);
	});
	const intro = available() === 'ok' ? t('v.intro') : t('v.insecure');
	// The one key the verification believes, shown before anything is checked.
	const anchor = h('p', { class: 'anchor muted', 'data-anchor': '' });
	loadAnchor({ signal: ctx.signal }).then((a) => {
		if (!a) anchor.append(t('v.noanchor'));
		else {
			anchor.dataset.anchor = a.vkey;
			anchor.append(t('v.anchor'), ' ', h('code', { dir: 'ltr', class: 'vkey' }, a.vkey));
		}
	}).catch(() => anchor.append(t('v.noanchor')));
	return h('div', { class: 'verify' }, h('p', null, intro), anchor, btn, out);
}

function render(out, r) {
	clear(out);
	const steps = h('ol', { class: 'steps' }, r.steps.map((s) => h('li', { class: s.ok === null ? 'step-warn' : s.ok ? 'step-ok' : 'step-bad', 'data-step': s.key },
		h('span', { class: 'step-icon', 'aria-hidden': 'true' }, s.ok === null ? '!' : s.ok ? '✓' : '✗'), ' ', t(s.key, fmtVars(s.vars)))));
	if (r.ok) {
		out.dataset.verify = 'ok';
		const n = r.steps.filter((s) => s.key === 'v.step.proof').length;
		const msg = t('v.ok', { n: num(n), size: num(Number(r.size)) });
		out.append(h('div', { class: 'verdict verdict-ok', role: 'status' }, h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, '✓'), ' ', msg));
		announce(msg);
	} else {
		out.dataset.verify = 'fail';
		out.dataset.error = r.error ? r.error.code : '';
		const reason = r.error ? t(r.error.code, fmtVars(r.error.vars)) : '';
		out.append(h('div', { class: 'verdict verdict-fail', role: 'alert' },
			h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, '✗'), ' ', h('strong', null, t('v.fail')), reason ? `${t('colon')}${reason}` : ''));
	}
	out.append(steps);
	if (r.ok) {
		out.append(h('h3', null, t('v.witnesses')));
		if (!r.witnesses.length) out.append(h('p', { class: 'muted' }, t('v.nowitness')));
		else out.append(h('ul', { class: 'witnesses' }, r.witnesses.map((w) => h('li', { 'data-witness': w.name, 'data-witness-state': w.state, class: `w-${w.state}` },
			h('span', { 'aria-hidden': 'true' }, w.state === 'ok' ? '✓ ' : w.state === 'bad' ? '✗ ' : '? '),
			h('code', null, w.name), ' — ',
			w.state === 'ok' ? t('v.witnessOk', { t: dateTime(w.time) }) : w.state === 'bad' ? t('v.witnessBad') : t('v.witnessUnknown'),
			w.state === 'ok' && !w.counts ? ` — ${t('v.witnessSelf')}` : ''))));
	}
	if (r.checkpoint) {
		out.append(h('details', null, h('summary', null, t('v.checkpoint')), h('pre', { class: 'note', dir: 'ltr' }, r.checkpoint)));
	}
}

function fmtVars(v) {
	const o = {};
	for (const [k, x] of Object.entries(v || {})) o[k] = typeof x === 'number' ? num(x) : x;
	return o;
}

