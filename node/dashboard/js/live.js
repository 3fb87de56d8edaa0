// live — the "remacto-live-v1" WebSocket: the node pushes {"origin","size"} each time it
// stores a checkpoint, and {"resync":true} when this page fell behind. Reconnects with
// exponential backoff (1 s to 30 s, with jitter); pages listen through onCheckpoint.

export const PROTOCOL = 'remacto-live-v1';

const listeners = new Set();
const stateListeners = new Set();
let ws = null;
let state = 'connecting';
let retry = 1000;
let timer = 0;

function setState(s) {
	state = s;
	for (const f of stateListeners) f(s);
}

function emit(msg) {
	for (const f of listeners) {
		try { f(msg); } catch (e) { /* one page's handler must not stop the others */ }
	}
}

function connect() {
	clearTimeout(timer);
	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`;
	setState('connecting');
	try {
		ws = new WebSocket(url, PROTOCOL);
	} catch (e) {
		schedule();
		return;
	}
	ws.onopen = () => {
		retry = 1000;
		setState('on');
	};
	ws.onmessage = (ev) => {
		if (typeof ev.data !== 'string' || ev.data.length > 4096) return;
		let m;
		try { m = JSON.parse(ev.data); } catch (e) { return; }
		if (m && m.resync) emit({ resync: true });
		else if (m && typeof m.origin === 'string' && Number.isFinite(m.size)) emit({ origin: m.origin, size: m.size });
	};
	ws.onclose = () => {
		ws = null;
		setState('off');
		schedule();
	};
	ws.onerror = () => { /* onclose follows */ };
}

function schedule() {
	clearTimeout(timer);
	const wait = retry * (0.75 + Math.random() / 2);
	retry = Math.min(retry * 2, 30000);
	timer = setTimeout(connect, wait);
}

export function start() {
	if (!ws && typeof WebSocket !== 'undefined') connect();
}

export function liveState() { return state; }
export function onState(f) { stateListeners.add(f); return () => stateListeners.delete(f); }
export function onCheckpoint(f) { listeners.add(f); return () => listeners.delete(f); }
