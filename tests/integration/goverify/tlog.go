// The C2SP texts of issue 11, read independently of the C code: tlog-policy files
// (c2sp.org/tlog-policy), tlog-proof files (c2sp.org/tlog-proof@v1) checked against a policy,
// and the tlog-witness add-checkpoint protocol (c2sp.org/tlog-witness) spoken to a node.
//
//	goverify policy FILE                   parse a policy; print "logs N witnesses N groups N
//	                                       quorum NAME" and one "log NAME" / "witness NAME"
//	                                       line each
//	goverify tlogproof POLICY PROOF [ENTRY] verify a proof: the log's signature (Go's
//	                                       sumdb/note), every known witness's cosignature,
//	                                       the quorum (a witness with the log's own key does
//	                                       not count), the inclusion of ENTRY's bytes (or
//	                                       the extra line's) with Go's sumdb/tlog
//	goverify witnessed POLICY NOTE         open a checkpoint note under a policy (as tlogproof
//	                                       does) and print the name of each witness of the
//	                                       policy whose cosignature verified and counts
//	goverify approved POLICY NOTE          the same under a registry's governance policy
//	                                       (docs/PROTOCOL.md §8), where every key's
//	                                       approval counts, the signer's too; exit 1 when
//	                                       the quorum is not met
//	goverify addcheckpoint URL OLD CHECKPOINT [PROOF.json]
//	                                       POST URL (…/witness/add-checkpoint) with "old OLD",
//	                                       the consistency proof's hashes, an empty line and
//	                                       the checkpoint note; print the status, the
//	                                       content type and the body
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type policyWitness struct {
	name   string // the policy's name
	key    string // the key's name, as signature lines carry it
	id     [4]byte
	pub    ed25519.PublicKey
	vkey   string
	node   int
	signed bool
}

type policyGroup struct {
	name    string
	k       int
	members []int // nodes
}

type policy struct {
	logs      []note.Verifier
	logPubs   [][]byte
	witnesses []*policyWitness
	groups    []*policyGroup
	nodes     []int // >= 0: witness index; < 0: -(group index)-1
	names     map[string]int
	quorum    int // a node, or -1 for none
	countOwn  bool // a cosignature with the log's own key counts (a governance approval)
}

// decodeVkey splits name+hex8+base64(alg ‖ key), checks the key ID and returns its parts.
func decodeVkey(vkey string) (name string, alg byte, pub []byte, err error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return "", 0, nil, fmt.Errorf("vkey %q: want name+keyid+key", vkey)
	}
	id, err := hex.DecodeString(parts[1])
	if err != nil {
		return "", 0, nil, fmt.Errorf("vkey %q: key ID", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 {
		return "", 0, nil, fmt.Errorf("vkey %q: not a 32-byte key", vkey)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	if !bytes.Equal(h[:4], id) {
		return "", 0, nil, fmt.Errorf("vkey %q: key ID does not match", vkey)
	}
	return parts[0], raw[0], raw[1:], nil
}

func parsePolicy(text []byte) (*policy, error) {
	p := &policy{names: map[string]int{}, quorum: -2}
	logKeys, witKeys := map[string]bool{}, map[string]bool{}
	for i, b := range text {
		if (b < 0x20 && b != '\t' && b != '\n') || b == 0x7f {
			return nil, fmt.Errorf("byte %d: control character 0x%02x", i, b)
		}
	}
	for n, line := range strings.Split(string(text), "\n") {
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		fail := func(format string, a ...interface{}) error {
			return fmt.Errorf("line %d: %s", n+1, fmt.Sprintf(format, a...))
		}
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		define := func(name string) error {
			if name == "none" {
				return fail("name none is reserved")
			}
			if _, ok := p.names[name]; ok {
				return fail("%s defined twice", name)
			}
			return nil
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, fail("log <vkey> [url]")
			}
			v, err := note.NewVerifier(f[1]) // Go's note reads Ed25519 (type 0x01) keys only
			if err != nil {
				return nil, fail("log key: %v", err)
			}
			_, _, pub, _ := decodeVkey(f[1])
			if logKeys[string(pub)] {
				return nil, fail("duplicate log key")
			}
			logKeys[string(pub)] = true
			p.logs = append(p.logs, v)
			p.logPubs = append(p.logPubs, pub)
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, fail("witness <name> <vkey> [url]")
			}
			if err := define(f[1]); err != nil {
				return nil, err
			}
			key, alg, pub, err := decodeVkey(f[2])
			if err != nil || alg != 0x04 {
				return nil, fail("witness key: not an Ed25519 cosignature key (%v)", err)
			}
			if witKeys[string(pub)] {
				return nil, fail("duplicate witness key")
			}
			witKeys[string(pub)] = true
			w := &policyWitness{name: f[1], key: key, pub: pub, vkey: f[2], node: len(p.nodes)}
			idb, _ := hex.DecodeString(strings.SplitN(f[2], "+", 3)[1])
			copy(w.id[:], idb)
			p.names[f[1]] = len(p.nodes)
			p.nodes = append(p.nodes, len(p.witnesses))
			p.witnesses = append(p.witnesses, w)
		case "group":
			if len(f) < 4 {
				return nil, fail("group <name> all|any|k <name>...")
			}
			if err := define(f[1]); err != nil {
				return nil, err
			}
			g := &policyGroup{name: f[1]}
			seen := map[string]bool{}
			for _, m := range f[3:] {
				node, ok := p.names[m]
				if !ok || seen[m] {
					return nil, fail("member %s undefined or repeated", m)
				}
				seen[m] = true
				g.members = append(g.members, node)
			}
			switch f[2] {
			case "all":
				g.k = len(g.members)
			case "any":
				g.k = 1
			default:
				k, err := strconv.Atoi(f[2])
				if err != nil || k < 1 || k > len(g.members) {
					return nil, fail("threshold %s", f[2])
				}
				g.k = k
			}
			p.names[f[1]] = len(p.nodes)
			p.nodes = append(p.nodes, -len(p.groups)-1)
			p.groups = append(p.groups, g)
		case "quorum":
			if len(f) != 2 || p.quorum != -2 {
				return nil, fail("one quorum <name> line")
			}
			if f[1] == "none" {
				p.quorum = -1
			} else if node, ok := p.names[f[1]]; ok {
				p.quorum = node
			} else {
				return nil, fail("quorum %s undefined", f[1])
			}
		default:
			return nil, fail("unknown keyword %q", f[0])
		}
	}
	if p.quorum == -2 {
		return nil, fmt.Errorf("no quorum line")
	}
	return p, nil
}

func (p *policy) quorumMet() bool {
	if p.quorum < 0 {
		return true
	}
	sat := make([]bool, len(p.nodes))
	for i, n := range p.nodes {
		if n >= 0 {
			sat[i] = p.witnesses[n].signed
			continue
		}
		g, c := p.groups[-n-1], 0
		for _, m := range g.members {
			if sat[m] {
				c++
			}
		}
		sat[i] = c >= g.k
	}
	return sat[p.quorum]
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	return b
}

func cmdPolicy(file string) {
	p, err := parsePolicy(readFile(file))
	if err != nil {
		die("policy: %v", err)
	}
	q := "none"
	for name, node := range p.names {
		if node == p.quorum {
			q = name
		}
	}
	fmt.Printf("logs %d witnesses %d groups %d quorum %s\n", len(p.logs), len(p.witnesses), len(p.groups), q)
	for _, l := range p.logs {
		fmt.Printf("log %s\n", l.Name())
	}
	for _, w := range p.witnesses {
		fmt.Printf("witness %s\n", w.name)
	}
}

// checkCheckpoint opens note under the policy's logs with Go's sumdb/note, then checks the
// cosignature of every witness of the policy found on it. It returns the checkpoint's lines
// and the number of witnesses that count.
func (p *policy) checkCheckpoint(msg []byte) ([]string, int) {
	n, err := note.Open(msg, note.VerifierList(p.logs...))
	if err != nil {
		die("checkpoint: no log of the policy signed it: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		die("checkpoint has %d lines", len(lines))
	}
	var logPub []byte
	for _, s := range n.Sigs {
		if s.Name == lines[0] {
			for i, l := range p.logs {
				if l.Name() == s.Name && l.KeyHash() == s.Hash {
					logPub = p.logPubs[i]
				}
			}
		}
	}
	if logPub == nil {
		die("checkpoint of %s is not signed by a log of the policy with that name", lines[0])
	}
	sigs := msg[len(n.Text)+1:]
	counted := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "\u2014 "))
		if len(f) != 2 {
			die("signature line %q", line)
		}
		sig, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(sig) < 5 {
			die("signature line %q", line)
		}
		for _, w := range p.witnesses {
			if w.key != f[0] || !bytes.Equal(w.id[:], sig[:4]) {
				continue
			}
			if len(sig) != 76 {
				die("cosignature of %s is %d bytes", w.name, len(sig))
			}
			t := binary.BigEndian.Uint64(sig[4:12])
			signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), n.Text...)
			if !ed25519.Verify(w.pub, signed, sig[12:]) {
				die("cosignature of %s does not verify", w.name)
			}
			if bytes.Equal(w.pub, logPub) && !p.countOwn {
				continue // the log witnessing itself
			}
			if !w.signed {
				counted++
			}
			w.signed = true
		}
	}
	return lines, counted
}

func cmdTlogProof(policyFile, proofFile, entryFile string) {
	p, err := parsePolicy(readFile(policyFile))
	if err != nil {
		die("policy: %v", err)
	}
	text := readFile(proofFile)
	head, rest, ok := bytes.Cut(text, []byte("\n\n"))
	if !ok {
		die("proof: no empty line")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		die("proof: first line %q", lines[0])
	}
	lines = lines[1:]
	var extra []byte
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		if extra, err = base64.StdEncoding.DecodeString(lines[0][6:]); err != nil {
			die("proof: extra line: %v", err)
		}
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		die("proof: no index line")
	}
	index, err := strconv.ParseInt(lines[0][6:], 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != lines[0][6:] {
		die("proof: index %q", lines[0][6:])
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		proof = append(proof, hash(l))
	}
	cp, counted := p.checkCheckpoint(rest)
	if !p.quorumMet() {
		die("the witness quorum of the policy is not met (%d cosignatures count)", counted)
	}
	entry := extra
	if entryFile != "" {
		entry = readFile(entryFile)
	}
	if entry == nil {
		die("no entry bytes")
	}
	size, err := strconv.ParseInt(cp[1], 10, 64)
	if err != nil {
		die("checkpoint size %q", cp[1])
	}
	if err := tlog.CheckRecord(proof, size, hash(cp[2]), index, tlog.RecordHash(entry)); err != nil {
		die("inclusion of entry %d: %v", index, err)
	}
	fmt.Printf("tlog-proof ok: %s entry %d of %d, %d witnesses\n", cp[0], index, size, counted)
}

func cmdAddCheckpoint(url, old, cpFile, proofFile string) {
	var body bytes.Buffer
	fmt.Fprintf(&body, "old %s\n", old)
	if proofFile != "" {
		var p struct {
			Proof []string `json:"proof"`
		}
		readJSON(proofFile, &p)
		for _, h := range p.Proof {
			fmt.Fprintf(&body, "%s\n", h)
		}
	}
	body.WriteString("\n")
	body.Write(readFile(cpFile))
	resp, err := http.Post(url, "text/plain", &body)
	if err != nil {
		die("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Printf("%d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
}

func cmdWitnessed(policyFile, noteFile string) {
	p, err := parsePolicy(readFile(policyFile))
	if err != nil {
		die("policy: %v", err)
	}
	p.checkCheckpoint(readFile(noteFile))
	for _, w := range p.witnesses {
		if w.signed {
			fmt.Println(w.name)
		}
	}
}

func cmdApproved(policyFile, noteFile string) {
	p, err := parsePolicy(readFile(policyFile))
	if err != nil {
		die("policy: %v", err)
	}
	p.countOwn = true
	_, counted := p.checkCheckpoint(readFile(noteFile))
	for _, w := range p.witnesses {
		if w.signed {
			fmt.Println(w.name)
		}
	}
	if !p.quorumMet() {
		die("the quorum of the policy is not met (%d approvals)", counted)
	}
}
