// goverify — an independent verifier for the integration tests, built only on Go's own
// golang.org/x/mod/sumdb/note and sumdb/tlog (Debian: golang-golang-x-mod-dev), so that what
// REMACTO serves is checked by an implementation that shares no code with it.
//
//	goverify checkpoint VKEY FILE          verify a signed checkpoint; print "origin size root"
//	goverify inclusion PROOF.json ENTRY.b64 verify an inclusion proof of an entry's bytes
//	goverify consistency PROOF.json        verify a consistency proof
//	goverify tiles URL VKEY [STEP]          read a log served as C2SP tlog-tiles under URL
//	                                       (…/logs/<slug>): verify its checkpoint, every tile
//	                                       Go's tlog reads against the signed root, and the
//	                                       leaf hash of every STEP-th entry of the bundles
//	goverify cosig FILE VKEY...            verify the C2SP tlog-cosignature v1.0.1 lines of
//	                                       the checkpoint note FILE made by the witnesses
//	                                       whose Ed25519 note keys (type 0x01) are VKEY...:
//	                                       print "name time" per valid one; fails when one
//	                                       does not verify or none is there
//	goverify policy | tlogproof | addcheckpoint …  see tlog.go
//
// Exit status 0 when it verifies, 1 with a message otherwise.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func hash(s string) tlog.Hash {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		die("bad hash %q", s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

func readJSON(path string, v interface{}) {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		die("%s: %v", path, err)
	}
}

func main() {
	if len(os.Args) < 3 {
		die("usage: goverify checkpoint VKEY FILE | inclusion PROOF ENTRY | consistency PROOF")
	}
	switch os.Args[1] {
	case "checkpoint":
		if len(os.Args) != 4 {
			die("usage: goverify checkpoint VKEY FILE")
		}
		v, err := note.NewVerifier(os.Args[2])
		if err != nil {
			die("verifier key: %v", err)
		}
		msg, err := os.ReadFile(os.Args[3])
		if err != nil {
			die("%v", err)
		}
		n, err := note.Open(msg, note.VerifierList(v))
		if err != nil {
			die("note does not verify: %v", err)
		}
		lines := strings.Split(n.Text, "\n")
		if len(lines) < 4 {
			die("checkpoint has %d lines", len(lines))
		}
		size, err := strconv.ParseInt(lines[1], 10, 64)
		if err != nil || size < 0 {
			die("bad size line %q", lines[1])
		}
		hash(lines[2])
		fmt.Printf("%s %d %s\n", lines[0], size, lines[2])
	case "inclusion":
		var p struct {
			LeafIdx  int64    `json:"leafIdx"`
			TreeSize int64    `json:"treeSize"`
			Root     string   `json:"root"`
			LeafHash string   `json:"leafHash"`
			Proof    []string `json:"proof"`
		}
		readJSON(os.Args[2], &p)
		if len(os.Args) != 4 {
			die("usage: goverify inclusion PROOF ENTRY.b64")
		}
		raw, err := os.ReadFile(os.Args[3])
		if err != nil {
			die("%v", err)
		}
		entry, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil {
			die("entry: %v", err)
		}
		leaf := tlog.RecordHash(entry)
		if leaf != hash(p.LeafHash) {
			die("leafHash is not the RFC 6962 leaf hash of the entry")
		}
		if err := tlog.CheckRecord(hashes(p.Proof), p.TreeSize, hash(p.Root), p.LeafIdx, leaf); err != nil {
			die("inclusion proof: %v", err)
		}
		fmt.Println("inclusion ok")
	case "consistency":
		var p struct {
			Size1 int64    `json:"size1"`
			Size2 int64    `json:"size2"`
			Root1 string   `json:"root1"`
			Root2 string   `json:"root2"`
			Proof []string `json:"proof"`
		}
		readJSON(os.Args[2], &p)
		if err := tlog.CheckTree(hashes(p.Proof), p.Size2, hash(p.Root2), p.Size1, hash(p.Root1)); err != nil {
			die("consistency proof: %v", err)
		}
		fmt.Println("consistency ok")
	case "tiles":
		if len(os.Args) < 4 {
			die("usage: goverify tiles URL VKEY [STEP]")
		}
		step := int64(1)
		if len(os.Args) > 4 {
			step, _ = strconv.ParseInt(os.Args[4], 10, 64)
		}
		tiles(strings.TrimSuffix(os.Args[2], "/"), os.Args[3], step)
	case "cosig":
		cosig(os.Args[2], os.Args[3:])
	case "policy":
		cmdPolicy(os.Args[2])
	case "witnessed":
		if len(os.Args) != 4 {
			die("usage: goverify witnessed POLICY NOTE")
		}
		cmdWitnessed(os.Args[2], os.Args[3])
	case "approved":
		if len(os.Args) != 4 {
			die("usage: goverify approved POLICY NOTE")
		}
		cmdApproved(os.Args[2], os.Args[3])
	case "tlogproof":
		if len(os.Args) < 4 || len(os.Args) > 5 {
			die("usage: goverify tlogproof POLICY PROOF [ENTRY]")
		}
		entry := ""
		if len(os.Args) == 5 {
			entry = os.Args[4]
		}
		cmdTlogProof(os.Args[2], os.Args[3], entry)
	case "addcheckpoint":
		if len(os.Args) < 5 || len(os.Args) > 6 {
			die("usage: goverify addcheckpoint URL OLD CHECKPOINT [PROOF.json]")
		}
		proof := ""
		if len(os.Args) == 6 {
			proof = os.Args[5]
		}
		cmdAddCheckpoint(os.Args[2], os.Args[3], os.Args[4], proof)
	default:
		die("unknown command %q", os.Args[1])
	}
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		die("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil || resp.StatusCode != 200 {
		die("GET %s: status %d %v", url, resp.StatusCode, err)
	}
	return body
}

// c2spPath maps Go's tile path "tile/8/L/N[.p/W]" (height in the path) to C2SP tlog-tiles'
// "tile/L/N[.p/W]", and Go's data tiles "tile/8/data/…" to "tile/entries/…".
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

type tileReader struct{ base string }

func (r tileReader) Height() int { return 8 }
func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}
func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(r.base + "/" + c2spPath(t))
	}
	return out, nil
}

func tiles(base, vkey string, step int64) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		die("verifier key: %v", err)
	}
	n, err := note.Open(get(base+"/checkpoint"), note.VerifierList(v))
	if err != nil {
		die("checkpoint does not verify: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		die("checkpoint size %q", lines[1])
	}
	tree := tlog.Tree{N: size, Hash: hash(lines[2])}
	hr := tlog.TileHashReader(tree, tileReader{base})
	// Go's reader checks every tile it reads against the signed root.
	th, err := tlog.TreeHash(size, hr)
	if err != nil || th != tree.Hash {
		die("tree hash from tiles: %v", err)
	}
	checked := 0
	for first := int64(0); first < size; first += 256 {
		w := size - first
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: first / 256, W: int(w)}
		bundle := get(base + "/" + c2spPath(t))
		for i := int64(0); i < w; i++ {
			if len(bundle) < 2 {
				die("entry bundle %d truncated at entry %d", t.N, i)
			}
			l := int(binary.BigEndian.Uint16(bundle))
			if len(bundle) < 2+l {
				die("entry bundle %d truncated at entry %d", t.N, i)
			}
			entry := bundle[2 : 2+l]
			bundle = bundle[2+l:]
			idx := first + i
			if idx%step != 0 && idx != size-1 {
				continue
			}
			p, err := tlog.ProveRecord(size, idx, hr)
			if err != nil {
				die("proof of %d from tiles: %v", idx, err)
			}
			if err := tlog.CheckRecord(p, size, tree.Hash, idx, tlog.RecordHash(entry)); err != nil {
				die("entry %d: %v", idx, err)
			}
			checked++
		}
		if len(bundle) != 0 {
			die("entry bundle %d has %d trailing bytes", t.N, len(bundle))
		}
	}
	fmt.Printf("tiles ok: %d entries, %d checked\n", size, checked)
}

// cosig checks tlog-cosignature v1.0.1 lines with crypto/ed25519 alone: key ID =
// SHA-256(name ‖ "\n" ‖ 0x04 ‖ pub)[:4]; signature = key ID ‖ uint64 BE time ‖ Ed25519 over
// "cosignature/v1\ntime <t>\n" ‖ the checkpoint text.
func cosig(file string, vkeys []string) {
	type witness struct {
		name string
		id   [4]byte
		pub  ed25519.PublicKey
	}
	var ws []witness
	for _, vk := range vkeys {
		parts := strings.SplitN(vk, "+", 3)
		if len(parts) != 3 {
			die("verifier key %q: want name+keyid+key", vk)
		}
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(raw) != 33 || raw[0] != 0x01 {
			die("verifier key %q: not an Ed25519 note key", vk)
		}
		h := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), raw[1:]...))
		w := witness{name: parts[0], pub: ed25519.PublicKey(raw[1:])}
		copy(w.id[:], h[:4])
		ws = append(ws, w)
	}
	msg, err := os.ReadFile(file)
	if err != nil {
		die("%v", err)
	}
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		die("%s: not a signed note", file)
	}
	text := msg[:i+1]
	valid := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(msg[i+2:]), "\n"), "\n") {
		if !strings.HasPrefix(line, "\u2014 ") {
			die("signature line %q does not start with an em dash", line)
		}
		f := strings.Fields(strings.TrimPrefix(line, "\u2014 "))
		if len(f) != 2 {
			die("signature line %q", line)
		}
		sig, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(sig) < 4 {
			die("signature line %q: bad base64", line)
		}
		for _, w := range ws {
			if w.name != f[0] || !bytes.Equal(w.id[:], sig[:4]) {
				continue
			}
			if len(sig) != 4+8+ed25519.SignatureSize {
				die("cosignature of %s: %d bytes, not 76", w.name, len(sig))
			}
			t := binary.BigEndian.Uint64(sig[4:12])
			signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), text...)
			if !ed25519.Verify(w.pub, signed, sig[12:]) {
				die("cosignature of %s (time %d) does not verify", w.name, t)
			}
			fmt.Printf("%s %d\n", w.name, t)
			valid++
		}
	}
	if valid == 0 {
		die("no cosignature of the given witnesses in %s", file)
	}
}
