// goverify — an independent verifier for the integration tests, built only on Go's own
// golang.org/x/mod/sumdb/note and sumdb/tlog (Debian: golang-golang-x-mod-dev), so that what
// REMACTO serves is checked by an implementation that shares no code with it.
//
//	goverify checkpoint VKEY FILE          verify a signed checkpoint; print "origin size root"
//	goverify inclusion PROOF.json ENTRY.b64 verify an inclusion proof of an entry's bytes
//	goverify consistency PROOF.json        verify a consistency proof
//
// Exit status 0 when it verifies, 1 with a message otherwise.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	default:
		die("unknown command %q", os.Args[1])
	}
}
