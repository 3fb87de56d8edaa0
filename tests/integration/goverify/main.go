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
//
// Exit status 0 when it verifies, 1 with a message otherwise.
package main

import (
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
