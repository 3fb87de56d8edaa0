// verify — checks in the browser, with WebCrypto only, that log entries are in a member's
// signed log, without trusting the server that serves them, and with no trust on first use:
//
//   1. the network authority's verifier key (C2SP signed-note: name+hex8+base64(0x01 ‖ key),
//      its key ID SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4]) comes with the page
//      (/ui/authority.txt) and is shown: it is the one key believed;
//   2. the registry is read and checked against it (registry.js): its checkpoint signed by the
//      authority, every entry hashed to its root, folded as every node folds it;
//   3. the key that must sign the member's log at the checkpoint's size is the registry's
//      (the admission or the rotation that set it, whose inclusion proof to the registry's
//      checkpoint is checked too); the key the node serves must be that one, the member in
//      good standing;
//   4. the member's checkpoint (C2SP tlog-checkpoint in a signed note) carries a valid Ed25519
//      signature by that key, and names the member's origin;
//   5. each entry's leaf hash SHA-256(0x00 ‖ entry bytes) (RFC 6962) is folded with its
//      inclusion proof up to the signed root (RFC 9162 §2.1.3.2);
//   6. every text the page shows for the entry is present in the signed protobuf bytes;
//   7. the witnesses' cosignatures (C2SP tlog-cosignature, type 0x04) on the same checkpoint
//      meet the quorum of the registry's trust policy (docs/PROTOCOL.md §6; the log's own
//      key does not count), each witness's key being the registry's.
//
// The data comes from the read API (/api/v1/logs/<slug>, /logs/<slug>/checkpoint,
// /api/v1/logs/<slug>/entries, /api/v1/logs/<slug>/proof/inclusion), but nothing it says is
// believed: a single altered byte in a proof, an entry, a key or a signature makes the check
// fail, and the page says which step failed.

import { getJSON, getText, seg } from './api.js';
import { loadRegistry, keyFor, keysOf, policy, quorumMet, varintAt } from './registry.js';

const te = new TextEncoder();

export class VerifyError extends Error {
	constructor(code, vars) {
		super(code);
		this.code = code;
		this.vars = vars || {};
	}
}

export function available() {
	if (!window.isSecureContext || !window.crypto || !crypto.subtle) return 'insecure';
	return 'ok';
}

// ---- bytes ----

export function b64dec(s) {
	if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4) throw new VerifyError('v.e.badnote');
	const bin = atob(s);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

export function b64enc(u8) {
	let s = '';
	for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
	return btoa(s);
}

export function hex(u8) {
	return Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
	const n = parts.reduce((a, p) => a + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) { out.set(p, o); o += p.length; }
	return out;
}

function equal(a, b) {
	if (a.length !== b.length) return false;
	let d = 0;
	for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
	return d === 0;
}

export async function sha256(...parts) {
	return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

// ---- keys and signed notes ----

// "name+hex8+base64(alg ‖ key)" → {name, id (4 bytes), alg, pub (32 bytes)}.
export async function parseVerifierKey(vkey) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(String(vkey || ''));
	if (!m) throw new VerifyError('v.e.badkey');
	const key = b64dec(m[3]);
	if (key.length !== 33 || key[0] !== 0x01) throw new VerifyError('v.e.badkey');
	const pub = key.slice(1);
	const id = (await sha256(te.encode(m[1]), new Uint8Array([0x0a, 0x01]), pub)).slice(0, 4);
	if (hex(id) !== m[2]) throw new VerifyError('v.e.badkey');
	return { name: m[1], id, alg: 1, pub };
}

// The form of a verifier key (no hashing): what the registry's fold needs to leave out keys
// no node could use.
function keyShape(vkey, name) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]{44})$/.exec(String(vkey || ''));
	return !!m && m[1] === name && m[3][0] === 'A'; // base64 of 0x01 ‖ key starts with 'A'
}

// "name+id" of a key string, for messages.
function shortKey(vkey) {
	return String(vkey || '').split('+').slice(0, 2).join('+');
}

// The authority's key, served with the page; null when the node has none (404).
export async function loadAnchor({ signal } = {}) {
	let text;
	try {
		text = await getText('/ui/authority.txt', { signal });
	} catch (e) {
		if (e && e.kind === 'http' && e.status === 404) return null;
		throw e;
	}
	const vkey = text.trim();
	return { vkey, key: await parseVerifierKey(vkey) };
}

// A C2SP signed note: {text (with its final newline), sigs: [{name, bytes}]}.
export function parseNote(note) {
	const s = String(note || '');
	const cut = s.lastIndexOf('\n\n');
	if (cut < 0 || !s.endsWith('\n')) throw new VerifyError('v.e.badnote');
	const text = s.slice(0, cut + 1);
	const sigs = [];
	for (const line of s.slice(cut + 2, -1).split('\n')) {
		const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
		if (!m) throw new VerifyError('v.e.badnote');
		sigs.push({ name: m[1], bytes: b64dec(m[2]) });
	}
	if (!sigs.length) throw new VerifyError('v.e.badnote');
	return { text, sigs };
}

// tlog-checkpoint body: origin, size, base64 root, optional extension lines.
export function parseCheckpoint(text) {
	const lines = text.split('\n');
	if (lines.length < 4 || !/^\d+$/.test(lines[1])) throw new VerifyError('v.e.badnote');
	const root = b64dec(lines[2]);
	if (root.length !== 32) throw new VerifyError('v.e.badnote');
	return { origin: lines[0], size: BigInt(lines[1]), root };
}

const keyCache = new Map();
async function importKey(pub) {
	const k = hex(pub);
	if (!keyCache.has(k)) keyCache.set(k, crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']));
	return keyCache.get(k);
}

async function ed25519(pub, sig, msg) {
	let key;
	try {
		key = await importKey(pub);
	} catch (e) {
		throw new VerifyError('v.unsupported');
	}
	return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
}

// The author's signature on a note: true, or false when present but invalid; null when absent.
export async function checkNoteSignature(note, vk) {
	let found = null;
	for (const s of note.sigs) {
		if (s.name !== vk.name || s.bytes.length !== 68 || !equal(s.bytes.slice(0, 4), vk.id)) continue;
		if (await ed25519(vk.pub, s.bytes.slice(4), te.encode(note.text))) return true;
		found = false;
	}
	return found;
}

// A tlog-cosignature line by `name` with public key pub: {ok, time} or null when absent.
export async function checkCosignature(note, name, pub) {
	const id = (await sha256(te.encode(name), new Uint8Array([0x0a, 0x04]), pub)).slice(0, 4);
	for (const s of note.sigs) {
		if (s.name !== name || s.bytes.length !== 76 || !equal(s.bytes.slice(0, 4), id)) continue;
		let t = 0n;
		for (let i = 4; i < 12; i++) t = (t << 8n) | BigInt(s.bytes[i]);
		const msg = concat(te.encode(`cosignature/v1\ntime ${t}\n`), te.encode(note.text));
		const ok = await ed25519(pub, s.bytes.slice(12), msg);
		return { ok, time: new Date(Number(t) * 1000).toISOString() };
	}
	return null;
}

// ---- Merkle tree (RFC 6962 / RFC 9162) ----

export function leafHash(entry) {
	return sha256(new Uint8Array([0x00]), entry);
}

function nodeHash(l, r) {
	return sha256(new Uint8Array([0x01]), l, r);
}

// RFC 9162 §2.1.3.2: the root that leaf `index` of a tree of `size` and its proof lead to.
export async function rootFromInclusionProof(index, size, leaf, proof) {
	let fn = BigInt(index), sn = BigInt(size) - 1n;
	if (fn > sn) throw new VerifyError('v.e.range', { i: index, size });
	let r = leaf;
	for (const p of proof) {
		if (sn === 0n) return null;   // a proof longer than the path
		if ((fn & 1n) === 1n || fn === sn) {
			r = await nodeHash(p, r);
			if ((fn & 1n) === 0n) {
				while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
			}
		} else {
			r = await nodeHash(r, p);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n ? r : null;
}

// ---- what the signed bytes say ----

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Every length-delimited field of a protobuf message, as UTF-8 text and as base64 (for bytes
// fields), recursing into what parses as a sub-message.
export function protoStrings(buf, out = new Set(), depth = 0) {
	let i = 0, x;
	const varint = () => { [x, i] = varintAt(buf, i); return x; };
	const found = [];
	while (i < buf.length) {
		const key = varint();
		const wt = Number(key & 7n);
		if (key >> 3n === 0n) throw new Error('field 0');
		if (wt === 0) varint();
		else if (wt === 1) i += 8;
		else if (wt === 5) i += 4;
		else if (wt === 2) {
			const n = Number(varint());
			if (i + n > buf.length) throw new Error('length');
			found.push(buf.subarray(i, i + n));
			i += n;
		} else throw new Error('wire type');
		if (i > buf.length) throw new Error('truncated');
	}
	for (const f of found) {
		out.add(b64enc(f));
		try { out.add(utf8.decode(f)); } catch (e) { /* bytes, not text */ }
		if (depth < 16) {
			try { protoStrings(f, new Set(), depth + 1).forEach((s) => out.add(s)); } catch (e) { /* not a message */ }
		}
	}
	return out;
}

// The texts a page shows from an entry's JSON: every string but enum names and 64-bit
// integers (varints in the bytes, strings only in JSON).
export function shownStrings(json, out = []) {
	if (typeof json === 'string') {
		if (json && !/^[A-Z][A-Z0-9_]*$/.test(json) && !/^-?\d+$/.test(json)) out.push(json);
	} else if (Array.isArray(json)) json.forEach((v) => shownStrings(v, out));
	else if (json && typeof json === 'object') Object.values(json).forEach((v) => shownStrings(v, out));
	return out;
}

// ---- the whole check ----
//
// Verifies entries {index, entry: shown JSON or null} of log slug. Returns a report:
// {ok, origin, size, checkpoint, steps: [{ok, key, vars}], witnesses: [{name, state, time}],
//  error: {code, vars} | null}. Never throws for a verification failure.
export async function verifyEntries(slug, items, { signal } = {}) {
	const report = { ok: false, origin: '', size: null, checkpoint: '', keyId: '', anchor: '', registrySize: null, quorum: null, steps: [], witnesses: [], error: null };
	const step = (ok, key, vars) => report.steps.push({ ok, key, vars: vars || {} });
	const fail = (code, vars) => { report.error = { code, vars: vars || {} }; return report; };
	try {
		if (available() !== 'ok') return fail('v.insecure');
		const anchor = await loadAnchor({ signal });
		if (!anchor) return fail('v.e.noanchor');
		report.anchor = anchor.vkey;
		step(true, 'v.step.anchor', { key: shortKey(anchor.vkey) });
		const reg = await loadRegistry(anchor.key, { parseNote, parseCheckpoint, checkNoteSignature, VerifyError }, { signal });
		report.registrySize = String(reg.size);
		step(true, 'v.step.registry', { size: reg.size });

		const log = await getJSON(`/api/v1/logs/${seg(slug)}`, { signal, fresh: true });
		report.origin = log.origin;
		const cpText = await getText(`/logs/${seg(slug)}/checkpoint`, { signal });
		report.checkpoint = cpText;
		const note = parseNote(cpText);
		const cp = parseCheckpoint(note.text);
		if (cp.origin !== log.origin) return fail('v.e.origin', { o: cp.origin });
		report.size = cp.size.toString();

		// The key: the registry's for this log at this size, and the one the node serves.
		const want = keyFor(reg, anchor.vkey, log.origin, cp.size);
		if (want.error) return fail(want.error, { o: log.origin, at: want.at, size: report.size });
		if (log.verifierKey !== want.vkey) {
			return fail('v.e.keymismatch', { o: log.origin, got: shortKey(log.verifierKey), want: shortKey(want.vkey), size: report.size });
		}
		const vk = await parseVerifierKey(want.vkey);
		if (vk.name !== log.origin) return fail('v.e.badkey');
		report.keyId = hex(vk.id);
		if (want.index !== null) {
			const pr = await getJSON(`/api/v1/logs/${seg(reg.slug)}/proof/inclusion?index=${want.index}&size=${reg.size}`, { signal, fresh: true });
			const proof = (pr.proof || []).map((p) => b64dec(p));
			const root = proof.every((p) => p.length === 32) ? await rootFromInclusionProof(want.index, reg.size, reg.leaves[want.index], proof) : null;
			if (!root || !equal(root, reg.root)) return fail('v.e.keyproof', { i: want.index });
			step(true, 'v.step.keyAdmitted', { id: report.keyId, i: want.index, kind: want.kind, d: want.date || '' });
		} else {
			step(true, 'v.step.keyAuthority', { id: report.keyId });
		}

		const sig = await checkNoteSignature(note, vk);
		if (sig === null) return fail('v.e.nosig');
		if (!sig) return fail('v.e.sig');
		step(true, 'v.step.sig', { name: vk.name, size: report.size });

		for (const it of items) {
			const i = Number(it.index);
			if (BigInt(i) >= cp.size) return fail('v.e.range', { i, size: report.size });
			const page = await getJSON(`/api/v1/logs/${seg(slug)}/entries?start=${i}&limit=1`, { signal, fresh: true });
			const e = page && page.entries && page.entries[0];
			if (!e || e.index !== i) return fail('v.e.fetch', { e: `entry ${i}` });
			const raw = b64dec(e.raw);
			const leaf = await leafHash(raw);
			step(true, 'v.step.leaf', { i, h: `${hex(leaf).slice(0, 16)}…` });
			const pr = await getJSON(`/api/v1/logs/${seg(slug)}/proof/inclusion?index=${i}&size=${report.size}`, { signal, fresh: true });
			const proof = (pr.proof || []).map((p) => {
				const b = b64dec(p);
				if (b.length !== 32) throw new VerifyError('v.e.proof', { i });
				return b;
			});
			const root = await rootFromInclusionProof(i, cp.size, leaf, proof);
			if (!root || !equal(root, cp.root)) return fail('v.e.proof', { i });
			step(true, 'v.step.proof', { i });
			if (it.entry) {
				const have = protoStrings(raw);
				const missing = shownStrings(it.entry).find((s) => !have.has(s));
				if (missing !== undefined) return fail('v.e.content', { i, s: missing.length > 60 ? `${missing.slice(0, 60)}…` : missing });
				step(true, 'v.step.content', { i });
			}
		}

		// The witnesses of the registry's policy, and its quorum.
		const pol = policy(reg, anchor.vkey, keyShape);
		const byName = new Map(pol.witnesses.map((w) => [w.name, w]));
		const counted = new Set();
		for (const s of note.sigs) {
			if (s.name === vk.name && s.bytes.length === 68) continue;
			if (report.witnesses.some((w) => w.name === s.name)) continue;
			let w = { name: s.name, state: 'unknown', time: null, counts: false };
			const pw = byName.get(s.name);
			if (pw) {
				const wk = await parseVerifierKey(pw.vkey);
				const r = await checkCosignature(note, s.name, wk.pub);
				if (r) w = { name: s.name, state: r.ok ? 'ok' : 'bad', time: r.time, counts: r.ok && !equal(wk.pub, vk.pub) };
			}
			if (w.state === 'bad') return fail('v.e.badcosig', { w: s.name });
			if (w.counts) counted.add(s.name);
			report.witnesses.push(w);
		}
		const top = pol.groups[pol.groups.length - 1];
		report.quorum = { n: counted.size, k: top.k, groups: pol.groups.length - 1 };
		if (!quorumMet(pol, counted)) return fail('v.e.quorum', { n: counted.size, k: top.k, size: report.registrySize });
		step(true, 'v.step.quorum', { n: counted.size, k: top.k });
		report.ok = true;
		return report;
	} catch (e) {
		if (e instanceof VerifyError) return fail(e.code, e.vars);
		if (e && e.kind === 'aborted') throw e;
		return fail('v.e.fetch', { e: e && (e.reason || e.message) || String(e) });
	}
}

// Both notes of an equivocation signed by a key the registry gave the member?
export async function verifyEvidence(ev, { signal } = {}) {
	const anchor = await loadAnchor({ signal });
	if (!anchor) return false;
	const reg = await loadRegistry(anchor.key, { parseNote, parseCheckpoint, checkNoteSignature, VerifyError }, { signal });
	const keys = await Promise.all(keysOf(reg, ev.origin).map((k) => parseVerifierKey(k).catch(() => null)));
	const signed = async (n) => {
		const note = parseNote(n);
		for (const k of keys) if (k && (await checkNoteSignature(note, k)) === true) return true;
		return false;
	};
	return (await signed(ev.noteA)) && (await signed(ev.noteB));
}
