// main — the dashboard's shell: header, navigation, language switch (fr, ar, en; remembered;
// Arabic turns the whole page right-to-left), live-update indicator, and a hash router
// (#/network, #/member/<slug>, #/commitment/<slug>/<id>, #/indicator/<slug>/<id>,
// #/entry/<slug>/<index>, #/compliance, #/benchmark?code=…, #/access, #/federation,
// #/search?q=…), and a
// search box on every page. Each page renders into <main>; any error a page throws is shown as a
// state on the page, never as a blank screen.

import { t, lang, setLang, dir, LANGS } from './i18n.js';
import { h, clear, errorState, state } from './dom.js';
import * as live from './live.js';
import { invalidate } from './api.js';
import network from './pages/network.js';
import member from './pages/member.js';
import commitment from './pages/commitment.js';
import indicator from './pages/indicator.js';
import search from './pages/search.js';
import access from './pages/access.js';
import entry from './pages/entry.js';
import compliance from './pages/compliance.js';
import benchmark from './pages/benchmark.js';
import federation from './pages/federation.js';

const ROUTES = [
	[/^\/?$/, network, 'network'],
	[/^\/network$/, network, 'network'],
	[/^\/member\/([^/]+)$/, member, 'network'],
	[/^\/commitment\/([^/]+)\/(.+)$/, commitment, 'network'],
	[/^\/indicator\/([^/]+)\/(.+)$/, indicator, 'network'],
	[/^\/entry\/([^/]+)\/(\d+)$/, entry, 'network'],
	[/^\/search$/, search, null],
	[/^\/compliance$/, compliance, 'compliance'],
	[/^\/benchmark$/, benchmark, 'benchmark'],
	[/^\/access$/, access, 'access'],
	[/^\/federation$/, federation, 'federation'],
];
const NAV = ['network', 'compliance', 'benchmark', 'access', 'federation'];
const LANG_NAMES = { fr: 'Français', ar: 'العربية', en: 'English' };

let current = null;   // {ctl, unsub: []}

function header() {
	const nav = h('nav', { 'aria-label': t('nav.label') },
		h('ul', null, NAV.map((k) => h('li', null, h('a', { href: `#/${k}`, 'data-nav': k }, t(`nav.${k}`))))));
	const langs = h('div', { class: 'langs', role: 'group', 'aria-label': t('lang.label') },
		LANGS.map((l) => h('button', {
			type: 'button', lang: l, 'data-lang': l, 'aria-pressed': String(l === lang()),
			onclick: () => switchLang(l),
		}, LANG_NAMES[l])));
	const liveEl = h('span', { class: 'live', id: 'live', title: t('live.title') });
	return h('header', { class: 'top' },
		h('div', { class: 'brand' },
			h('a', { href: '#/network', class: 'brand-name' }, t('app.name')),
			h('span', { class: 'brand-tag' }, t('app.tagline'))),
		nav,
		searchBox(),
		h('div', { class: 'top-tools' }, liveEl, langs));
}

// The search box of every page: it opens #/search?q=… (pages/search.js asks the node).
function searchBox() {
	const input = h('input', { type: 'search', id: 'top-q', name: 'q', 'data-search': 'q', maxlength: '200', autocomplete: 'off',
		placeholder: t('s.placeholder'), dir: 'auto' });
	return h('form', { class: 'top-search', role: 'search', 'aria-label': t('s.label'),
		onsubmit: (e) => {
			e.preventDefault();
			const q = input.value.trim();
			if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
		} },
	h('label', { for: 'top-q', class: 'sr-only' }, t('s.label')),
	input,
	h('button', { type: 'submit', class: 'btn btn-search' }, t('s.go')));
}

function showLive(s) {
	const el = document.getElementById('live');
	if (!el) return;
	el.dataset.live = s;
	el.textContent = t(s === 'on' ? 'live.on' : s === 'off' ? 'live.off' : 'live.connecting');
}

function shell() {
	document.documentElement.lang = lang();
	document.documentElement.dir = dir();
	document.title = t('app.name');
	const skip = h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); document.getElementById('main').focus(); } }, t('app.skip'));
	const main = h('main', { id: 'main', tabindex: '-1' });
	const footer = h('footer', { class: 'foot' }, h('p', null, t('app.footer')));
	const announcer = h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'polite' });
	clear(document.body).append(skip, header(), main, footer, announcer);
	showLive(live.liveState());
}

function switchLang(l) {
	if (l === lang()) return;
	setLang(l);
	shell();
	route(false);
}

function parse() {
	const raw = location.hash.replace(/^#/, '');
	const q = raw.indexOf('?');
	const path = q < 0 ? raw : raw.slice(0, q);
	const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
	return { path, query };
}

async function route(focus) {
	const { path, query } = parse();
	if (path && !path.startsWith('/')) return;   // an in-page anchor such as #main
	if (current) {
		current.ctl.abort();
		current.unsub.forEach((f) => f());
	}
	const ctl = new AbortController();
	const me = { ctl, unsub: [] };
	current = me;
	const main = document.getElementById('main');
	let page = null, params = [], navKey = null;
	for (const [re, fn, k] of ROUTES) {
		const m = re.exec(path);
		if (m) { page = fn; params = m.slice(1).map((s) => { try { return decodeURIComponent(s); } catch (e) { return s; } }); navKey = k; break; }
	}
	const box = document.getElementById('top-q');
	if (box && document.activeElement !== box) box.value = path === '/search' ? query.get('q') || '' : '';
	for (const a of document.querySelectorAll('[data-nav]')) {
		if (a.dataset.nav === navKey) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	clear(main);
	main.removeAttribute('aria-busy');
	if (!page) {
		main.append(h('h1', null, t('app.notfound')), state('empty', t('app.notfound'), t('app.notfound.detail'),
			h('a', { href: '#/network', class: 'btn' }, t('app.home'))));
		document.body.dataset.ready = location.hash;
		return;
	}
	const ctx = {
		main,
		params,
		query,
		signal: ctl.signal,
		onLive(fn) { me.unsub.push(live.onCheckpoint(fn)); },
		setTitle(s) { document.title = `${s} — ${t('app.name')}`; },
		rerender() { invalidate(); if (current === me) route(false); },
		go(hash) { location.hash = hash; },
		alive() { return current === me && !ctl.signal.aborted; },
	};
	main.setAttribute('aria-busy', 'true');
	try {
		await page(ctx);
	} catch (e) {
		if (e && e.kind === 'aborted') return;
		if (current !== me) return;
		clear(main).append(errorState(e, () => ctx.rerender()));
	} finally {
		if (current === me) main.removeAttribute('aria-busy');
	}
	if (focus && current === me) main.focus({ preventScroll: false });
	if (current === me) {
		document.body.dataset.ready = location.hash || '#/';
		performance.mark('remacto-ready', { detail: location.hash });
	}
}

window.addEventListener('hashchange', () => { document.body.dataset.ready = ''; route(true); });

shell();
live.onState(showLive);
live.start();
route(false);
